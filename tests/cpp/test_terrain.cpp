#include <gtest/gtest.h>

#include <cmath>
#include <numbers>
#include <random>

#include "minerisk/kernels/terrain.hpp"
#include "dem_window.hpp"

using namespace minerisk::kernels;

namespace {

GridFrame frame_for(int64_t w, int64_t h, double dx, double dy) {
  GridFrame f;
  f.geotransform = {1000.0, dx, 0, 5000.0, 0, -dy};
  f.width = w, f.height = h;
  return f;
}


std::vector<float> slope_of(const std::vector<float>& dem, const GridFrame& f, const Window& w,
                            EdgeMode mode = EdgeMode::extrapolate) {
  std::vector<float> out(static_cast<size_t>(w.cells()));
  slope_horn_degrees(buffer_for(dem, f, w), w, f, out, mode);
  return out;
}

double degrees(double rad) { return rad * 180.0 / std::numbers::pi; }

}  // namespace

TEST(Slope, PlaneGivesItsGradientEverywhereButTheCorners) {
  // z = 0.3 x + 0.1 y in metres, on non-square pixels (10 m by 30 m).
  const GridFrame f = frame_for(9, 7, 10.0, 30.0);
  std::vector<float> dem(63);
  for (int64_t r = 0; r < 7; ++r)
    for (int64_t c = 0; c < 9; ++c) dem[static_cast<size_t>(r * 9 + c)] = static_cast<float>(0.3 * c * 10.0 - 0.1 * r * 30.0);
  const auto s = slope_of(dem, f, {0, 0, 9, 7});
  const double expected = degrees(std::atan(std::hypot(0.3, 0.1)));
  for (int64_t r = 0; r < 7; ++r)
    for (int64_t c = 0; c < 9; ++c) {
      const bool corner = (r == 0 || r == 6) && (c == 0 || c == 8);
      if (!corner) {
        EXPECT_NEAR(s[static_cast<size_t>(r * 9 + c)], expected, 1e-4) << r << "," << c;
      }
    }
}

TEST(Slope, DefaultGdaldemModeLeavesEdgesNoData) {
  const GridFrame f = frame_for(5, 4, 10, 10);
  std::vector<float> dem(20, 1.0f);
  const auto s = slope_of(dem, f, {0, 0, 5, 4}, EdgeMode::nodata);
  for (int64_t r = 0; r < 4; ++r)
    for (int64_t c = 0; c < 5; ++c) {
      const bool edge = r == 0 || c == 0 || r == 3 || c == 4;
      EXPECT_EQ(std::isnan(s[static_cast<size_t>(r * 5 + c)]), edge);
    }
}

TEST(Slope, NoDataCentreIsNoDataAndNeighboursAreReplacedByTheCentre) {
  const GridFrame f = frame_for(3, 3, 10, 10);
  // Flat at 100 except a no-data cell: the centre's slope stays 0 since the gap takes its value.
  std::vector<float> dem = {100, 100, 100, 100, 100, NAN, 100, 100, 100};
  const auto s = slope_of(dem, f, {0, 0, 3, 3});
  EXPECT_FLOAT_EQ(s[4], 0.0f);
  EXPECT_TRUE(std::isnan(s[5]));
}

TEST(Slope, TilesGiveBitIdenticalResults) {
  std::mt19937 rng(42);
  std::normal_distribution<float> noise(0.0f, 5.0f);
  const int64_t w = 67, h = 53;
  const GridFrame f = frame_for(w, h, 10, 12.5);
  std::vector<float> dem(static_cast<size_t>(w * h));
  for (size_t i = 0; i < dem.size(); ++i) dem[i] = 500.0f + noise(rng) + 0.01f * static_cast<float>(i);
  for (int i = 0; i < 40; ++i) dem[rng() % dem.size()] = NAN;
  const auto whole = slope_of(dem, f, {0, 0, w, h});
  for (int64_t tile : {1, 5, 16, 30}) {
    for (int64_t r0 = 0; r0 < h; r0 += tile)
      for (int64_t c0 = 0; c0 < w; c0 += tile) {
        const Window t{c0, r0, std::min(tile, w - c0), std::min(tile, h - r0)};
        const auto part = slope_of(dem, f, t);
        for (int64_t r = 0; r < t.height; ++r)
          for (int64_t c = 0; c < t.width; ++c) {
            const float a = part[static_cast<size_t>(r * t.width + c)];
            const float b = whole[static_cast<size_t>((r0 + r) * w + c0 + c)];
            ASSERT_TRUE((std::isnan(a) && std::isnan(b)) || a == b) << "tile " << tile;
          }
      }
  }
}

