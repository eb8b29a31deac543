#pragma once
// Gaussian kernel density: of weighted points (exact up to a stated truncation), and a fast
// separable path for rasters of counts.
#include <span>

#include "minerisk/kernels/grid_frame.hpp"

namespace minerisk::kernels {

/// A point in the grid's CRS units with a weight (a count of items found there).
struct WeightedPoint {
  double x, y, weight;
};

/// How far the Gaussian is summed, in bandwidths, unless told otherwise; scipy's
/// gaussian_filter uses the same 4. Each point is summed over the square |dx|, |dy| <= k h
/// around it (as scipy's separable filter truncates); that square holds the disc of radius k h,
/// beyond which a point's mass is exp(-k^2 / 2) of its weight (3.4e-4 at k = 4), so no cell's
/// density is off by more than
///   exp(-k^2 / 2) * sum_i w_i / (2 pi h^2) * 1e6   items per km2.
inline constexpr double kDefaultTruncate = 4.0;

/// The smallest bandwidth the density takes, in metres: below it the peak of one item's kernel,
/// 1e6 / (2 pi h^2) per km2, passes float32's range (near 1e-16 m) and the exponents' 1 / h^2
/// overflows (near 1e-154 m). A millimetre is far below any cell a density is computed on.
inline constexpr double kMinBandwidth = 1e-3;

/// Density of `points` at each cell centre of `window`, in items per square kilometre:
///   sum_i w_i / (2 pi h^2) exp(-d_i^2 / (2 h^2)) * 1e6,  with d_i in metres and h = bandwidth,
/// over the points within truncate * h of the cell along both x and y.
///
/// Each cell adds its points in input order, in double, so its value does not depend on the
/// window it is computed in. The Gaussian is separable, so it is evaluated once per column and
/// once per row of a point's square (on a geographic grid, where metres per degree of longitude
/// change with the row, once per cell), and the sums run row by row in the L1 cache. No-data:
/// none; a cell beyond every point's reach gets 0.
void gaussian_density_per_km2(std::span<const WeightedPoint> points, double bandwidth_m, const Window& window,
                              const GridFrame& frame, std::span<float> out, double truncate = kDefaultTruncate);

/// Gaussian smoothing of a raster of counts per cell into items per square kilometre: the
/// separable convolution that scipy.ndimage.gaussian_filter computes (kernel sampled at cell
/// offsets, normalised to sum 1, truncated at `truncate` sigma), divided by the cell area.
/// `counts` holds `window.grown(halo)` with halo = gaussian_halo(...); NaN counts as 0; cells
/// past the grid's edge are 0 (scipy's mode="constant"). Projected grids only.
void gaussian_smooth_per_km2(std::span<const float> counts, const Window& window, int64_t halo, const GridFrame& frame,
                             double bandwidth_m, std::span<float> out, double truncate = kDefaultTruncate);

/// Cells of halo that gaussian_smooth_per_km2 needs: the kernel's radius along the longer axis,
/// at most kGaussianHaloCeiling (a bandwidth of 1e308 m saturates there instead of overflowing;
/// callers refuse halos far smaller than that).
inline constexpr int64_t kGaussianHaloCeiling = int64_t{1} << 40;
int64_t gaussian_halo(const GridFrame& frame, double bandwidth_m, double truncate = kDefaultTruncate);

}  // namespace minerisk::kernels
