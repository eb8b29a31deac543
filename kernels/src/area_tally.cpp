#include "minerisk/kernels/area_tally.hpp"

#include <algorithm>
#include <cmath>
#include <stdexcept>

namespace minerisk::kernels {

double cell_area_m2(const GridFrame& frame, int64_t row) {
  const MetricScale scale = frame.scale_at_row(row);
  return std::fabs(frame.cell_width() * frame.cell_height()) * scale.x * scale.y;
}

double AreaTally::mean(size_t k) const {
  return area[k] > 0 ? sum[k] / area[k] : std::numeric_limits<double>::quiet_NaN();
}

void AreaTally::merge(const AreaTally& later) {
  cells += later.cells;
  area_m2 += later.area_m2;
  expected_m2 += later.expected_m2;
  max_p = std::max(max_p, later.max_p);
  for (size_t k = 0; k < sum.size(); ++k) {
    sum[k] += later.sum[k], area[k] += later.area[k], total[k] += later.total[k];
    minimum[k] = std::min(minimum[k], later.minimum[k]);
  }
}

AreaTally tally_area(std::span<const uint8_t> covered, std::span<const float> probability,
                     std::span<const std::span<const float>> further, const Window& window, const GridFrame& frame) {
  const auto n = static_cast<size_t>(window.cells());
  if (covered.size() != n || probability.size() != n)
    throw std::invalid_argument("tally_area: the mask and the probability must hold the window's cells");
  for (const auto& f : further)
    if (f.size() != n) throw std::invalid_argument("tally_area: every further raster must hold the window's cells");
  const size_t k_count = further.size();
  AreaTally t(k_count);
  for (int64_t r = 0; r < window.height; ++r) {
    // One cell area per row: on a geographic grid it changes with the latitude.
    const double a = cell_area_m2(frame, window.row0 + r);
    const size_t row_start = static_cast<size_t>(r * window.width);
    for (size_t i = row_start; i < row_start + static_cast<size_t>(window.width); ++i) {
      const float p = probability[i];
      if (!covered[i] || std::isnan(p)) continue;
      t.cells += 1;
      t.area_m2 += a;
      t.expected_m2 += static_cast<double>(p) * a;
      t.max_p = std::max(t.max_p, static_cast<double>(p));
      for (size_t k = 0; k < k_count; ++k) {
        const float v = further[k][i];
        if (std::isnan(v)) continue;
        t.sum[k] += static_cast<double>(v) * a;
        t.area[k] += a;
        t.total[k] += static_cast<double>(v);
        t.minimum[k] = std::min(t.minimum[k], static_cast<double>(v));
      }
    }
  }
  return t;
}

}  // namespace minerisk::kernels
