#pragma once
// fit's spatial folds: every cell of the grid dealt into a fold, by zone (one fold per zone of
// a zone raster) or by square blocks. The same folds serve the cross-validation and the
// cross-fitting of layers built from labels (engine/features/held_out_labels.hpp).
#include <cstdint>
#include <string>
#include <vector>

#include "minerisk/engine/grid.hpp"
#include "minerisk/engine/ops/fit.hpp"
#include "../features/held_out_labels.hpp"

namespace minerisk::fit_detail {

class FoldMap {
 public:
  /// The folds `options.spec` asks for: its zones, else blocks of `block_size` metres dealt into
  /// `folds` folds, else none (count() 0).
  FoldMap(const Grid& grid, const FitOptions& options);

  int count() const { return count_; }
  /// The fold of a cell, or -1 (no fold: no zone there, or no folds at all).
  int64_t of(int64_t row, int64_t col) const;
  int64_t of_cell(size_t cell) const;
  /// of() as a function for HeldOutLabels; it refers to this map, which must outlive it.
  features::FoldOfCell function() const;
  /// "4 zones of zones.tif" or "5 folds of 2000 m blocks", for reports.
  const std::string& description() const { return description_; }

 private:
  const Grid& grid_;
  int count_ = 0;
  std::vector<int32_t> zone_fold_;  // zones: the fold of every cell, row-major
  double block_x_ = 0, block_y_ = 0;  // blocks: their size in CRS units
  uint64_t seed_ = 0;
  std::string description_;
};

}  // namespace minerisk::fit_detail
