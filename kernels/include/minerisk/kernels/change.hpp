#pragma once
// Where a probability rose or fell between two grids on the same cells: the change map of one
// window and its tally (cells, area, the largest rise and fall, the mean absolute change).
//
// No-data: a cell without data (NaN) in either grid is NaN in the change map and counted in
// `one_sided` when exactly one of the two has data; it counts in nothing else. The change is
// NEW - OLD in double; a change whose magnitude is at most the threshold (equal included) is
// "unchanged" and written as 0, a larger one is written as it is (rounded to float32).
// Areas are in square metres: on a geographic grid the cells' true areas on its ellipsoid, row by
// row (GridFrame::scale_at_row); on a projected grid their areas in the projection's plane.
// Non-finite values (infinities) count as no data.
#include <array>
#include <cstdint>
#include <map>
#include <span>

#include "minerisk/kernels/grid_frame.hpp"

namespace minerisk::kernels {

/// One cell's change and where it is (row -1: no such cell).
struct ExtremeChange {
  double change = 0;
  int64_t row = -1, col = -1;
};

struct ChangeTally {
  int64_t rose = 0, fell = 0, unchanged = 0;  // cells with data in both grids
  /// Per grid row: the cells that rose, fell and stayed. Areas are summed from these row by row
  /// (area_m2), so they are the same bits whatever the tiling.
  std::map<int64_t, std::array<int64_t, 3>> rows;
  int64_t one_sided = 0;        // cells with data in exactly one of the grids
  double sum_abs_change = 0;    // |NEW - OLD| summed over the cells with data in both
  ExtremeChange largest_rise;   // the largest NEW - OLD above 0 (the first in row-major order on ties)
  ExtremeChange largest_fall;   // the most negative NEW - OLD below 0 (likewise)

  int64_t both() const { return rose + fell + unchanged; }
  enum Kind { kRose = 0, kFell = 1, kUnchanged = 2 };
  /// Square metres of the cells of one kind: each row's count times its cells' area, in row order.
  double area_m2(Kind kind, const GridFrame& frame) const;
  /// Adds another window's tally. Sums are in double: merging the windows in one fixed order
  /// gives the same bits whatever the order they were computed in.
  void merge(const ChangeTally& other);
};

/// Writes the change map of `window` into `change` (row-major, window.cells() values) from the
/// two grids' values there, and returns its tally. `threshold` >= 0 in probability units.
ChangeTally change_map(std::span<const float> old_values, std::span<const float> new_values, const Window& window,
                       const GridFrame& frame, double threshold, std::span<float> change);

}  // namespace minerisk::kernels