TEST(Slope, OneByOneAndOneRowGrids) {
  const GridFrame one = frame_for(1, 1, 10, 10);
  EXPECT_FLOAT_EQ(slope_of({42.0f}, one, {0, 0, 1, 1})[0], 0.0f);
  // One row rising 1 m per 10 m cell: the interior cells get the full gradient.
  const GridFrame row = frame_for(5, 1, 10, 10);
  const auto s = slope_of({0, 1, 2, 3, 4}, row, {0, 0, 5, 1});
  for (int c = 1; c < 4; ++c) EXPECT_NEAR(s[static_cast<size_t>(c)], degrees(std::atan(0.1)), 1e-5);
}

TEST(Slope, GeographicGridUsesMetresPerDegreeAtEachRow) {
  // Cells of 0.001 degree at 60 N; elevation rises 1 m per cell eastwards.
  GridFrame f;
  f.geographic = true;
  f.geotransform = {45.0, 0.001, 0, 60.0015, 0, -0.001};
  f.width = 5, f.height = 3;
  std::vector<float> dem(15);
  for (int64_t r = 0; r < 3; ++r)
    for (int64_t c = 0; c < 5; ++c) dem[static_cast<size_t>(r * 5 + c)] = static_cast<float>(c);
  const auto s = slope_of(dem, f, {0, 0, 5, 3});
  const double metres = 0.001 * metres_per_degree(f.centre_y(1), f.semi_major, f.inverse_flattening).x;
  EXPECT_NEAR(s[7], degrees(std::atan(1.0 / metres)), 1e-4);
  EXPECT_GT(s[7], degrees(std::atan(1.0 / 111.3)));  // steeper than if a degree were equatorial
}

TEST(Terrain, RuggednessNearZeroIsTheSameInAnyTile) {
  // Elevations of both signs near 0 make float differences inexact: every path must round alike.
  std::mt19937 rng(77);
  std::uniform_real_distribution<float> u(-1.0f, 1.0f);
  const int64_t w = 40, h = 30;
  const GridFrame f = frame_for(w, h, 10, 10);
  std::vector<float> dem(static_cast<size_t>(w * h));
  for (float& v : dem) v = u(rng) * 1e-3f;
  dem[15 * w + 20] = NAN;
  auto tri = [&](const Window& win) {
    std::vector<float> out(static_cast<size_t>(win.cells()));
    terrain(buffer_for(dem, f, win), win, f, out, TerrainMeasure::ruggedness);
    return out;
  };
  const auto whole = tri({0, 0, w, h});
  for (int64_t tile : {3, 16}) {
    for (int64_t r0 = 0; r0 < h; r0 += tile)
      for (int64_t c0 = 0; c0 < w; c0 += tile) {
        const Window t{c0, r0, std::min(tile, w - c0), std::min(tile, h - r0)};
        const auto part = tri(t);
        for (int64_t r = 0; r < t.height; ++r)
          for (int64_t c = 0; c < t.width; ++c) {
            const float a = part[static_cast<size_t>(r * t.width + c)], b = whole[static_cast<size_t>((r0 + r) * w + c0 + c)];
            ASSERT_TRUE((std::isnan(a) && std::isnan(b)) || a == b) << "tile " << tile;
          }
      }
  }
}
