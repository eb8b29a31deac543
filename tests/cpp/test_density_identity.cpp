// The point density sums a block of rows by a chunk of columns in registers, padding each
// point's factors with zeros (kernels/src/point_density_sum.cpp). Its result must be bit for bit
// the plain definition: each cell adds, in input order, the product of each reaching point's row
// factor and column factor. This test computes that plain sum cell by cell and compares the
// bits, over windows whose sizes are not multiples of the block or the chunk, with negative
// weights, weights whose factor overflows to infinity, and points far outside the window.
#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <numbers>
#include <random>
#include <vector>

#include "minerisk/kernels/fast_math.hpp"
#include "minerisk/kernels/point_density.hpp"

using namespace minerisk::kernels;

namespace {

GridFrame projected_frame(int64_t w, int64_t h, double cell_x, double cell_y) {
  GridFrame f;
  f.geotransform = {1000.0, cell_x, 0, 5000.0, 0, -cell_y};
  f.width = w, f.height = h;
  return f;
}

// The density's definition, one cell at a time: the same factors, the same operations in the
// same order (row factor = weight * norm * exp(-dy^2 / 2h^2), column factor = exp(-dx^2 / 2h^2)).
// On a geographic grid the metres per degree come from the row (GridFrame::scale_at_row).
std::vector<float> plain_sum(const std::vector<WeightedPoint>& points, double h, const Window& w, const GridFrame& f) {
  const double cutoff = kDefaultTruncate * h, inv_two_h2 = 1.0 / (2.0 * h * h);
  const double norm = 1e6 / (2.0 * std::numbers::pi * h * h);
  std::vector<float> out(static_cast<size_t>(w.cells()));
  for (int64_t r = 0; r < w.height; ++r)
    for (int64_t c = 0; c < w.width; ++c) {
      double sum = 0;
      const MetricScale scale = f.scale_at_row(w.row0 + r);
      for (const WeightedPoint& p : points) {
        const double dx = (f.centre_x(w.col0 + c) - p.x) * (f.geographic ? scale.x : f.linear_unit);
        const double dy = (f.centre_y(w.row0 + r) - p.y) * scale.y;
        if (std::abs(dx) > cutoff || std::abs(dy) > cutoff) continue;
        const double fy = p.weight * norm * fast::exp(-dy * dy * inv_two_h2);
        sum += fy * fast::exp(-dx * dx * inv_two_h2);
      }
      out[static_cast<size_t>(r * w.width + c)] = static_cast<float>(sum);
    }
  return out;
}

void expect_same_bits(const std::vector<float>& got, const std::vector<float>& want, const Window& w) {
  ASSERT_EQ(got.size(), want.size());
  for (size_t i = 0; i < got.size(); ++i) {
    uint32_t a, b;
    std::memcpy(&a, &got[i], 4), std::memcpy(&b, &want[i], 4);
    ASSERT_EQ(a, b) << "cell row " << static_cast<int64_t>(i) / w.width << ", column " << static_cast<int64_t>(i) % w.width
                    << ": " << got[i] << " against " << want[i];
  }
}

}  // namespace

TEST(DensityIdentity, RegisterBlocksEqualThePlainSumBitForBit) {
  std::mt19937 rng(17);
  const GridFrame f = projected_frame(150, 97, 10.0, 7.5);  // non-square cells
  std::uniform_real_distribution<double> x(f.geotransform[0] - 300, f.geotransform[0] + 1800);
  std::uniform_real_distribution<double> y(f.geotransform[3] - 1000, f.geotransform[3] + 300);
  std::vector<WeightedPoint> points;
  for (int i = 0; i < 400; ++i) points.push_back({x(rng), y(rng), i % 7 == 0 ? -2.0 : 1.0 + i % 3});
  for (const Window& w : {Window{0, 0, 150, 97}, Window{3, 5, 37, 11}, Window{149, 96, 1, 1}, Window{0, 90, 150, 7},
                          Window{33, 0, 1, 97}, Window{64, 32, 64, 32}}) {
    std::vector<float> got(static_cast<size_t>(w.cells()));
    gaussian_density_per_km2(points, 45.0, w, f, got);
    expect_same_bits(got, plain_sum(points, 45.0, w, f), w);
  }
}

TEST(DensityIdentity, AnInfiniteFactorReachesOnlyItsOwnCells) {
  // A weight of 1e308 makes the factor weight * norm infinite; times a padding zero that would
  // be NaN, so such a point adds only to the cells it reaches, giving infinity there, while the
  // cells beyond its reach keep the other points' finite sums.
  const GridFrame f = projected_frame(90, 40, 10.0, 10.0);
  const std::vector<WeightedPoint> points = {{f.centre_x(10), f.centre_y(20), 1.0},
                                             {f.centre_x(12), f.centre_y(21), 1e308},
                                             {f.centre_x(70), f.centre_y(5), 2.0}};
  const Window w{0, 0, 90, 40};
  std::vector<float> got(static_cast<size_t>(w.cells()));
  gaussian_density_per_km2(points, 20.0, w, f, got);
  expect_same_bits(got, plain_sum(points, 20.0, w, f), w);
  EXPECT_TRUE(std::isinf(got[21 * 90 + 12]));
  EXPECT_TRUE(std::isfinite(got[5 * 90 + 70]) && got[5 * 90 + 70] > 0);
}

TEST(DensityIdentity, ANanCoordinateLeavesTheCellsItDoesNotReach) {
  // A point at x = NaN reaches every column of its rows (no comparison with NaN trims them), as in
  // the plain sum; its padding would be NaN in the other rows of their blocks.
  const GridFrame f = projected_frame(70, 30, 10.0, 10.0);
  const std::vector<WeightedPoint> points = {{f.centre_x(5), f.centre_y(13), 1.0}, {NAN, f.centre_y(13), 1.0},
                                             {f.centre_x(40), NAN, 1.0}};
  for (const Window& w : {Window{0, 0, 70, 30}, Window{3, 2, 45, 17}}) {
    std::vector<float> got(static_cast<size_t>(w.cells()));
    gaussian_density_per_km2(points, 20.0, w, f, got);
    expect_same_bits(got, plain_sum(points, 20.0, w, f), w);
  }
}

TEST(DensityIdentity, GeographicGridsEqualThePlainSumBitForBit) {
  GridFrame f;
  f.geographic = true;
  f.geotransform = {44.0, 0.0005, 0, 40.02, 0, -0.0004};
  f.width = 75, f.height = 50;
  std::mt19937 rng(5);
  std::uniform_real_distribution<double> x(43.99, 44.05), y(39.99, 40.03);
  std::vector<WeightedPoint> points;
  for (int i = 0; i < 150; ++i) points.push_back({x(rng), y(rng), 1.0 + i % 2});
  for (const Window& w : {Window{0, 0, 75, 50}, Window{40, 7, 35, 13}}) {
    std::vector<float> got(static_cast<size_t>(w.cells()));
    gaussian_density_per_km2(points, 150.0, w, f, got);
    expect_same_bits(got, plain_sum(points, 150.0, w, f), w);
  }
}
