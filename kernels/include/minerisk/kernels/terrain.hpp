#pragma once
// Terrain measures from a 3 x 3 window, as gdaldem computes them: slope and aspect by Horn's
// method (Horn 1981) and the terrain ruggedness index (Riley et al. 1999, gdaldem's default).
#include <span>

#include "minerisk/kernels/grid_frame.hpp"

namespace minerisk::kernels {

enum class TerrainMeasure {
  slope_degrees,
  slope_percent,  // 100 * rise / run
  aspect,         // degrees clockwise from north that the slope faces (gdaldem's convention)
  ruggedness,     // TRI (Riley): sqrt of the sum of squared differences to the 8 neighbours
};

/// What happens at the grid's edge and next to no-data.
enum class EdgeMode {
  /// gdaldem -compute_edges: past the grid's edge, elevations are extrapolated linearly from
  /// the two nearest rows or columns (2 a - b); on the first and last rows a column past the
  /// edge repeats the centre column. A no-data neighbour takes the centre's elevation. Grids of
  /// one row or one column (which gdaldem leaves no-data) repeat the nearest cell.
  extrapolate,
  /// gdaldem's default: a cell on the grid's edge, or with any no-data cell in its window, is
  /// no-data.
  nodata,
};

struct TerrainOptions {
  EdgeMode edges = EdgeMode::extrapolate;
  bool zero_for_flat = false;  // aspect of a flat cell: 0 instead of no-data (gdaldem -zero_for_flat)
  bool trigonometric = false;  // aspect counter-clockwise from east (gdaldem -trigonometric)
};

/// The measure for the cells of `window`, written row-major to `out`.
///
/// `dem` holds the elevations of `window.grown(1)` (one cell of halo on every side), row-major,
/// NaN for no-data; halo cells past the grid's edge are never read (see EdgeMode).
/// A NaN centre always gives NaN. Gradients use the cell size in metres at each row
/// (`frame.scale_at_row`), so geographic grids are exact and non-square pixels give the true
/// aspect (gdaldem's aspect ignores the cell size, which only matters for non-square pixels).
void terrain(std::span<const float> dem, const Window& window, const GridFrame& frame, std::span<float> out,
             TerrainMeasure measure, const TerrainOptions& options = {});

/// Slope in degrees with gdaldem -compute_edges behaviour: the model's terrain feature.
inline void slope_horn_degrees(std::span<const float> dem, const Window& window, const GridFrame& frame,
                               std::span<float> out, EdgeMode edges = EdgeMode::extrapolate) {
  terrain(dem, window, frame, out, TerrainMeasure::slope_degrees, {edges, false, false});
}

}  // namespace minerisk::kernels
