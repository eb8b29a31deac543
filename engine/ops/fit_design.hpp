#pragma once
// fit's training data: the labelled cells (sparse), the design matrix built tile by tile from
// the model's features, and the cross-validation folds (square blocks or zones).
#include <Eigen/Dense>

#include <cstdint>
#include <utility>
#include <vector>

#include "minerisk/engine/model.hpp"
#include "minerisk/engine/ops/fit.hpp"

namespace minerisk::fit_detail {

constexpr int8_t kUnused = -1;

/// The training cells: a label (1 or 0) for each labelled cell. Held sparse, as sorted
/// (cell, label) pairs, while few cells are labelled (a grid of 10^9 cells with 10^5 finds
/// holds 10^5 pairs), and as one byte a cell when many are (a label raster).
class TrainingCells {
 public:
  /// `labelled` must be sorted by cell, each cell once.
  TrainingCells(size_t grid_cells, std::vector<std::pair<size_t, int8_t>> labelled);

  int8_t label_of(size_t cell) const;
  /// Whether any cell of `w` is labelled.
  bool any_in(const kernels::Window& w, int64_t grid_width) const;

  int64_t positives = 0, negatives = 0;

 private:
  std::vector<std::pair<size_t, int8_t>> sparse_;
  std::vector<int8_t> dense_;  // kUnused where unlabelled; used instead of sparse_ when dense
};

/// Row and column of the cell holding a point, or false when it is off the grid.
bool cell_of(const Grid& grid, double x, double y, int64_t& row, int64_t& col);

/// Finds (1) and cleared land (0), or a label raster; plus random background negatives.
TrainingCells training_cells(const Scenario& s, const Model& model, const FitOptions& options);

/// The design: one row per training cell with a value in every layer, in row-major cell order.
struct Design {
  std::vector<size_t> cell;        // grid index of each row
  Eigen::MatrixXd X;               // transformed features
  Eigen::MatrixXd raw;             // the features before their transforms (classes, for WoE)
  Eigen::VectorXd y;
};

/// The rows of every training cell with a value in every layer; `keep_finds` selects the finds
/// the densities may use (a fold's training finds).
Design build_design(const Scenario& s, const Model& model, const TrainingCells& t, const PointFilter* keep_finds,
                    const FitOptions& options);

/// Refuses a design that cannot be fitted (one class only, a constant layer).
void check_design(const Scenario& s, const Design& d);

/// The fold of each design row: by zone raster (one fold per zone) or by square blocks dealt
/// into `folds` folds; -1 when there is no cross-validation.
std::vector<int64_t> folds_of(const Design& d, const Grid& grid, const FitOptions& options, int& count);

}  // namespace minerisk::fit_detail
