#include <gtest/gtest.h>

#include <cmath>
#include <random>

#include "minerisk/kernels/focal.hpp"

using namespace minerisk::kernels;

namespace {

GridFrame frame_for(int64_t w, int64_t h, double dx, double dy) {
  GridFrame f;
  f.geotransform = {0.0, dx, 0, dy * static_cast<double>(h), 0, -dy};
  f.width = w, f.height = h;
  return f;
}

std::vector<float> with_halo(const std::vector<float>& grid, const GridFrame& f, const Window& w, int64_t halo) {
  const Window g = w.grown(halo);
  std::vector<float> out(static_cast<size_t>(g.cells()), NAN);
  for (int64_t r = 0; r < g.height; ++r)
    for (int64_t c = 0; c < g.width; ++c) {
      const int64_t gr = g.row0 + r, gc = g.col0 + c;
      if (gr >= 0 && gc >= 0 && gr < f.height && gc < f.width)
        out[static_cast<size_t>(r * g.width + c)] = grid[static_cast<size_t>(gr * f.width + gc)];
    }
  return out;
}

// Brute force: every valid cell whose centre is within the neighbourhood.
float brute(const std::vector<float>& grid, const GridFrame& f, int64_t r, int64_t c, const Neighbourhood& n,
            FocalStatistic s) {
  double sum = 0, count = 0, best_max = -INFINITY, best_min = INFINITY;
  for (int64_t rr = 0; rr < f.height; ++rr)
    for (int64_t cc = 0; cc < f.width; ++cc) {
      const double dx = (cc - c) * n.cell_x_m, dy = (rr - r) * n.cell_y_m;
      const bool inside = n.shape == FocalShape::circle ? dx * dx + dy * dy <= n.radius_m * n.radius_m * (1 + 1e-12)
                                                        : std::abs(cc - c) <= n.rx && std::abs(rr - r) <= n.ry;
      const float v = grid[static_cast<size_t>(rr * f.width + cc)];
      if (!inside || std::isnan(v)) continue;
      sum += v, count += 1, best_max = std::max(best_max, static_cast<double>(v)), best_min = std::min(best_min, static_cast<double>(v));
    }
  switch (s) {
    case FocalStatistic::sum: return static_cast<float>(sum);
    case FocalStatistic::count: return static_cast<float>(count);
    case FocalStatistic::mean: return count ? static_cast<float>(sum / count) : NAN;
    case FocalStatistic::max: return count ? static_cast<float>(best_max) : NAN;
    case FocalStatistic::min: return count ? static_cast<float>(best_min) : NAN;
  }
  return NAN;
}

}  // namespace

TEST(Focal, MatchesBruteForceForEveryStatisticAndShape) {
  std::mt19937 rng(21);
  std::uniform_real_distribution<float> u(-5.0f, 20.0f);
  const GridFrame f = frame_for(23, 17, 10.0, 15.0);  // non-square pixels
  std::vector<float> grid(23 * 17);
  for (float& v : grid) v = u(rng);
  for (int i = 0; i < 30; ++i) grid[rng() % grid.size()] = NAN;
  for (FocalShape shape : {FocalShape::circle, FocalShape::square})
    for (FocalStatistic s : {FocalStatistic::mean, FocalStatistic::sum, FocalStatistic::count, FocalStatistic::max,
                             FocalStatistic::min}) {
      const Neighbourhood n = neighbourhood(shape, 32.0, f);
      const Window w{0, 0, 23, 17};
      std::vector<float> out(static_cast<size_t>(w.cells()));
      focal_statistic(with_halo(grid, f, w, n.halo()), w, n, s, out);
      for (int64_t r = 0; r < 17; ++r)
        for (int64_t c = 0; c < 23; ++c) {
          const float want = brute(grid, f, r, c, n, s), got = out[static_cast<size_t>(r * 23 + c)];
          ASSERT_TRUE((std::isnan(want) && std::isnan(got)) || std::abs(want - got) <= 1e-5f * (1 + std::abs(want)))
              << "shape " << static_cast<int>(shape) << " stat " << static_cast<int>(s) << " at " << r << "," << c;
        }
    }
}

TEST(Focal, TilesGiveBitIdenticalResults) {
  std::mt19937 rng(22);
  std::uniform_real_distribution<float> u(0.0f, 1000.0f);
  const GridFrame f = frame_for(50, 41, 10.0, 10.0);
  std::vector<float> grid(50 * 41);
  for (float& v : grid) v = u(rng);
  for (FocalShape shape : {FocalShape::circle, FocalShape::square}) {
    const Neighbourhood n = neighbourhood(shape, 45.0, f);
    std::vector<float> whole(grid.size());
    focal_statistic(with_halo(grid, f, {0, 0, 50, 41}, n.halo()), {0, 0, 50, 41}, n, FocalStatistic::mean, whole);
    for (int64_t tile : {1, 8, 30})
      for (int64_t r0 = 0; r0 < 41; r0 += tile)
        for (int64_t c0 = 0; c0 < 50; c0 += tile) {
          const Window t{c0, r0, std::min<int64_t>(tile, 50 - c0), std::min<int64_t>(tile, 41 - r0)};
          std::vector<float> part(static_cast<size_t>(t.cells()));
          focal_statistic(with_halo(grid, f, t, n.halo()), t, n, FocalStatistic::mean, part);
          for (int64_t r = 0; r < t.height; ++r)
            for (int64_t c = 0; c < t.width; ++c)
              ASSERT_EQ(part[static_cast<size_t>(r * t.width + c)], whole[static_cast<size_t>((r0 + r) * 50 + c0 + c)]);
        }
  }
}

TEST(Focal, AllNoDataAndOneCell) {
  const GridFrame f = frame_for(1, 1, 10, 10);
  const Neighbourhood n = neighbourhood(FocalShape::circle, 100.0, f);
  std::vector<float> out(1);
  focal_statistic(with_halo({NAN}, f, {0, 0, 1, 1}, n.halo()), {0, 0, 1, 1}, n, FocalStatistic::mean, out);
  EXPECT_TRUE(std::isnan(out[0]));
  focal_statistic(with_halo({NAN}, f, {0, 0, 1, 1}, n.halo()), {0, 0, 1, 1}, n, FocalStatistic::count, out);
  EXPECT_EQ(out[0], 0.0f);
  focal_statistic(with_halo({7.0f}, f, {0, 0, 1, 1}, n.halo()), {0, 0, 1, 1}, n, FocalStatistic::max, out);
  EXPECT_EQ(out[0], 7.0f);
}
