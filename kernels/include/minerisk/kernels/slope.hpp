#pragma once
// Slope by Horn's method (Horn 1981), as gdaldem computes it.
#include <span>

#include "minerisk/kernels/grid_frame.hpp"

namespace minerisk::kernels {

/// Slope in degrees for the cells of `out_window`.
///
/// `dem` holds the elevations of `out_window.grown(1)` (one cell of halo on every side),
/// row-major, NaN for no-data and for cells outside the grid.
///
/// Edges and no-data: a NaN centre gives NaN. A NaN neighbour (no-data, or outside the grid at
/// the raster's edge) is replaced by the centre's elevation, so edge cells and cells next to
/// no-data still get a slope; this is the "compute edges" choice, made so that a planner's grid
/// has no empty border. Cell sizes are in metres per row (`frame.scale_at_row`), so a
/// geographic grid is handled without pretending degrees are metres.
void slope_horn_degrees(std::span<const float> dem, const Window& out_window, const GridFrame& frame,
                        std::span<float> out);

}  // namespace minerisk::kernels
