#pragma once
// Gaussian kernel density of weighted points.
#include <span>

#include "minerisk/kernels/grid_frame.hpp"

namespace minerisk::kernels {

/// A point in the grid's CRS units with a weight (a count of items found there).
struct WeightedPoint {
  double x, y, weight;
};

/// How far the Gaussian is summed, in bandwidths. The mass beyond r = k h of a 2-D Gaussian
/// is exp(-k^2 / 2): at k = 5 it is 3.7e-6 of each point's weight, the truncation error bound.
inline constexpr double kDensityCutoffBandwidths = 5.0;

/// Density of `points` at each cell centre of `window`, in items per square kilometre:
///   sum_i w_i / (2 pi h^2) exp(-d_i^2 / (2 h^2)) * 1e6,  with d_i in metres and h = bandwidth,
/// summed over the points with d_i <= kDensityCutoffBandwidths * h.
///
/// Points are summed in their input order, in double, so a cell's value does not depend on the
/// window it is computed in. No-data: none; a cell far from every point gets 0.
void gaussian_density_per_km2(std::span<const WeightedPoint> points, double bandwidth_m, const Window& window,
                              const GridFrame& frame, std::span<float> out);

}  // namespace minerisk::kernels
