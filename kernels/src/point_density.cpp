#include "minerisk/kernels/point_density.hpp"

#include <algorithm>
#include <cmath>
#include <numbers>
#include <stdexcept>
#include <vector>

namespace minerisk::kernels {

void gaussian_density_per_km2(std::span<const WeightedPoint> points, double h, const Window& w,
                              const GridFrame& frame, std::span<float> out) {
  if (static_cast<int64_t>(out.size()) != w.cells())
    throw std::invalid_argument("gaussian_density_per_km2: output size does not match the window");
  if (!(h > 0)) throw std::invalid_argument("gaussian_density_per_km2: bandwidth must be positive");
  std::vector<double> sum(static_cast<size_t>(w.cells()), 0.0);
  const double cutoff = kDensityCutoffBandwidths * h;
  const double cutoff2 = cutoff * cutoff;
  const double inv_two_h2 = 1.0 / (2.0 * h * h);
  const double norm = 1e6 / (2.0 * std::numbers::pi * h * h);

  // Metric scales per row of the window, and the cell centres, computed once.
  std::vector<MetricScale> scale(static_cast<size_t>(w.height));
  std::vector<double> cy(static_cast<size_t>(w.height)), cx(static_cast<size_t>(w.width));
  double min_scale_x = std::numeric_limits<double>::infinity(), min_scale_y = min_scale_x;
  for (int64_t r = 0; r < w.height; ++r) {
    scale[r] = frame.scale_at_row(w.row0 + r);
    cy[r] = frame.centre_y(w.row0 + r);
    min_scale_x = std::min(min_scale_x, scale[r].x);
    min_scale_y = std::min(min_scale_y, scale[r].y);
  }
  for (int64_t c = 0; c < w.width; ++c) cx[c] = frame.centre_x(w.col0 + c);

  // Reach of one point in window columns and rows (conservative, in CRS units).
  const double reach_x = cutoff / min_scale_x, reach_y = cutoff / min_scale_y;
  const double gt1 = frame.cell_width(), gt5 = frame.geotransform[5];
  for (const WeightedPoint& p : points) {
    // Column and row ranges of the window whose centres may be within the cutoff.
    const double c_lo = (p.x - reach_x - frame.geotransform[0]) / gt1 - 0.5 - static_cast<double>(w.col0);
    const double c_hi = (p.x + reach_x - frame.geotransform[0]) / gt1 - 0.5 - static_cast<double>(w.col0);
    const double r_a = (p.y + reach_y - frame.geotransform[3]) / gt5 - 0.5 - static_cast<double>(w.row0);
    const double r_b = (p.y - reach_y - frame.geotransform[3]) / gt5 - 0.5 - static_cast<double>(w.row0);
    const int64_t c0 = std::max<int64_t>(0, static_cast<int64_t>(std::floor(c_lo)));
    const int64_t c1 = std::min<int64_t>(w.width - 1, static_cast<int64_t>(std::ceil(c_hi)));
    const int64_t r0 = std::max<int64_t>(0, static_cast<int64_t>(std::floor(std::min(r_a, r_b))));
    const int64_t r1 = std::min<int64_t>(w.height - 1, static_cast<int64_t>(std::ceil(std::max(r_a, r_b))));
    if (c0 > c1 || r0 > r1) continue;
    const double amplitude = p.weight * norm;
    for (int64_t r = r0; r <= r1; ++r) {
      const double dy = (cy[r] - p.y) * scale[r].y;
      const double dy2 = dy * dy;
      if (dy2 > cutoff2) continue;
      const double fy = amplitude * std::exp(-dy2 * inv_two_h2);
      double* row = sum.data() + r * w.width;
      for (int64_t c = c0; c <= c1; ++c) {
        const double dx = (cx[c] - p.x) * scale[r].x;
        const double d2 = dx * dx + dy2;
        if (d2 <= cutoff2) row[c] += fy * std::exp(-dx * dx * inv_two_h2);
      }
    }
  }
  for (size_t i = 0; i < sum.size(); ++i) out[i] = static_cast<float>(sum[i]);
}

}  // namespace minerisk::kernels
