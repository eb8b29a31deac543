#include "minerisk/kernels/slope.hpp"

#include <cmath>
#include <numbers>
#include <stdexcept>

namespace minerisk::kernels {

void slope_horn_degrees(std::span<const float> dem, const Window& w, const GridFrame& frame, std::span<float> out) {
  const int64_t in_width = w.width + 2;
  if (static_cast<int64_t>(dem.size()) != in_width * (w.height + 2) ||
      static_cast<int64_t>(out.size()) != w.cells())
    throw std::invalid_argument("slope_horn_degrees: buffer sizes do not match the window");
  const double to_degrees = 180.0 / std::numbers::pi;
  for (int64_t r = 0; r < w.height; ++r) {
    const MetricScale scale = frame.scale_at_row(w.row0 + r);
    const double dx = frame.cell_width() * scale.x;
    const double dy = frame.cell_height() * scale.y;
    const float* above = dem.data() + r * in_width;
    const float* centre_row = above + in_width;
    const float* below = centre_row + in_width;
    float* dst = out.data() + r * w.width;
    for (int64_t c = 0; c < w.width; ++c) {
      const double e = centre_row[c + 1];
      if (std::isnan(e)) {
        dst[c] = NAN;
        continue;
      }
      auto at = [e](const float* row, int64_t i) -> double {
        const double v = row[i];
        return std::isnan(v) ? e : v;
      };
      const double a = at(above, c), b = at(above, c + 1), cc = at(above, c + 2);
      const double d = at(centre_row, c), f = at(centre_row, c + 2);
      const double g = at(below, c), h = at(below, c + 1), i = at(below, c + 2);
      const double dzdx = ((cc + 2 * f + i) - (a + 2 * d + g)) / (8.0 * dx);
      const double dzdy = ((g + 2 * h + i) - (a + 2 * b + cc)) / (8.0 * dy);
      dst[c] = static_cast<float>(std::atan(std::sqrt(dzdx * dzdx + dzdy * dzdy)) * to_degrees);
    }
  }
}

}  // namespace minerisk::kernels
