#include "minerisk/kernels/focal.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <stdexcept>
#include <vector>

namespace minerisk::kernels {
namespace {

// Running aggregates of one statistic. `sum` carries the sum (or the max/min), `count` the
// number of valid cells.
struct Accumulator {
  FocalStatistic statistic;
  double identity() const {
    switch (statistic) {
      case FocalStatistic::max: return -std::numeric_limits<double>::infinity();
      case FocalStatistic::min: return std::numeric_limits<double>::infinity();
      default: return 0.0;
    }
  }
  double combine(double a, double b) const {
    switch (statistic) {
      case FocalStatistic::max: return a > b ? a : b;
      case FocalStatistic::min: return a < b ? a : b;
      default: return a + b;
    }
  }
  float finish(double value, double count) const {
    switch (statistic) {
      case FocalStatistic::count: return static_cast<float>(count);
      case FocalStatistic::sum: return static_cast<float>(value);
      case FocalStatistic::mean: return count > 0 ? static_cast<float>(value / count) : NAN;
      case FocalStatistic::max:
      case FocalStatistic::min: return count > 0 ? static_cast<float>(value) : NAN;
    }
    return NAN;
  }
};

// Along each row of `in` (in_w wide), the aggregate of columns [c - k, c + k] for the output
// columns c = halo .. halo + out_w - 1: value and count arrays of out_w per row.
void aggregate_rows(const float* row, int64_t halo, int64_t out_w, int64_t k, const Accumulator& acc, double* value,
                    double* count) {
  std::fill(value, value + out_w, acc.identity());
  std::fill(count, count + out_w, 0.0);
  for (int64_t d = -k; d <= k; ++d) {
    const float* src = row + halo + d;
    for (int64_t c = 0; c < out_w; ++c) {
      const float v = src[c];
      const bool valid = v == v;
      value[c] = valid ? acc.combine(value[c], v) : value[c];
      count[c] += valid ? 1.0 : 0.0;
    }
  }
}

}  // namespace

Neighbourhood neighbourhood(FocalShape shape, double radius_m, const GridFrame& frame) {
  if (!(radius_m >= 0)) throw std::invalid_argument("neighbourhood: the radius must not be negative");
  Neighbourhood n;
  n.shape = shape;
  n.radius_m = radius_m;
  n.cell_x_m = frame.cell_width() * frame.linear_unit;
  n.cell_y_m = frame.cell_height() * frame.linear_unit;
  // The 1e-9 keeps a cell exactly on the radius inside despite rounding.
  // Saturated before the conversion, which is undefined beyond int64 (radius = 1e308); the tool
  // refuses a halo of more than a few thousand cells anyway.
  constexpr double kCeiling = 1099511627776.0;  // 2^40 cells
  n.rx = static_cast<int64_t>(std::min(kCeiling, std::floor(radius_m / n.cell_x_m + 1e-9)));
  n.ry = static_cast<int64_t>(std::min(kCeiling, std::floor(radius_m / n.cell_y_m + 1e-9)));
  return n;
}

int64_t Neighbourhood::half_width(int64_t j) const {
  if (shape == FocalShape::square) return rx;
  const double dy = static_cast<double>(j) * cell_y_m;
  const double reach = std::sqrt(std::max(0.0, radius_m * radius_m - dy * dy));
  return std::min(rx, static_cast<int64_t>(std::floor(reach / cell_x_m + 1e-9)));
}

void focal_statistic(std::span<const float> in, const Window& w, const Neighbourhood& n, FocalStatistic statistic,
                     std::span<float> out) {
  const int64_t halo = n.halo();
  const int64_t in_w = w.width + 2 * halo, in_h = w.height + 2 * halo;
  if (static_cast<int64_t>(in.size()) != in_w * in_h || static_cast<int64_t>(out.size()) != w.cells())
    throw std::invalid_argument("focal_statistic: buffer sizes do not match the window and halo");
  const Accumulator acc{statistic};
  std::vector<double> value(static_cast<size_t>(w.width)), count(static_cast<size_t>(w.width));

  if (n.shape == FocalShape::square) {
    // Rows first: each input row's aggregate over 2 rx + 1 columns, for the rows the output needs.
    const int64_t rows = w.height + 2 * n.ry;
    std::vector<double> row_value(static_cast<size_t>(rows * w.width)), row_count(row_value.size());
    for (int64_t r = 0; r < rows; ++r)
      aggregate_rows(in.data() + (r + halo - n.ry) * in_w, halo, w.width, n.rx, acc,
                     row_value.data() + r * w.width, row_count.data() + r * w.width);
    // Then columns: 2 ry + 1 row aggregates, top to bottom.
    for (int64_t r = 0; r < w.height; ++r) {
      std::fill(value.begin(), value.end(), acc.identity());
      std::fill(count.begin(), count.end(), 0.0);
      for (int64_t j = 0; j <= 2 * n.ry; ++j) {
        const double* v = row_value.data() + (r + j) * w.width;
        const double* k = row_count.data() + (r + j) * w.width;
        for (int64_t c = 0; c < w.width; ++c) {
          value[static_cast<size_t>(c)] = acc.combine(value[static_cast<size_t>(c)], v[c]);
          count[static_cast<size_t>(c)] += k[c];
        }
      }
      for (int64_t c = 0; c < w.width; ++c)
        out[static_cast<size_t>(r * w.width + c)] = acc.finish(value[static_cast<size_t>(c)], count[static_cast<size_t>(c)]);
    }
    return;
  }

  // Circle: row offsets top to bottom, and on each the columns within the radius, directly.
  for (int64_t r = 0; r < w.height; ++r) {
    std::fill(value.begin(), value.end(), acc.identity());
    std::fill(count.begin(), count.end(), 0.0);
    for (int64_t j = -n.ry; j <= n.ry; ++j) {
      const int64_t k = n.half_width(j);
      const float* row = in.data() + (r + halo + j) * in_w + halo;
      for (int64_t d = -k; d <= k; ++d) {
        const float* src = row + d;
        for (int64_t c = 0; c < w.width; ++c) {
          const float v = src[c];
          const bool valid = v == v;
          value[static_cast<size_t>(c)] = valid ? acc.combine(value[static_cast<size_t>(c)], v) : value[static_cast<size_t>(c)];
          count[static_cast<size_t>(c)] += valid ? 1.0 : 0.0;
        }
      }
    }
    for (int64_t c = 0; c < w.width; ++c)
      out[static_cast<size_t>(r * w.width + c)] = acc.finish(value[static_cast<size_t>(c)], count[static_cast<size_t>(c)]);
  }
}

}  // namespace minerisk::kernels
