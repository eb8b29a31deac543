#include "fit_cross_fitting.hpp"

#include <cmath>
#include <stdexcept>

namespace minerisk::fit_detail {

std::vector<std::vector<Eigen::Index>> rows_by_fold(const std::vector<int64_t>& fold, int64_t folds) {
  std::vector<std::vector<Eigen::Index>> rows(static_cast<size_t>(folds));
  for (size_t i = 0; i < fold.size(); ++i) {
    if (fold[i] >= folds) throw std::logic_error("rows_by_fold: a row's fold is beyond the folds' count");
    if (fold[i] >= 0) rows[static_cast<size_t>(fold[i])].push_back(static_cast<Eigen::Index>(i));
  }
  return rows;
}

void keep_rows_in_folds(Design& d, std::vector<int64_t>& fold) {
  std::vector<Eigen::Index> kept;
  for (size_t i = 0; i < fold.size(); ++i)
    if (fold[i] >= 0) kept.push_back(static_cast<Eigen::Index>(i));
  if (kept.size() == fold.size()) return;
  Design k;
  for (Eigen::Index i : kept) k.cell.push_back(d.cell[static_cast<size_t>(i)]);
  k.X = d.X(kept, Eigen::all);
  k.raw = d.raw(kept, Eigen::all);
  k.y = d.y(kept);
  std::vector<int64_t> kept_fold;
  for (Eigen::Index i : kept) kept_fold.push_back(fold[static_cast<size_t>(i)]);
  d = std::move(k);
  fold = std::move(kept_fold);
}

void cross_fit(const LabelLayers& labels, const std::vector<int64_t>& fold, int64_t also_without, Design& d) {
  if (labels.layers.empty()) return;
  const Grid& grid = labels.model.grid();
  const std::vector<std::vector<Eigen::Index>> rows = rows_by_fold(fold, labels.folds.count());
  for (int64_t g = 0; g < labels.folds.count(); ++g) {
    // A fold without design rows has nothing to rebuild: with many zones (one fold each), most
    // hold none.
    if (g == also_without || rows[static_cast<size_t>(g)].empty()) continue;
    std::vector<int64_t> excluded{g};
    if (also_without >= 0) excluded.push_back(also_without);
    const features::HeldOutLabels held_out(grid, labels.folds.function(), excluded);
    rebuild_label_columns(labels.scenario, labels.model, held_out, labels.layers, rows[static_cast<size_t>(g)], d,
                          labels.options);
    labels.options.check_cancelled();
  }
}

double default_block_size(const Grid& grid) {
  const kernels::MetricScale scale = grid.frame.scale_at_row(grid.height() / 2);
  const double side = std::min(static_cast<double>(grid.width()) * std::abs(grid.frame.cell_width()) * scale.x,
                               static_cast<double>(grid.height()) * std::abs(grid.frame.cell_height()) * scale.y) / 5;
  const double unit = std::pow(10.0, std::floor(std::log10(side)) - 2);
  return std::round(side / unit) * unit;
}

}  // namespace minerisk::fit_detail
