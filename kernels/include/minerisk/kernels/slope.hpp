#pragma once
// Slope by Horn's method (Horn 1981), with gdaldem's treatment of edges and no-data.
#include <span>

#include "minerisk/kernels/grid_frame.hpp"

namespace minerisk::kernels {

/// What happens where the 3 x 3 window reaches past the grid's edge.
enum class EdgeMode {
  /// gdaldem -compute_edges: outside the grid, elevations are extrapolated linearly from the
  /// two nearest rows or columns (2 a - b); on the first and last rows a column outside the grid
  /// repeats the centre column. Grids of one row or one column, which gdaldem leaves
  /// no-data, repeat the nearest cell instead.
  extrapolate,
  /// gdaldem's default: a cell whose window reaches past the edge is no-data.
  nodata,
};

/// Slope in degrees for the cells of `out_window`.
///
/// `dem` holds the elevations of `out_window.grown(1)` (one cell of halo on every side),
/// row-major, NaN for no-data; halo cells outside the grid are ignored (see EdgeMode).
///
/// No-data: a NaN centre gives NaN. A NaN neighbour is replaced by the centre's elevation, as
/// gdaldem does with -compute_edges (without it gdaldem makes such cells no-data; here the
/// replacement always applies so a grid has no holes around every gap in the DEM).
/// Cell sizes are in metres per row (`frame.scale_at_row`), so a geographic grid is handled
/// without pretending degrees are metres.
void slope_horn_degrees(std::span<const float> dem, const Window& out_window, const GridFrame& frame,
                        std::span<float> out, EdgeMode edges = EdgeMode::extrapolate);

}  // namespace minerisk::kernels
