// The hillshade kernel against the formula written out by hand: the cosine between the light and
// the surface's normal, with Horn's gradient in metres (non-square pixels, geographic grids).
#include <gtest/gtest.h>

#include <cmath>
#include <numbers>
#include <random>

#include "minerisk/kernels/terrain.hpp"
#include "dem_window.hpp"

using namespace minerisk::kernels;

namespace {

constexpr double kRadians = std::numbers::pi / 180.0;


std::vector<float> shade_of(const std::vector<float>& dem, const GridFrame& f, const Window& w,
                            const HillshadeOptions& options = {}, EdgeMode edges = EdgeMode::extrapolate) {
  std::vector<float> out(static_cast<size_t>(w.cells()));
  hillshade(buffer_for(dem, f, w), w, f, out, options, edges);
  return out;
}

// The brute force at an interior cell: Horn's weighted differences in double, the cell size in
// metres at the cell's row, the normal (-dz/de, -dz/dn, 1) against the light's unit vector
// (east, north, up) = (sin az cos alt, cos az cos alt, sin alt).
double brute_force(const std::vector<float>& dem, const GridFrame& f, int64_t row, int64_t col,
                   const HillshadeOptions& o) {
  const auto z = [&](int64_t r, int64_t c) {
    return o.z_factor * static_cast<double>(dem[static_cast<size_t>((row + r) * f.width + col + c)]);
  };
  const MetricScale scale = f.scale_at_row(row);
  const double dx = f.cell_width() * scale.x, dy = f.cell_height() * scale.y;
  const double dz_east = ((z(-1, 1) + 2 * z(0, 1) + z(1, 1)) - (z(-1, -1) + 2 * z(0, -1) + z(1, -1))) / (8 * dx);
  const double dz_north = ((z(-1, -1) + 2 * z(-1, 0) + z(-1, 1)) - (z(1, -1) + 2 * z(1, 0) + z(1, 1))) / (8 * dy);
  const double az = o.azimuth * kRadians, alt = o.altitude * kRadians;
  const double light[3] = {std::sin(az) * std::cos(alt), std::cos(az) * std::cos(alt), std::sin(alt)};
  const double normal[3] = {-dz_east, -dz_north, 1.0};
  const double length = std::sqrt(normal[0] * normal[0] + normal[1] * normal[1] + 1.0);
  return std::max(0.0, (normal[0] * light[0] + normal[1] * light[1] + normal[2] * light[2]) / length);
}

std::vector<float> random_dem(int64_t w, int64_t h, double relief, unsigned seed) {
  std::mt19937 rng(seed);
  std::normal_distribution<float> step(0.0f, static_cast<float>(relief));
  std::vector<float> dem(static_cast<size_t>(w * h));
  for (int64_t r = 0; r < h; ++r)
    for (int64_t c = 0; c < w; ++c) {
      // A random walk along rows and columns: slopes of every size and every direction.
      const float left = c > 0 ? dem[static_cast<size_t>(r * w + c - 1)] : 500.0f;
      const float up = r > 0 ? dem[static_cast<size_t>((r - 1) * w + c)] : left;
      dem[static_cast<size_t>(r * w + c)] = 0.5f * (left + up) + step(rng);
    }
  return dem;
}

// The kernel sums elevations in float, as gdaldem: near 500 m that rounds the gradient by ~1e-6.
void expect_brute_force(const std::vector<float>& dem, const GridFrame& f, const HillshadeOptions& o) {
  const auto got = shade_of(dem, f, {0, 0, f.width, f.height}, o);
  int lit = 0, dark = 0;
  for (int64_t r = 1; r + 1 < f.height; ++r)
    for (int64_t c = 1; c + 1 < f.width; ++c) {
      const double want = brute_force(dem, f, r, c, o);
      EXPECT_NEAR(got[static_cast<size_t>(r * f.width + c)], want, 1e-5) << r << "," << c;
      lit += want > 0.9, dark += want == 0;
    }
  EXPECT_GT(lit, 0);  // the random relief has cells facing the light and cells in their shadow
  EXPECT_GT(dark, 0);
}

}  // namespace

TEST(Hillshade, EqualsTheFormulaOnSquareAndNonSquarePixels) {
  GridFrame f;
  f.width = 37, f.height = 29;
  f.geotransform = {500000.0, 10.0, 0, 4400000.0, 0, -10.0};
  expect_brute_force(random_dem(37, 29, 20.0, 1), f, {});
  f.geotransform = {500000.0, 10.0, 0, 4400000.0, 0, -30.0};
  expect_brute_force(random_dem(37, 29, 20.0, 2), f, {200.0, 30.0, 2.5});
}

