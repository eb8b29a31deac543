#include "minerisk/engine/ops/evaluate.hpp"


#include <algorithm>
#include <cmath>
#include <cstdio>
#include <nlohmann/json.hpp>

#include "../render/drawing.hpp"
#include "../render/plot_axes.hpp"
#include "grid_context.hpp"
#include "probability_values.hpp"
#include "minerisk/engine/errors.hpp"
#include "minerisk/engine/output_format.hpp"
#include "minerisk/engine/output_set.hpp"
#include "minerisk/engine/gdal_support.hpp"
#include "minerisk/engine/dataset_name.hpp"
#include "minerisk/engine/provenance.hpp"
#include "minerisk/engine/grid_file_reader.hpp"
#include "minerisk/engine/raster_source.hpp"
#include "minerisk/engine/vector_inputs.hpp"
#include "minerisk/kernels/area_tally.hpp"
#include "minerisk/kernels/raster_ops.hpp"

namespace minerisk {
namespace {

const double kCaptureAreas[] = {0.01, 0.05, 0.10, 0.20};

// A cell's count of true items must be a number: point counts beyond a float's range (1e308 as
// a point's count, or several that add up past 3.4e38) made every figure of the report 0 or
// NaN, and the run succeeded.
void refuse_infinite_counts(const std::vector<float>& items, const Grid& grid, const TruthSpec& truth) {
  const int64_t cell = kernels::first_infinite_or_equal(items);
  if (cell < 0) return;
  throw UserError("--truth: '" + truth.path.string() + "' gives the cell at row " + std::to_string(cell / grid.width()) +
                  ", column " + std::to_string(cell % grid.width()) + " an infinite count of true items" +
                  (truth.count_field.empty() ? "" : " (--count-field " + truth.count_field + " beyond 3.4e38 in all)") +
                  "; give each point a smaller count");
}

// True items per cell from the truth, NaN where the truth says nothing (a label raster's no-data);
// `outside` is a point layer's items beyond the grid (NaN for a raster).
std::vector<float> items_per_cell(const Grid& grid, const TruthSpec& truth, double& outside) {
  outside = NAN;
  const auto cells = static_cast<size_t>(grid.width() * grid.height());
  if (!is_vector_only(truth.path)) {
    // A raster's cells are the counts: a filter or a field of a vector layer would do nothing,
    // and a report that looks filtered must be.
    for (const auto& [given, option] : {std::pair{&truth.layer, "--layer"}, {&truth.where, "--where"},
                                        {&truth.count_field, "--count-field"}})
      if (!given->empty())
        throw UserError(std::string(option) + " reads a vector truth, and '" + truth.path.string() +
                        "' is a raster, whose cells are the counts of true items; leave " + option + " out");
    const RasterSource source(truth.path, grid, "--truth");
    if (!source.aligned())
      throw UserError("--truth: raster '" + truth.path.string() +
                      "' is not on the grid's cells; resample it first (gdalwarp -r near with the grid's -te and -tr)");
    std::vector<float> labels = source.read({0, 0, grid.width(), grid.height()});
    for (float& v : labels)
      if (!std::isnan(v) && v < 0) v = NAN;  // negative labels (e.g. -1 for unknown) are left out
    return labels;  // an infinity was refused as it was read (RasterSource::read)
  }
  VectorInputSpec spec;
  spec.path = truth.path;
  spec.layer = truth.layer;
  spec.where = truth.where;
  spec.value_field = truth.count_field;
  std::vector<float> items(cells, 0.0f);
  outside = 0;
  for (const kernels::WeightedPoint& p : load_points(spec, grid, "--truth", WithoutGeometry::refuse)) {
    int64_t row, col;
    if (grid.cell_at(p.x, p.y, row, col))
      items[static_cast<size_t>(row * grid.width() + col)] += static_cast<float>(p.weight);
    else
      outside += p.weight;
  }
  refuse_infinite_counts(items, grid, truth);
  return items;
}

// Why no cell with a probability holds a true item, told by what the user can fix: a grid of no
// data, items all on its no data or all beyond it, or a truth without any.
UserError nothing_to_score(const Evaluation& e, const std::vector<float>& probability,
                           const std::filesystem::path& grid_file, const TruthSpec& truth) {
  if (std::none_of(probability.begin(), probability.end(), [](float p) { return std::isfinite(p); }))
    return UserError("grid '" + grid_file.string() + "' has no cell with a probability (all no data); give a grid with data");
  const auto one = [](double items) { return items == 1; };
  if (e.items_without_probability > 0)
    return UserError("--truth: " +
                     (one(e.items_without_probability)
                          ? std::string("the one true item on the grid falls on a cell")
                          : "the " + number_text(e.items_without_probability) + " true items on the grid all fall on cells") +
                     " without a probability (no data); nothing is left to score");
  if (e.items_outside_grid > 0)
    return UserError("--truth: " +
                     (one(e.items_outside_grid) ? std::string("the one true item lies")
                                                : "all " + number_text(e.items_outside_grid) + " true items lie") +
                     " outside the grid; check the truth's CRS and extent");
  if (std::isnan(e.items_outside_grid))
    return UserError("--truth: raster '" + truth.path.string() + "' labels no cell positive (> 0) where the grid has a " +
                     "probability; give labels with true items");
  // An empty layer (or filter) was refused as it was read: here every point counts 0 items.
  return UserError("--truth: no true item to score: every point's " +
                   (truth.count_field.empty() ? std::string("count") : "--count-field '" + truth.count_field + "'") +
                   " is 0");
}

// `--truth truth.gpkg:devices` names a layer, as areas and map take one: split at the first colon
// whose path exists (split_at_existing_path). A GDAL name (NETCDF:"f.nc":labels), whose prefix is
// no file, is kept whole, as is a name with --layer given.
TruthSpec with_layer_split_off(TruthSpec truth) {
  if (!truth.layer.empty()) return truth;
  if (const std::optional<VectorInputSpec> split = ops::split_at_existing_path(truth.path.string(), "--truth"))
    truth.path = split->path, truth.layer = split->layer;
  return truth;
}

}  // namespace

Evaluation evaluate_grid(const std::filesystem::path& grid_file, const TruthSpec& given, const std::string& variable) {
  const TruthSpec truth = with_layer_split_off(given);
  // Before the truth's kind is probed: a missing file is neither, and is named as missing (from
  // Python, which comes here directly, it read as "a raster; leave --layer out").
  require_input_file(grid_file, "grid");
  require_input_file(truth.path, "--truth");
  const GridFileReader reader(grid_file, variable);
  // The probabilities, the true items and the scored cells, all at once.
  require_whole_grid_memory(reader.grid(), 2 * sizeof(float) + sizeof(kernels::ScoredCell), "evaluate");
  const std::vector<float> probability = reader.read();
  ops::require_probabilities(probability, "grid '" + grid_file.string() + "'");
  Evaluation e;
  e.truth = truth;
  const std::vector<float> items = items_per_cell(reader.grid(), truth, e.items_outside_grid);
  // The share of the land is of true area, as areas measures it: on a geographic grid a cell
  // near the pole is smaller. Relative to the largest row's, so a projected grid's are all 1.
  const kernels::GridFrame& frame = reader.grid().frame;
  std::vector<double> row_area(static_cast<size_t>(frame.height));
  for (int64_t row = 0; row < frame.height; ++row) row_area[static_cast<size_t>(row)] = kernels::cell_area_m2(frame, row);
  const double largest = *std::max_element(row_area.begin(), row_area.end());
  for (double& a : row_area) a /= largest;
  const auto width = static_cast<size_t>(frame.width);
  std::vector<kernels::ScoredCell> scored;
  scored.reserve(probability.size());
  for (size_t i = 0; i < probability.size(); ++i) {
    if (std::isnan(items[i])) {
      e.cells_without_label += std::isfinite(probability[i]);
      continue;
    }
    // An infinite value is no data, as explain, diff and areas take it: a probability is never one.
    if (std::isfinite(probability[i]))
      scored.push_back({probability[i], items[i], row_area[i / width]});
    else
      e.items_without_probability += items[i];
  }
  e.variable = reader.variable();
  e.run_id = reader.attribute("run_id");
  e.cells = static_cast<int64_t>(scored.size());
  int64_t positives = 0;
  for (const auto& c : scored) positives += c.items > 0;
  if (positives == 0) throw nothing_to_score(e, probability, grid_file, truth);
  if (positives == e.cells) throw UserError("--truth: every cell holds a true item; there is nothing to rank against");
  e.metrics = kernels::ranking_metrics(scored, kCaptureAreas);
  e.capture_curve = kernels::capture_curve(scored, 101);
  return e;
}

std::string evaluation_json(const Evaluation& e, const std::filesystem::path& grid_file) {
  const TruthSpec& truth = e.truth;
  nlohmann::ordered_json j;
  j["grid"] = grid_file.string();
  // The file itself, absolute, and its bytes' SHA-256: a report of a grid without run_id tells
  // another grid's evaluation by them (a copy of the grid is the same; the grid rewritten since
  // is not). null for a remote grid.
  std::error_code error;
  const std::filesystem::path file = local_file(grid_file.string());
  const bool local = stat_file(file).has_value();
  j["grid_file"] = local ? nlohmann::ordered_json(std::filesystem::absolute(file, error).string()) : nullptr;
  j["grid_sha256"] = local ? nlohmann::ordered_json(sha256_file(file)) : nullptr;
  j["variable"] = e.variable;
  // Which computation was scored: a report refuses an evaluation of another grid by it.
  j["run_id"] = e.run_id.empty() ? nlohmann::ordered_json(nullptr) : nlohmann::ordered_json(e.run_id);
  j["truth"] = truth.path.string();
  // Which items of it: two evaluations of one file's layers, or of its mines and its UXO, differ here.
  j["truth_layer"] = truth.layer.empty() ? nlohmann::ordered_json(nullptr) : nlohmann::ordered_json(truth.layer);
  j["truth_where"] = truth.where.empty() ? nlohmann::ordered_json(nullptr) : nlohmann::ordered_json(truth.where);
  j["cells"] = e.cells;
  j["positive_cells"] = e.metrics.positives;
  j["negative_cells"] = e.metrics.negatives;
  j["true_items"] = e.metrics.items;
  // What the figures leave out (a point layer's items beyond the grid: null for a label raster).
  j["true_items_without_probability"] = e.items_without_probability;
  j["true_items_outside_grid"] =
      std::isnan(e.items_outside_grid) ? nlohmann::ordered_json(nullptr) : nlohmann::ordered_json(e.items_outside_grid);
  j["cells_without_label"] = e.cells_without_label;
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
  return j.dump(2, ' ', false, nlohmann::json::error_handler_t::replace);  // a path that is not UTF-8
}

namespace {

// The capture plot's page, in points; a PNG of it is drawn at kPlotDpi (524 x 568 pixels).
constexpr double kCaptureWidth = 262, kCaptureHeight = 284, kPlotDpi = 144;

std::string percent_text(double fraction, int decimals) {
  char text[32];
  std::snprintf(text, sizeof text, "%.*f\u2009%%", decimals, 100 * fraction);  // a thin space before %
  return text;
}

void draw_capture_plot(const render::Drawing& d, const Evaluation& e, const std::string& title) {
  using render::Colour;
  const render::PlotStyle style;
  const Colour model = Colour::rgb(200, 30, 30), random = Colour::rgb(150, 150, 150);
  d.text(14, 9, title, style.title, style.ink);
  char figures[96];
  std::snprintf(figures, sizeof figures, "ROC-AUC %.3f   \u00b7   PR-AUC %.3f", e.metrics.roc_auc,
                e.metrics.average_precision);
  d.text(14, 27, figures, style.tick, style.muted);
  const double at = e.metrics.area_fractions.size() > 2 ? e.metrics.area_fractions[2] : 0.10;
  const double captured = e.metrics.captured.size() > 2 ? e.metrics.captured[2] : NAN;
  if (std::isfinite(captured))
    d.text(14, 38, "The riskiest " + percent_text(at, 0) + " of the area holds " + percent_text(captured, 1) +
                       " of the true items",
           style.tick, style.muted);

  render::PlotAxes axes(d, 58, 60, 190, 190, 0, 1, 0, 1, style);
  const std::vector<double> ticks = {0, 0.25, 0.5, 0.75, 1};
  std::vector<std::string> labels;
  for (double t : ticks) labels.push_back(percent_text(t, 0));
  axes.grid(ticks, ticks);
  // A random ranking captures items in proportion to the area: the diagonal.
  axes.polyline({0, 1}, {0, 1}, random, 1.0, {4, 3});
  axes.label_along(0.55, 0.55, 0.95, 0.95, "Random ranking", style.tick, random, 2);
  std::vector<double> xs, ys;  // the curve at 0, 1, ..., 100 % of the area
  const auto n = static_cast<double>(std::max<size_t>(e.capture_curve.size(), 2) - 1);
  for (size_t i = 0; i < e.capture_curve.size(); ++i) xs.push_back(static_cast<double>(i) / n), ys.push_back(e.capture_curve[i]);
  axes.polyline(xs, ys, model, 1.6);
  if (std::isfinite(captured)) {
    axes.markers({at}, {captured}, model, 2.6);
    d.text(axes.px(at) + 5, axes.py(captured) + 1, percent_text(captured, 1), style.tick, style.ink);
  }
  axes.frame();
  axes.x_ticks(ticks, labels);
  axes.y_ticks(ticks, labels);
  axes.x_title("Share of the area, riskiest first");
  axes.y_title("Share of the true items captured");
}

}  // namespace

void write_capture_plot(const Evaluation& e, const std::filesystem::path& path, const std::string& title) {
  if (has_extension(path, ".pdf")) {
    render::Drawing d = render::Drawing::pdf(path, kCaptureWidth, kCaptureHeight);
    draw_capture_plot(d, e, title);
    d.finish();
    return;
  }
  const render::Drawing d = render::Drawing::png(kCaptureWidth, kCaptureHeight, kPlotDpi);
  draw_capture_plot(d, e, title);
  d.write_png(path);
}

Evaluation evaluate_to_files(const std::filesystem::path& grid_file, const TruthSpec& given, EvaluateFiles& files,
                             const std::atomic<bool>* cancel) {
  const TruthSpec truth = with_layer_split_off(given);
  if (files.report.empty()) {
    // Beside the grid's file, also when it is named as NETCDF:"f.nc":p95.
    const std::filesystem::path file = local_file(grid_file.string());
    files.report = file;
    files.report.replace_filename(file.stem().string() + "_evaluation.json");
  }
  if (files.picture.empty()) files.picture = std::filesystem::path(files.report).replace_extension(".png");
  require_input_file(grid_file, "grid");  // before the outputs are checked against them
  require_input_file(truth.path, "--truth");
  // The outputs first, checked against the inputs; the report is the main one (committed last).
  OutputSet outputs({grid_file, truth.path}, files.overwrite);
  const size_t report = outputs.add(files.report), picture = outputs.add(files.picture);
  // After the refusals that protect data (an input, a folder).
  if (!has_extension(files.report, ".json"))
    throw UserError("-o: '" + files.report.string() + "' is not a .json name; the report is JSON");
  if (!has_extension(files.picture, ".png"))
    throw UserError("--picture: '" + files.picture.string() + "' is not a .png name; the capture curve is a PNG");
  const Evaluation e = evaluate_grid(grid_file, truth, files.variable);
  outputs.write_text(report, evaluation_json(e, grid_file) + "\n");
  outputs.writing([&] { write_capture_plot(e, outputs.temporary(picture), "Capture curve"); });
  outputs.commit(cancel);
  return e;
}

}  // namespace minerisk
