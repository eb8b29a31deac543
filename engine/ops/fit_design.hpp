#pragma once
// fit's training data: the labelled cells (sparse), the design matrix built tile by tile from
// the model's features, and the cross-validation folds (square blocks or zones).
#include <Eigen/Dense>

#include <cstdint>
#include <map>
#include <vector>

#include "minerisk/engine/model.hpp"
#include "minerisk/engine/ops/fit.hpp"

namespace minerisk::fit_detail {

constexpr int8_t kUnused = -1;

// The training cells, sparse: only labelled cells are held (a grid of 10^9 cells with 10^5
// finds holds 10^5 entries, not 10^9), in row-major cell order.
struct TrainingCells {
  std::map<size_t, int8_t> label;  // cell index -> 1 or 0
  int64_t positives = 0, negatives = 0;

  int8_t label_of(size_t cell) const {
    const auto it = label.find(cell);
    return it == label.end() ? kUnused : it->second;
  }
  /// Whether any cell of `w` is labelled.
  bool any_in(const kernels::Window& w, int64_t grid_width) const {
    for (int64_t r = 0; r < w.height; ++r) {
      const auto first = static_cast<size_t>((w.row0 + r) * grid_width + w.col0);
      const auto it = label.lower_bound(first);
      if (it != label.end() && it->first < first + static_cast<size_t>(w.width)) return true;
    }
    return false;
  }
};

/// Row and column of the cell holding a point, or false when it is off the grid.
bool cell_of(const Grid& grid, double x, double y, int64_t& row, int64_t& col);

/// Finds (1) and cleared land (0), or a label raster; plus random background negatives.
TrainingCells training_cells(const Scenario& s, const Model& model, const FitSpec& spec, int64_t tile_size);

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
std::vector<int64_t> folds_of(const Design& d, const Grid& grid, const FitSpec& spec, int64_t tile_size, int& count);

}  // namespace minerisk::fit_detail
