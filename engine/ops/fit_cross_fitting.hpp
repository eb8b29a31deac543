#pragma once
// Cross-fitting: the layers built from labels, rebuilt for each fold's training cells without
// that fold's labels (and, inside the cross-validation, without the held-out fold's too).
#include <Eigen/Dense>

#include <cstdint>
#include <vector>

#include "fit_design.hpp"
#include "fit_folds.hpp"

namespace minerisk::fit_detail {

/// What rebuilding the label layers needs: the scenario and its model, the folds, the indices
/// of the layers built from labels, and the threads and tiles to do it with.
struct LabelLayers {
  const Scenario& scenario;
  const Model& model;
  const FoldMap& folds;
  std::vector<size_t> layers;
  const FitOptions& options;
};

/// The design rows of each of `folds` folds (a row in no fold, -1, in none).
std::vector<std::vector<Eigen::Index>> rows_by_fold(const std::vector<int64_t>& fold, int64_t folds);

/// Drops the rows in no fold (a cell outside every zone), with their entries of `fold`.
void keep_rows_in_folds(Design& d, std::vector<int64_t>& fold);

/// Rebuilds the label layers of every fold's rows without that fold's labels, and without the
/// labels of fold `also_without` too when it is >= 0 (whose own rows are then left as they are).
void cross_fit(const LabelLayers& labels, const std::vector<int64_t>& fold, int64_t also_without, Design& d);

/// Blocks a fifth of the grid's shorter side, in metres, to three significant digits: fit's
/// folds when label layers need some and neither blocks nor zones were given.
double default_block_size(const Grid& grid);

}  // namespace minerisk::fit_detail
