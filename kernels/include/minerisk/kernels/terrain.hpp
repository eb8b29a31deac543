#pragma once
// Terrain measures from a 3 x 3 window, as gdaldem computes them: slope, aspect and hillshade
// by Horn's method (Horn 1981) and the terrain ruggedness index (Riley et al. 1999, gdaldem's
// default).
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

/// The light of a hillshade: where it comes from, and how much the relief is exaggerated.
struct HillshadeOptions {
  double azimuth = 315;  // degrees clockwise from north the light comes from (gdaldem -az)
  double altitude = 45;  // degrees above the horizon (gdaldem -alt)
  double z_factor = 1;   // vertical exaggeration: elevations are multiplied by it (gdaldem -z)
};

/// The hillshade of the cells of `window`: the cosine of the angle between the surface's normal
/// and the direction of the light, 0 where the cell faces away from it (in its own shadow; cast
/// shadows are not traced), 1 where it faces the light squarely; NaN for no-data. `dem`, the
/// edges and the per-row metric cell size are as terrain()'s, so a geographic grid needs no
/// scale factor (gdaldem's -s 111120) and non-square pixels are right.
///
/// gdaldem hillshade writes bytes 1 + 254 * value (rounded; 0 is its no-data): that is
/// round(1 + 254 * this). The value is kept as a float from 0 to 1 because a map multiplies
/// colours by it; the byte scale would only add a rounding.
void hillshade(std::span<const float> dem, const Window& window, const GridFrame& frame, std::span<float> out,
               const HillshadeOptions& options = {}, EdgeMode edges = EdgeMode::extrapolate);

/// Slope in degrees with gdaldem -compute_edges behaviour: the model's terrain feature.
inline void slope_horn_degrees(std::span<const float> dem, const Window& window, const GridFrame& frame,
                               std::span<float> out, EdgeMode edges = EdgeMode::extrapolate) {
  terrain(dem, window, frame, out, TerrainMeasure::slope_degrees, {edges, false, false});
}

}  // namespace minerisk::kernels
