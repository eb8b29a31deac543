#include "minerisk/kernels/point_density.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <numbers>
#include <stdexcept>
#include <vector>

#include "minerisk/kernels/fast_math.hpp"
#include "point_density_sum.hpp"

namespace minerisk::kernels {
namespace {

using density_detail::block_start;
using density_detail::chunk_start;
using density_detail::kBlockRows;
using density_detail::kChunkCols;
using density_detail::PointFactors;
using density_detail::sum_projected;

// The window's cell centres and metric, computed once per call.
struct WindowGeometry {
  std::vector<double> cx, cy;
  std::vector<MetricScale> scale;
  double min_scale_x = std::numeric_limits<double>::infinity(), min_scale_y = min_scale_x;

  WindowGeometry(const Window& w, const GridFrame& f) : cx(static_cast<size_t>(w.width)), cy(static_cast<size_t>(w.height)),
                                                        scale(static_cast<size_t>(w.height)) {
    for (int64_t c = 0; c < w.width; ++c) cx[static_cast<size_t>(c)] = f.centre_x(w.col0 + c);
    for (int64_t r = 0; r < w.height; ++r) {
      cy[static_cast<size_t>(r)] = f.centre_y(w.row0 + r);
      scale[static_cast<size_t>(r)] = f.scale_at_row(w.row0 + r);
      min_scale_x = std::min(min_scale_x, scale[static_cast<size_t>(r)].x);
      min_scale_y = std::min(min_scale_y, scale[static_cast<size_t>(r)].y);
    }
  }
};

// Index range [lo, hi] of window cells whose centre coordinate may lie within `reach` of v.
// Clamped to the window while still in double: a huge reach (bandwidth = 1e308) is infinite or
// beyond int64, and converting that is undefined. NaN (an infinite reach minus itself) gives
// the whole window, which the exact test on each cell then trims.
void cell_range(double v, double reach, double origin, double step, int64_t first, int64_t count, int64_t& lo,
                int64_t& hi) {
  const double a = (v - reach - origin) / step - 0.5 - static_cast<double>(first);
  const double b = (v + reach - origin) / step - 0.5 - static_cast<double>(first);
  const double low = std::floor(std::min(a, b)) - 1, high = std::ceil(std::max(a, b)) + 1;
  const auto n = static_cast<double>(count);
  lo = !(low > 0) ? 0 : low >= n ? count : static_cast<int64_t>(low);
  hi = !(high < n - 1) ? count - 1 : high < -1 ? -1 : static_cast<int64_t>(high);
}

// On a geographic grid the metres per degree of longitude change with the row, so a point's
// column factors are computed row by row, and each row is summed on its own: each cell adds
// its points in input order.
void sum_geographic(std::span<const WeightedPoint> points, const std::vector<PointFactors>& reach,
                    const std::vector<double>& fy_pool, const WindowGeometry& geo, double cutoff, double inv_two_h2,
                    const Window& w, std::span<float> out) {
  std::vector<std::vector<uint32_t>> on_row(static_cast<size_t>(w.height));
  for (size_t k = 0; k < reach.size(); ++k)
    for (int64_t r = reach[k].r0; r <= reach[k].r1; ++r) on_row[static_cast<size_t>(r)].push_back(static_cast<uint32_t>(k));
  std::vector<double> sum(static_cast<size_t>(w.width)), row_fx(static_cast<size_t>(w.width));
  for (int64_t r = 0; r < w.height; ++r) {
    std::fill(sum.begin(), sum.end(), 0.0);
    const double sx = geo.scale[static_cast<size_t>(r)].x;
    for (uint32_t k : on_row[static_cast<size_t>(r)]) {
      const PointFactors& a = reach[k];
      const double fy = fy_pool[a.fy_offset + static_cast<size_t>(r - block_start(a.r0))];
      const double x = points[a.point].x;
      auto dx_of = [&](int64_t c) { return (geo.cx[static_cast<size_t>(c)] - x) * sx; };
      int64_t c0 = a.c0, c1 = a.c1;
      while (c0 <= c1 && std::abs(dx_of(c0)) > cutoff) ++c0;
      while (c1 >= c0 && std::abs(dx_of(c1)) > cutoff) --c1;
      for (int64_t c = c0; c <= c1; ++c) {
        const double dx = dx_of(c);
        row_fx[static_cast<size_t>(c)] = fast::exp(-dx * dx * inv_two_h2);
      }
      for (int64_t c = c0; c <= c1; ++c) sum[static_cast<size_t>(c)] += fy * row_fx[static_cast<size_t>(c)];
    }
    for (int64_t c = 0; c < w.width; ++c) out[static_cast<size_t>(r * w.width + c)] = static_cast<float>(sum[static_cast<size_t>(c)]);
  }
}

}  // namespace

void gaussian_density_per_km2(std::span<const WeightedPoint> points, double h, const Window& w, const GridFrame& frame,
                              std::span<float> out, double truncate) {
  if (static_cast<int64_t>(out.size()) != w.cells())
    throw std::invalid_argument("gaussian_density_per_km2: output size does not match the window");
  if (!(h > 0)) throw std::invalid_argument("gaussian_density_per_km2: bandwidth must be positive");
  if (!(truncate > 0)) throw std::invalid_argument("gaussian_density_per_km2: truncate must be positive");
  const WindowGeometry geo(w, frame);
  const double cutoff = truncate * h;
  const double inv_two_h2 = 1.0 / (2.0 * h * h);
  const double norm = 1e6 / (2.0 * std::numbers::pi * h * h);
  const double reach_x = cutoff / geo.min_scale_x, reach_y = cutoff / geo.min_scale_y;
  const auto& gt = frame.geotransform;
  const double x_lo = std::min(geo.cx.front(), geo.cx.back()) - reach_x, x_hi = std::max(geo.cx.front(), geo.cx.back()) + reach_x;
  const double y_lo = std::min(geo.cy.front(), geo.cy.back()) - reach_y, y_hi = std::max(geo.cy.front(), geo.cy.back()) + reach_y;

  // The points that reach the window, in input order, with the Gaussian's factors along their
  // columns and rows precomputed: it is separable, exp(-(dx^2 + dy^2)) = exp(-dx^2) exp(-dy^2).
  // A point reaches the cells with |dx| <= cutoff and |dy| <= cutoff, decided by the exact test
  // on each cell's own coordinates, so the set is the same whatever the window. The pools first
  // take the exponents (-inf for the padding, whose exponential is 0); the exponentials are then
  // taken in one loop over each pool, which the compiler vectorises.
  const double padding = -std::numeric_limits<double>::infinity();
  // Metres from a point to a cell centre, along the row and the column (a projected grid's).
  auto dx_of = [&](int64_t c, const WeightedPoint& p) { return (geo.cx[static_cast<size_t>(c)] - p.x) * frame.linear_unit; };
  auto dy_of = [&](int64_t r, const WeightedPoint& p) {
    return (geo.cy[static_cast<size_t>(r)] - p.y) * geo.scale[static_cast<size_t>(r)].y;
  };
  std::vector<PointFactors> reach;
  size_t fx_size = 0, fy_size = 0;
  for (size_t i = 0; i < points.size(); ++i) {
    const WeightedPoint& p = points[i];
    if (p.x < x_lo || p.x > x_hi || p.y < y_lo || p.y > y_hi) continue;
    PointFactors a{};
    a.point = i;
    // Its padding adds exactly 0 only if its factors are finite: a NaN coordinate or an infinite
    // scale would make the padding NaN (0 times NaN or infinity), in cells it does not reach.
    a.padding_adds_zero = std::isfinite(p.weight * norm) && std::isfinite(p.x) && std::isfinite(p.y);
    cell_range(p.x, reach_x, gt[0], gt[1], w.col0, w.width, a.c0, a.c1);
    cell_range(p.y, reach_y, gt[3], gt[5], w.row0, w.height, a.r0, a.r1);
    while (a.r0 <= a.r1 && std::abs(dy_of(a.r0, p)) > cutoff) ++a.r0;
    while (a.r1 >= a.r0 && std::abs(dy_of(a.r1, p)) > cutoff) --a.r1;
    if (!frame.geographic) {
      while (a.c0 <= a.c1 && std::abs(dx_of(a.c0, p)) > cutoff) ++a.c0;
      while (a.c1 >= a.c0 && std::abs(dx_of(a.c1, p)) > cutoff) --a.c1;
    }
    if (a.c0 > a.c1 || a.r0 > a.r1) continue;
    a.fx_offset = fx_size, a.fy_offset = fy_size;
    if (!frame.geographic) fx_size += a.pooled_columns();
    fy_size += a.pooled_rows();
    reach.push_back(a);
  }
  std::vector<double> fx_pool(fx_size, padding), fy_pool(fy_size, padding);
  for (const PointFactors& a : reach) {
    const WeightedPoint& p = points[a.point];
    if (!frame.geographic)  // a geographic grid's column factors are per row (sum_geographic)
      for (int64_t c = a.c0; c <= a.c1; ++c) {
        const double dx = dx_of(c, p);
        fx_pool[a.fx_offset + static_cast<size_t>(c - chunk_start(a.c0))] = -dx * dx * inv_two_h2;
      }
    for (int64_t r = a.r0; r <= a.r1; ++r) {
      const double dy = dy_of(r, p);
      fy_pool[a.fy_offset + static_cast<size_t>(r - block_start(a.r0))] = -dy * dy * inv_two_h2;
    }
  }
  for (double& v : fx_pool) v = fast::exp(v);
  for (double& v : fy_pool) v = fast::exp(v);
  // The row factors carry the point's weight and the kernel's norm: weight * norm * exp(...).
  for (const PointFactors& a : reach) {
    const double scale = points[a.point].weight * norm;
    for (size_t i = 0; i < a.pooled_rows(); ++i) fy_pool[a.fy_offset + i] = scale * fy_pool[a.fy_offset + i];
  }

  if (frame.geographic)
    sum_geographic(points, reach, fy_pool, geo, cutoff, inv_two_h2, w, out);
  else
    sum_projected(reach, fx_pool, fy_pool, w, out);
}

namespace {
// A kernel radius in whole cells, rounded; saturated, not converted out of range (undefined):
// callers refuse radii this large.
int64_t radius_cells(double truncate, double sigma_cells) {
  const double r = truncate * sigma_cells + 0.5;
  return r < static_cast<double>(kGaussianHaloCeiling) ? static_cast<int64_t>(r) : kGaussianHaloCeiling;
}
}  // namespace

int64_t gaussian_halo(const GridFrame& frame, double h, double truncate) {
  return radius_cells(truncate, h / (std::min(frame.cell_width(), frame.cell_height()) * frame.linear_unit));
}

namespace {
// scipy's sampled kernel: exp(-x^2 / 2 sigma^2) at integer offsets up to radius, normalised.
std::vector<double> sampled_gaussian(double sigma, int64_t radius) {
  std::vector<double> k(static_cast<size_t>(2 * radius + 1));
  double total = 0;
  for (int64_t i = -radius; i <= radius; ++i) {
    const double v = std::exp(-0.5 * static_cast<double>(i * i) / (sigma * sigma));
    k[static_cast<size_t>(i + radius)] = v;
    total += v;
  }
  for (double& v : k) v /= total;
  return k;
}
}  // namespace

void gaussian_smooth_per_km2(std::span<const float> counts, const Window& w, int64_t halo, const GridFrame& frame,
                             double h, std::span<float> out, double truncate) {
  if (frame.geographic) throw std::invalid_argument("gaussian_smooth_per_km2: needs a projected grid");
  const int64_t in_w = w.width + 2 * halo, in_h = w.height + 2 * halo;
  if (static_cast<int64_t>(counts.size()) != in_w * in_h || static_cast<int64_t>(out.size()) != w.cells())
    throw std::invalid_argument("gaussian_smooth_per_km2: buffer sizes do not match the window and halo");
  const double sx = h / (frame.cell_width() * frame.linear_unit), sy = h / (frame.cell_height() * frame.linear_unit);
  const int64_t rx = radius_cells(truncate, sx), ry = radius_cells(truncate, sy);
  if (rx > halo || ry > halo) throw std::invalid_argument("gaussian_smooth_per_km2: halo smaller than the kernel");
  const std::vector<double> kx = sampled_gaussian(sx, rx), ky = sampled_gaussian(sy, ry);

  // Cells past the grid's edge count as 0 (scipy mode="constant"), and so does NaN.
  auto value = [&](int64_t r, int64_t c) -> double {
    const int64_t gr = w.row0 - halo + r, gc = w.col0 - halo + c;
    if (gr < 0 || gc < 0 || gr >= frame.height || gc >= frame.width) return 0.0;
    const float v = counts[static_cast<size_t>(r * in_w + c)];
    return std::isnan(v) ? 0.0 : v;
  };
  // Along rows first (every input row, only the output columns), then along columns.
  std::vector<double> across(static_cast<size_t>(in_h * w.width), 0.0);
  std::vector<double> line(static_cast<size_t>(in_w));
  for (int64_t r = 0; r < in_h; ++r) {
    for (int64_t c = 0; c < in_w; ++c) line[static_cast<size_t>(c)] = value(r, c);
    for (int64_t c = 0; c < w.width; ++c) {
      double s = 0;
      const double* src = line.data() + (c + halo - rx);
      for (int64_t k = 0; k <= 2 * rx; ++k) s += kx[static_cast<size_t>(k)] * src[k];
      across[static_cast<size_t>(r * w.width + c)] = s;
    }
  }
  const double per_km2 = 1e6 / (frame.cell_width() * frame.cell_height() * frame.linear_unit * frame.linear_unit);
  std::vector<double> acc(static_cast<size_t>(w.width));
  for (int64_t r = 0; r < w.height; ++r) {
    std::fill(acc.begin(), acc.end(), 0.0);
    for (int64_t k = 0; k <= 2 * ry; ++k) {
      const double weight = ky[static_cast<size_t>(k)];
      const double* src = across.data() + (r + halo - ry + k) * w.width;
      for (int64_t c = 0; c < w.width; ++c) acc[static_cast<size_t>(c)] += weight * src[c];
    }
    for (int64_t c = 0; c < w.width; ++c) out[static_cast<size_t>(r * w.width + c)] = static_cast<float>(acc[static_cast<size_t>(c)] * per_km2);
  }
}

}  // namespace minerisk::kernels
