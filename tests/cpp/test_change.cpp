// kernels/change.hpp: the change map and its tally against a brute force over the whole grid,
// the threshold's boundary, no-data, ties, any tiling, and true areas on a geographic grid.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <random>
#include <vector>

#include "minerisk/kernels/change.hpp"
#include "minerisk/kernels/tile_plan.hpp"

using namespace minerisk::kernels;

namespace {

GridFrame projected(int64_t w, int64_t h, double dx, double dy) {
  GridFrame f;
  f.geotransform = {1000.0, dx, 0, 5000.0, 0, -dy};
  f.width = w, f.height = h;
  return f;
}

std::vector<float> window_of(const std::vector<float>& grid, const GridFrame& f, const Window& w) {
  std::vector<float> out;
  for (int64_t r = w.row0; r < w.row0 + w.height; ++r)
    for (int64_t c = w.col0; c < w.col0 + w.width; ++c) out.push_back(grid[static_cast<size_t>(r * f.width + c)]);
  return out;
}

// The tiles of a grid, each computed and merged in the tiler's order.
ChangeTally tiled(const std::vector<float>& a, const std::vector<float>& b, const GridFrame& f, double threshold,
                  int64_t tile, std::vector<float>& change) {
  change.assign(a.size(), -1.0f);
  ChangeTally total;
  const TilePlan plan(f.width, f.height, tile);
  for (const Window& w : plan.tiles()) {
    std::vector<float> out(static_cast<size_t>(w.cells()));
    total.merge(change_map(window_of(a, f, w), window_of(b, f, w), w, f, threshold, out));
    size_t i = 0;
    for (int64_t r = w.row0; r < w.row0 + w.height; ++r)
      for (int64_t c = w.col0; c < w.col0 + w.width; ++c) change[static_cast<size_t>(r * f.width + c)] = out[i++];
  }
  return total;
}

}  // namespace

TEST(Change, MatchesBruteForceForAnyTiling) {
  const GridFrame f = projected(37, 23, 10.0, 20.0);  // non-square cells, sizes no tile divides
  std::mt19937 rng(5);
  std::uniform_real_distribution<float> u(0.0f, 1.0f);
  std::vector<float> a(static_cast<size_t>(f.width * f.height)), b(a.size());
  for (size_t i = 0; i < a.size(); ++i) {
    a[i] = u(rng);
    b[i] = std::clamp(a[i] + (u(rng) - 0.5f) * 0.2f, 0.0f, 1.0f);
    if (i % 17 == 0) a[i] = NAN;
    if (i % 23 == 0) b[i] = NAN;
  }
  const double t = 0.03;
  int64_t rose = 0, fell = 0, same = 0, one = 0;
  double abs_sum = 0, best_rise = 0, best_fall = 0;
  for (size_t i = 0; i < a.size(); ++i) {
    if (std::isnan(a[i]) || std::isnan(b[i])) {
      one += std::isnan(a[i]) != std::isnan(b[i]);
      continue;
    }
    const double d = double(b[i]) - double(a[i]);
    abs_sum += std::fabs(d);
    rose += d > t, fell += d < -t, same += std::fabs(d) <= t;
    best_rise = std::max(best_rise, d), best_fall = std::min(best_fall, d);
  }
  std::vector<float> first;
  const ChangeTally whole = tiled(a, b, f, t, 1000, first);
  for (size_t i = 0; i < a.size(); ++i) {
    if (std::isnan(a[i]) || std::isnan(b[i])) {
      EXPECT_TRUE(std::isnan(first[i]));
      continue;
    }
    const double d = double(b[i]) - double(a[i]);
    EXPECT_EQ(first[i], std::fabs(d) > t ? static_cast<float>(d) : 0.0f) << i;
  }
  EXPECT_EQ(whole.rose, rose);
  EXPECT_EQ(whole.fell, fell);
  EXPECT_EQ(whole.unchanged, same);
  EXPECT_EQ(whole.one_sided, one);
  EXPECT_NEAR(whole.sum_abs_change, abs_sum, 1e-9);
  EXPECT_DOUBLE_EQ(whole.area_m2(ChangeTally::kRose, f), static_cast<double>(rose) * 200.0);
  EXPECT_DOUBLE_EQ(whole.area_m2(ChangeTally::kFell, f), static_cast<double>(fell) * 200.0);
  EXPECT_EQ(whole.largest_rise.change, best_rise);
  EXPECT_EQ(whole.largest_fall.change, best_fall);
  const ExtremeChange& r = whole.largest_rise;
  EXPECT_EQ(double(b[size_t(r.row * f.width + r.col)]) - double(a[size_t(r.row * f.width + r.col)]), best_rise);
  for (int64_t tile : {5, 8}) {  // many tiles, with edges cut anywhere
    std::vector<float> other;
    const ChangeTally t2 = tiled(a, b, f, t, tile, other);
    EXPECT_EQ(std::memcmp(first.data(), other.data(), first.size() * sizeof(float)), 0);
    EXPECT_EQ(t2.rose, whole.rose);
    EXPECT_EQ(t2.unchanged, whole.unchanged);
    EXPECT_NEAR(t2.sum_abs_change, whole.sum_abs_change, 1e-9);
    EXPECT_EQ(t2.area_m2(ChangeTally::kRose, f), whole.area_m2(ChangeTally::kRose, f));  // the same bits
    EXPECT_EQ(t2.largest_rise.row, whole.largest_rise.row);
    EXPECT_EQ(t2.largest_fall.col, whole.largest_fall.col);
  }
}

