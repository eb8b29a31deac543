#include "minerisk/kernels/grid_frame.hpp"

#include <cmath>
#include <numbers>

namespace minerisk::kernels {

MetricScale metres_per_degree(double lat_deg, double semi_major, double inverse_flattening) {
  const double f = inverse_flattening > 0 ? 1.0 / inverse_flattening : 0.0;
  const double e2 = f * (2.0 - f);
  const double phi = lat_deg * std::numbers::pi / 180.0;
  const double s = std::sin(phi);
  const double w = std::sqrt(1.0 - e2 * s * s);
  const double prime_vertical = semi_major / w;                  // N
  const double meridional = semi_major * (1.0 - e2) / (w * w * w);  // M
  const double rad = std::numbers::pi / 180.0;
  return {prime_vertical * std::cos(phi) * rad, meridional * rad};
}

MetricScale GridFrame::scale_at_row(int64_t row) const {
  if (!geographic) return {linear_unit, linear_unit};
  return metres_per_degree(centre_y(row), semi_major, inverse_flattening);
}

}  // namespace minerisk::kernels
