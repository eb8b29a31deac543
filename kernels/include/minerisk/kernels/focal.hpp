#pragma once
// Focal (moving-window) statistics over a circle or a square, like GRASS r.neighbors.
#include <cstdint>
#include <span>

#include "minerisk/kernels/grid_frame.hpp"

namespace minerisk::kernels {

enum class FocalStatistic { mean, sum, count, max, min };
enum class FocalShape { square, circle };

/// The widest halo, in cells, a tool or a kernel called from Python reads around each tile (a
/// focal radius, a density's kernel): beyond it a tile's buffer alone would take gigabytes.
inline constexpr int64_t kMaxToolHalo = 4096;

/// The neighbourhood in cells: `rx` columns and `ry` rows each side of the centre, and for a
/// circle the cells whose centre lies within `radius_m` of the centre cell's.
struct Neighbourhood {
  FocalShape shape = FocalShape::circle;
  double radius_m = 0;
  double cell_x_m = 1, cell_y_m = 1;  // cell size in metres
  int64_t rx = 0, ry = 0;
  /// Columns each side of the centre on row offset j (|j| <= ry).
  int64_t half_width(int64_t j) const;
  int64_t halo() const { return rx > ry ? rx : ry; }
};

/// The neighbourhood of a radius in metres on this grid (cell sizes in metres, non-square
/// pixels allowed; for a square, the cells within the radius along each axis). Projected grids.
Neighbourhood neighbourhood(FocalShape shape, double radius_m, const GridFrame& frame);

/// The statistic over each cell's neighbourhood, for the cells of `window`; `in` holds
/// `window.grown(n.halo())`, NaN for no-data and for cells past the grid's edge.
///
/// No-data and edges: NaN cells (and cells past the edge) are left out, as GRASS r.neighbors
/// does; `count` is the number of valid cells, `sum` of none is 0, and `mean`, `max` and `min`
/// of none are NaN. Sums are in double, each cell's terms added in the same order whatever the
/// window, so results do not depend on the tile size. Squares are computed separably (rows,
/// then columns: 2 r + 2 operations a cell); circles directly (one per cell of the circle).
void focal_statistic(std::span<const float> in, const Window& window, const Neighbourhood& n, FocalStatistic statistic,
                     std::span<float> out);

}  // namespace minerisk::kernels