TEST(Change, AChangeEqualToTheThresholdIsNone) {
  const GridFrame f = projected(4, 1, 10.0, 10.0);
  const std::vector<float> a = {0.5f, 0.5f, 0.5f, 0.5f};
  const std::vector<float> b = {0.625f, 0.375f, 0.625f + 1.0f / 1024, 0.375f - 1.0f / 1024};
  std::vector<float> out(4);
  const ChangeTally t = change_map(a, b, {0, 0, 4, 1}, f, 0.125, out);
  EXPECT_EQ(out, (std::vector<float>{0.0f, 0.0f, 0.125f + 1.0f / 1024, -0.125f - 1.0f / 1024}));
  EXPECT_EQ(t.rose, 1);
  EXPECT_EQ(t.fell, 1);
  EXPECT_EQ(t.unchanged, 2);
  EXPECT_EQ(t.largest_rise.col, 2);
  EXPECT_EQ(t.largest_fall.col, 3);
  EXPECT_DOUBLE_EQ(t.area_m2(ChangeTally::kUnchanged, f), 200.0);
}

TEST(Change, NoDataAndTiesAndNothingToReport) {
  const GridFrame f = projected(3, 2, 1.0, 1.0);
  const std::vector<float> a = {NAN, 0.2f, NAN, 0.1f, 0.1f, 0.3f};
  const std::vector<float> b = {0.5f, NAN, NAN, 0.3f, 0.3f, 0.3f};
  std::vector<float> out(6);
  const ChangeTally t = change_map(a, b, {0, 0, 3, 2}, f, 0.0, out);
  EXPECT_EQ(t.one_sided, 2);  // the cell with data in neither is not counted
  EXPECT_EQ(t.both(), 3);
  EXPECT_EQ(t.unchanged, 1);  // equal values with threshold 0
  EXPECT_TRUE(std::isnan(out[0]) && std::isnan(out[1]) && std::isnan(out[2]));
  EXPECT_EQ(t.largest_rise.row, 1);  // a tie: the first in row-major order
  EXPECT_EQ(t.largest_rise.col, 0);
  EXPECT_EQ(t.largest_fall.row, -1);  // nothing fell
  ChangeTally later;
  later.largest_rise = {t.largest_rise.change, 1, 1};  // the same rise, later: kept out
  ChangeTally merged = later;
  merged.merge(t);
  EXPECT_EQ(merged.largest_rise.col, 0);
}

TEST(Change, AreasOnAGeographicGridAreTrueAreas) {
  GridFrame f;
  f.geographic = true;
  f.geotransform = {45.0, 0.001, 0, 40.001, 0, -0.001};
  f.width = 1, f.height = 1;
  const std::vector<float> a = {0.1f}, b = {0.9f};
  std::vector<float> out(1);
  const ChangeTally t = change_map(a, b, {0, 0, 1, 1}, f, 0.01, out);
  const MetricScale s = metres_per_degree(40.0005, f.semi_major, f.inverse_flattening);
  EXPECT_NEAR(t.area_m2(ChangeTally::kRose, f), 0.001 * s.x * 0.001 * s.y, 1e-6);
  EXPECT_NEAR(t.area_m2(ChangeTally::kRose, f), 85.4 * 111.0, 150.0);  // about 85 m by 111 m at 40 degrees north
}
