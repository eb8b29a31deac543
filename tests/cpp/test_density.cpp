#include <gtest/gtest.h>

#include <cmath>
#include <numbers>
#include <random>

#include "minerisk/kernels/point_density.hpp"

using namespace minerisk::kernels;

namespace {

GridFrame frame_for(int64_t w, int64_t h, double cell) {
  GridFrame f;
  f.geotransform = {0.0, cell, 0, cell * static_cast<double>(h), 0, -cell};
  f.width = w, f.height = h;
  return f;
}

// Brute force over all points with no truncation.
double brute_density(double x, double y, const std::vector<WeightedPoint>& pts, double h) {
  double sum = 0;
  for (const auto& p : pts) {
    const double d2 = (x - p.x) * (x - p.x) + (y - p.y) * (y - p.y);
    sum += p.weight * std::exp(-d2 / (2 * h * h)) / (2 * std::numbers::pi * h * h);
  }
  return sum * 1e6;
}

}  // namespace

TEST(Density, MatchesBruteForceWithinTheTruncationBound) {
  std::mt19937 rng(3);
  std::uniform_real_distribution<double> u(-200, 1200);
  std::vector<WeightedPoint> pts;
  double total_weight = 0;
  for (int i = 0; i < 300; ++i) {
    pts.push_back({u(rng), u(rng), 1.0 + (i % 3)});
    total_weight += pts.back().weight;
  }
  const double h = 60.0;
  const GridFrame f = frame_for(100, 100, 10.0);
  std::vector<float> out(100 * 100);
  gaussian_density_per_km2(pts, h, {0, 0, 100, 100}, f, out);
  // Each point's dropped tail is below exp(-k^2/2) of its peak density.
  const double peak = 1e6 / (2 * std::numbers::pi * h * h);
  const double bound = total_weight * peak * std::exp(-0.5 * kDefaultTruncate * kDefaultTruncate);
  for (int64_t r = 0; r < 100; ++r)
    for (int64_t c = 0; c < 100; ++c) {
      const double expected = brute_density(f.centre_x(c), f.centre_y(r), pts, h);
      ASSERT_NEAR(out[static_cast<size_t>(r * 100 + c)], expected, bound + 1e-6 * expected);
    }
}

TEST(Density, OnePointIntegratesToItsWeight) {
  // Summed over cells (times cell area in km2) a point of weight 3 gives 3 items, less the
  // mass outside the truncation square: erf(k / sqrt 2)^2 of it stays inside.
  const GridFrame f = frame_for(200, 200, 5.0);
  std::vector<WeightedPoint> pts = {{500.0, 500.0, 3.0}};
  std::vector<float> out(200 * 200);
  gaussian_density_per_km2(pts, 50.0, {0, 0, 200, 200}, f, out);
  double items = 0;
  for (float v : out) items += v * (5.0 * 5.0) / 1e6;
  const double inside = std::erf(kDefaultTruncate / std::sqrt(2.0));
  EXPECT_NEAR(items, 3.0 * inside * inside, 1e-5);
}

TEST(Density, TilesGiveBitIdenticalResults) {
  std::mt19937 rng(5);
  std::uniform_real_distribution<double> u(0, 640);
  std::vector<WeightedPoint> pts;
  for (int i = 0; i < 120; ++i) pts.push_back({u(rng), u(rng), 1.0});
  const GridFrame f = frame_for(64, 48, 10.0);
  std::vector<float> whole(64 * 48);
  gaussian_density_per_km2(pts, 25.0, {0, 0, 64, 48}, f, whole);
  for (int64_t tile : {1, 7, 20}) {
    for (int64_t r0 = 0; r0 < 48; r0 += tile)
      for (int64_t c0 = 0; c0 < 64; c0 += tile) {
        const Window t{c0, r0, std::min<int64_t>(tile, 64 - c0), std::min<int64_t>(tile, 48 - r0)};
        std::vector<float> part(static_cast<size_t>(t.cells()));
        gaussian_density_per_km2(pts, 25.0, t, f, part);
        for (int64_t r = 0; r < t.height; ++r)
          for (int64_t c = 0; c < t.width; ++c)
            ASSERT_EQ(part[static_cast<size_t>(r * t.width + c)], whole[static_cast<size_t>((r0 + r) * 64 + c0 + c)]);
      }
  }
}

TEST(Density, NoPointsGiveZeroAndBadBandwidthIsRejected) {
  const GridFrame f = frame_for(4, 4, 10.0);
  std::vector<float> out(16, 9.0f);
  gaussian_density_per_km2({}, 10.0, {0, 0, 4, 4}, f, out);
  for (float v : out) EXPECT_EQ(v, 0.0f);
  EXPECT_THROW(gaussian_density_per_km2({}, 0.0, {0, 0, 4, 4}, f, out), std::invalid_argument);
}

TEST(Density, SmoothingMatchesADirectConvolution) {
  // A few counts on a 30 x 20 grid of 10 m cells, sigma = 2 cells; reference: direct 2-D sum
  // with scipy's normalised, truncated kernel.
  GridFrame f = frame_for(30, 20, 10.0);
  std::vector<float> counts(30 * 20, 0.0f);
  counts[5 * 30 + 7] = 2.0f;
  counts[19 * 30 + 29] = 1.0f;
  counts[10 * 30 + 0] = 3.0f;
  const double h = 20.0;
  const int64_t halo = gaussian_halo(f, h);
  ASSERT_EQ(halo, 8);
  const Window whole{0, 0, 30, 20};
  const Window grown = whole.grown(halo);
  std::vector<float> with_halo(static_cast<size_t>(grown.cells()), NAN);  // outside: ignored
  for (int64_t r = 0; r < 20; ++r)
    for (int64_t c = 0; c < 30; ++c)
      with_halo[static_cast<size_t>((r + halo) * grown.width + c + halo)] = counts[static_cast<size_t>(r * 30 + c)];
  std::vector<float> out(600);
  gaussian_smooth_per_km2(with_halo, whole, halo, f, h, out);
  double norm = 0;
  for (int i = -8; i <= 8; ++i) norm += std::exp(-0.5 * i * i / 4.0);
  for (int64_t r = 0; r < 20; ++r)
    for (int64_t c = 0; c < 30; ++c) {
      double expected = 0;
      for (int64_t rr = 0; rr < 20; ++rr)
        for (int64_t cc = 0; cc < 30; ++cc) {
          const double v = counts[static_cast<size_t>(rr * 30 + cc)];
          if (v == 0 || std::abs(rr - r) > 8 || std::abs(cc - c) > 8) continue;
          expected += v * std::exp(-0.5 * ((rr - r) * (rr - r) + (cc - c) * (cc - c)) / 4.0) / (norm * norm);
        }
      expected *= 1e6 / 100.0;
      ASSERT_NEAR(out[static_cast<size_t>(r * 30 + c)], expected, 1e-6 * expected + 1e-3) << r << "," << c;
    }
}