TEST(Hillshade, EqualsTheFormulaOnAGeographicGridWithMetresPerDegreeByRow) {
  // 1 arc-second cells at 40 degrees north: about 24 m east-west and 31 m north-south.
  GridFrame f;
  f.width = 31, f.height = 600;
  f.geographic = true;
  f.geotransform = {46.5, 1.0 / 3600, 0, 40.3, 0, -1.0 / 3600};
  const auto dem = random_dem(31, 600, 40.0, 3);
  expect_brute_force(dem, f, {});
  expect_brute_force(dem, f, {90.0, 20.0, 1.0});
}

TEST(Hillshade, LightFromStraightAboveIsTheCosineOfTheSlope) {
  GridFrame f;
  f.width = 25, f.height = 21;
  f.geotransform = {0, 20.0, 0, 1000.0, 0, -15.0};
  const auto dem = random_dem(25, 21, 10.0, 4);
  const Window w{0, 0, 25, 21};
  const auto shade = shade_of(dem, f, w, {0.0, 90.0, 1.0});
  std::vector<float> slope(shade.size());
  slope_horn_degrees(buffer_for(dem, f, w), w, f, slope);  // every cell: the edges extrapolate alike
  for (size_t i = 0; i < shade.size(); ++i) EXPECT_NEAR(shade[i], std::cos(slope[i] * kRadians), 1e-5) << i;
}

TEST(Hillshade, FlatGroundTakesTheSineOfTheAltitudeAndSteepSlopesFallIntoShadow) {
  GridFrame f;
  f.width = 6, f.height = 5;
  f.geotransform = {0, 10.0, 0, 50.0, 0, -10.0};
  const auto flat = shade_of(std::vector<float>(30, 120.0f), f, {0, 0, 6, 5}, {315.0, 30.0, 1.0});
  for (float v : flat) EXPECT_NEAR(v, 0.5, 1e-6);
  // A plane rising 3 m per metre towards the south-east faces the north-west: lit from there
  // at 20 degrees it is bright, lit from the south-east it is in its own shadow (corners aside:
  // past the grid's edge they repeat their column).
  std::vector<float> plane(30);
  for (int64_t r = 0; r < 5; ++r)
    for (int64_t c = 0; c < 6; ++c) plane[static_cast<size_t>(r * 6 + c)] = static_cast<float>(3.0 * (10.0 * r + 10.0 * c));
  const auto from_north_west = shade_of(plane, f, {0, 0, 6, 5}, {315.0, 20.0, 1.0});
  const auto from_south_east = shade_of(plane, f, {0, 0, 6, 5}, {135.0, 20.0, 1.0});
  for (int64_t r = 0; r < 5; ++r)
    for (int64_t c = 0; c < 6; ++c) {
      if ((r == 0 || r == 4) && (c == 0 || c == 5)) continue;
      EXPECT_GT(from_north_west[static_cast<size_t>(r * 6 + c)], 0.95f) << r << "," << c;
      EXPECT_EQ(from_south_east[static_cast<size_t>(r * 6 + c)], 0.0f) << r << "," << c;
    }
}

TEST(Hillshade, TilesGiveTheWholeGridsValuesAndNoDataFollowsTheEdgeMode) {
  GridFrame f;
  f.width = 40, f.height = 30;
  f.geotransform = {0, 10.0, 0, 300.0, 0, -10.0};
  auto dem = random_dem(40, 30, 5.0, 5);
  dem[static_cast<size_t>(12 * 40 + 17)] = NAN;
  for (EdgeMode mode : {EdgeMode::extrapolate, EdgeMode::nodata}) {
    const auto whole = shade_of(dem, f, {0, 0, 40, 30}, {}, mode);
    for (const Window& w : {Window{0, 0, 13, 11}, Window{13, 11, 27, 19}, Window{30, 0, 10, 30}}) {
      const auto part = shade_of(dem, f, w, {}, mode);
      for (int64_t r = 0; r < w.height; ++r)
        for (int64_t c = 0; c < w.width; ++c) {
          const float a = part[static_cast<size_t>(r * w.width + c)];
          const float b = whole[static_cast<size_t>((w.row0 + r) * 40 + w.col0 + c)];
          EXPECT_TRUE(a == b || (std::isnan(a) && std::isnan(b))) << r << "," << c;
        }
    }
    EXPECT_TRUE(std::isnan(whole[12 * 40 + 17]));
    const bool nodata = mode == EdgeMode::nodata;
    EXPECT_EQ(std::isnan(whole[12 * 40 + 18]), nodata);  // next to the gap
    EXPECT_EQ(std::isnan(whole[0]), nodata);              // a corner
    EXPECT_EQ(std::isnan(whole[5 * 40]), nodata);         // the west edge
  }
}
