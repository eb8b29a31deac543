#include "minerisk/engine/ops/evaluate.hpp"


#include <cmath>
#include <cstdio>
#include <nlohmann/json.hpp>

#include "../src/canvas.hpp"
#include "minerisk/engine/errors.hpp"
#include "minerisk/engine/output_format.hpp"
#include "minerisk/engine/output_set.hpp"
#include "minerisk/engine/gdal_support.hpp"
#include "minerisk/engine/dataset_name.hpp"
#include "minerisk/engine/grid_file_reader.hpp"
#include "minerisk/engine/raster_source.hpp"
#include "minerisk/engine/vector_inputs.hpp"

namespace minerisk {
namespace {

const double kCaptureAreas[] = {0.01, 0.05, 0.10, 0.20};

// True items per cell from the truth, NaN where the truth says nothing (a label raster's no-data).
std::vector<float> items_per_cell(const Grid& grid, const TruthSpec& truth) {
  const auto cells = static_cast<size_t>(grid.width() * grid.height());
  if (!is_vector_only(truth.path)) {
    const RasterSource source(truth.path, grid, "--truth");
    if (!source.aligned())
      throw UserError("--truth: raster '" + truth.path.string() +
                      "' is not on the grid's cells; resample it first (gdalwarp -r near with the grid's -te and -tr)");
    std::vector<float> labels = source.read({0, 0, grid.width(), grid.height()});
    for (float& v : labels)
      if (!std::isnan(v) && v < 0) v = NAN;  // negative labels (e.g. -1 for unknown) are left out
    return labels;
  }
  VectorInputSpec spec;
  spec.path = truth.path;
  spec.layer = truth.layer;
  spec.where = truth.where;
  spec.value_field = truth.count_field;
  std::vector<float> items(cells, 0.0f);
  for (const kernels::WeightedPoint& p : load_points(spec, grid, "--truth")) {
    int64_t row, col;
    if (grid.cell_at(p.x, p.y, row, col)) items[static_cast<size_t>(row * grid.width() + col)] += static_cast<float>(p.weight);
  }
  return items;
}

}  // namespace

Evaluation evaluate_grid(const std::filesystem::path& grid_file, const TruthSpec& truth, const std::string& variable) {
  const GridFileReader reader(grid_file, variable);
  // The probabilities, the true items and the scored cells, all at once.
  require_whole_grid_memory(reader.grid(), 2 * sizeof(float) + sizeof(kernels::ScoredCell), "evaluate");
  const std::vector<float> probability = reader.read();
  const std::vector<float> items = items_per_cell(reader.grid(), truth);
  std::vector<kernels::ScoredCell> scored;
  scored.reserve(probability.size());
  for (size_t i = 0; i < probability.size(); ++i)
    if (!std::isnan(probability[i]) && !std::isnan(items[i])) scored.push_back({probability[i], items[i]});
  Evaluation e;
  e.variable = reader.variable();
  e.cells = static_cast<int64_t>(scored.size());
  int64_t positives = 0;
  for (const auto& c : scored) positives += c.items > 0;
  if (positives == 0)
    throw UserError("--truth: no true item falls on a cell of the grid with a probability; check the truth's CRS and extent");
  if (positives == e.cells) throw UserError("--truth: every cell holds a true item; there is nothing to rank against");
  e.metrics = kernels::ranking_metrics(scored, kCaptureAreas);
  e.capture_curve = kernels::capture_curve(scored, 101);
  return e;
}

std::string evaluation_json(const Evaluation& e, const std::filesystem::path& grid_file, const TruthSpec& truth) {
  nlohmann::ordered_json j;
  j["grid"] = grid_file.string();
  j["variable"] = e.variable;
  j["truth"] = truth.path.string();
  j["cells"] = e.cells;
  j["positive_cells"] = e.metrics.positives;
  j["negative_cells"] = e.metrics.negatives;
  j["true_items"] = e.metrics.items;
  j["roc_auc"] = e.metrics.roc_auc;
  j["pr_auc"] = e.metrics.average_precision;
  nlohmann::ordered_json capture;
  for (size_t k = 0; k < e.metrics.area_fractions.size(); ++k) {
    char key[16];
    std::snprintf(key, sizeof key, "%g%%", 100 * e.metrics.area_fractions[k]);
    capture[key] = e.metrics.captured[k];
  }
  j["capture_at_area"] = capture;
  j["mean_false_alarms_above_each_item"] = e.metrics.mean_false_alarms_above;
  j["capture_curve_percent_area"] = e.capture_curve;
  return j.dump(2);
}

void write_capture_png(const Evaluation& e, const std::filesystem::path& path, const std::string& title) {
  const int margin = 60, size = 400;
  Canvas canvas(size + 2 * margin, size + 2 * margin + 20);
  const Rgb ink{20, 20, 20}, grey{170, 170, 170}, red{200, 30, 30};
  const int x0 = margin, y0 = margin + 20 + size;  // the plot's origin, bottom-left
  canvas.text(margin, 12, title, 2, ink);
  canvas.frame(x0, y0 - size, size, size, ink);
  for (int k = 0; k <= 4; ++k) {
    const int x = x0 + size * k / 4, y = y0 - size * k / 4;
    char label[8];
    std::snprintf(label, sizeof label, "%d%%", 25 * k);
    canvas.rect(x, y0, 1, 5, ink);
    canvas.text(x - Canvas::text_width(label, 1) / 2, y0 + 8, label, 1, ink);
    canvas.rect(x0 - 5, y, 5, 1, ink);
    canvas.text(x0 - 8 - Canvas::text_width(label, 1), y - 3, label, 1, ink);
  }
  canvas.line(x0, y0, x0 + size, y0 - size, grey);  // a random ranking
  for (size_t i = 1; i < e.capture_curve.size(); ++i) {
    const auto n = static_cast<double>(e.capture_curve.size() - 1);
    canvas.line(x0 + static_cast<int>(size * (i - 1) / n), y0 - static_cast<int>(size * e.capture_curve[i - 1]),
                x0 + static_cast<int>(size * i / n), y0 - static_cast<int>(size * e.capture_curve[i]), red);
  }
  canvas.text(x0 + size / 2 - Canvas::text_width("SHARE OF AREA, RANKED BY RISK", 1) / 2, y0 + 24,
              "SHARE OF AREA, RANKED BY RISK", 1, ink);
  canvas.text(x0 + 10, y0 - size + 10, "SHARE OF TRUE ITEMS CAPTURED", 1, ink);
  char summary[96];
  std::snprintf(summary, sizeof summary, "ROC-AUC %.3f  PR-AUC %.3f  AT 10%%: %.1f%%", e.metrics.roc_auc,
                e.metrics.average_precision, 100 * e.metrics.captured[2]);
  canvas.text(x0 + 10, y0 - size + 24, summary, 1, ink);
  canvas.write_png(path);
}

Evaluation evaluate_to_files(const std::filesystem::path& grid_file, const TruthSpec& truth, EvaluateFiles& files,
                             const std::atomic<bool>* cancel) {
  if (files.report.empty()) {
    // Beside the grid's file, also when it is named as NETCDF:"f.nc":p95.
    const std::filesystem::path file = local_file(grid_file.string());
    files.report = file;
    files.report.replace_filename(file.stem().string() + "_evaluation.json");
  }
  if (files.picture.empty()) files.picture = std::filesystem::path(files.report).replace_extension(".png");
  // The outputs first, checked against the inputs; the report is the main one (committed last).
  OutputSet outputs({grid_file, truth.path}, files.overwrite);
  const size_t report = outputs.add(files.report), picture = outputs.add(files.picture);
  // After the refusals that protect data (an input, a folder).
  if (!has_extension(files.picture, ".png"))
    throw UserError("--picture: '" + files.picture.string() + "' is not a .png name; the capture curve is a PNG");
  const Evaluation e = evaluate_grid(grid_file, truth, files.variable);
  outputs.write_text(report, evaluation_json(e, grid_file, truth) + "\n");
  outputs.writing([&] { write_capture_png(e, outputs.temporary(picture), "CAPTURE CURVE"); });
  outputs.commit(cancel);
  return e;
}

}  // namespace minerisk
