#pragma once
// `minerisk evaluate`: a probability grid against the truth (points of true items, or a label
// raster on the same grid), as ROC-AUC, PR-AUC, the capture curve and false alarms.
#include <atomic>
#include <filesystem>
#include <string>

#include "minerisk/kernels/metrics.hpp"

namespace minerisk {

struct TruthSpec {
  std::filesystem::path path;
  std::string layer, where, count_field;  // for a point layer
};

struct Evaluation {
  TruthSpec truth;                  // as read: `--truth FILE:LAYER` split into its path and layer
  std::string variable;             // the grid's variable that was scored ("" for a single raster)
  kernels::RankingMetrics metrics;  // capture at 1, 5, 10 and 20 % of the area
  std::vector<double> capture_curve;  // at 0, 1, ..., 100 % of the area
  int64_t cells = 0;
  std::string run_id;  // the grid's run_id attribute (a run's or a sweep's file), "" for other grids
  // True items the figures leave out, said so that none is lost unseen: those on a cell without
  // a probability (no data), and a point layer's outside the grid (NaN for a label raster, whose
  // cells beyond the grid are not read).
  double items_without_probability = 0;
  double items_outside_grid = 0;
  // A label raster's cells with a probability but no label (its no-data, a negative label, or
  // beyond its extent): the figures rank the labelled land only. 0 for a point layer.
  int64_t cells_without_label = 0;
};

/// Scores every cell with a probability against the truth. A point layer gives the number of
/// true items in each cell (cells without any are negatives); a label raster on the grid gives
/// positives (> 0, as many items as its value), negatives (0) and cells left out (no-data).
/// `grid_file` is any grid GDAL reads (see GridFileReader); `variable` picks one of a file of
/// several (a sweep's "p95"; by default probability, or a sweep's mean).
Evaluation evaluate_grid(const std::filesystem::path& grid_file, const TruthSpec& truth,
                         const std::string& variable = "");

/// The evaluation as JSON text.
std::string evaluation_json(const Evaluation& e, const std::filesystem::path& grid_file);

/// A plot of the capture curve against the diagonal of a random ranking, with the summary
/// figures: a PNG, or a PDF when `path` ends in .pdf.
void write_capture_plot(const Evaluation& e, const std::filesystem::path& path, const std::string& title);

/// The files `minerisk evaluate` writes. Empty names take the defaults: GRID_evaluation.json
/// beside the grid, and the report's name with .png.
struct EvaluateFiles {
  std::filesystem::path report, picture;
  std::string variable;    // the grid's variable (evaluate_grid)
  bool overwrite = false;  // replace existing report and picture (else refused)
};
/// Evaluates and writes the report and the picture (staged, committed together); `files` comes
/// back with the names used. When `cancel` is set before the commit (a signal), Cancelled and
/// nothing is replaced.
Evaluation evaluate_to_files(const std::filesystem::path& grid_file, const TruthSpec& truth, EvaluateFiles& files,
                             const std::atomic<bool>* cancel = nullptr);

}  // namespace minerisk
