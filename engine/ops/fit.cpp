#include "minerisk/engine/ops/fit.hpp"

#include "fit_curves.hpp"
#include "fit_cross_fitting.hpp"
#include "fit_cross_validation.hpp"
#include "fit_design.hpp"
#include "fit_folds.hpp"
#include "fit_repeats.hpp"
#include "fit_reports.hpp"
#include "fit_standardised.hpp"

#include <algorithm>
#include <cstdint>
#include <cmath>
#include <cstdio>
#include <optional>
#include <nlohmann/json.hpp>
#include <sstream>
#include <toml++/toml.h>

#include "../features/feature.hpp"
#include "../features/held_out_labels.hpp"
#include "../src/scenario_schema.hpp"
#include "minerisk/engine/errors.hpp"
#include "minerisk/engine/input_set.hpp"
#include "minerisk/engine/model.hpp"
#include "minerisk/engine/model_file.hpp"
#include "minerisk/engine/provenance.hpp"
#include "minerisk/engine/output_format.hpp"
#include "minerisk/engine/output_set.hpp"
#include "staging.hpp"

namespace minerisk {
namespace {

using namespace fit_detail;

std::string fitted_toml(const Scenario& s, const FitResult& r) {
  toml::table root = toml::parse(s.resolved_toml);
  // The options the fit ran with (the command line's over the scenario's, and the block size fit
  // chose), so that fitting the fitted scenario again reproduces this fit.
  root.insert_or_assign("fit", schema::write_fit(r.spec));
  root["model"].as_table()->insert_or_assign("intercept", r.coefficients[0].weight);
  for (const Coefficient& c : r.coefficients)
    if (auto* layer = root["model"]["evidence"][c.name].as_table()) layer->insert_or_assign("weight", c.weight);
  // A learned curve replaces the layer's transform, with weight 1: the curve is the effect.
  for (const Curve& c : r.curves) {
    toml::array x, y;
    for (double v : c.x) x.push_back(v);
    for (double v : c.y) y.push_back(v);
    toml::table* layer = root["model"]["evidence"][c.layer].as_table();
    layer->insert_or_assign("weight", 1.0);
    layer->insert_or_assign("transform", toml::table{{"type", "piecewise"}, {"x", std::move(x)}, {"y", std::move(y)}});
  }
  std::ostringstream out;
  out << "# Fitted by minerisk fit on " << utc_now_iso8601() << " from " << s.file.string() << "\n";
  out << "# " << r.positives << " positive and " << r.negatives << " negative training cells";
  if (r.folds > 0)
    out << "; spatial cross-validation over " << r.folds << " folds: ROC-AUC " << r.cv_roc_auc << ", PR-AUC "
        << r.cv_pr_auc << " (a random ranking: 0.5 and " << r.cv_positive_share << ")";
  if (r.repeats > 1)
    out << "\n# weights: the median of " << r.repeats << " fits (" << r.folds_description
        << "); cross-validation: their mean";
  out << "\n\n" << toml::toml_formatter(root) << "\n";
  return out.str();
}

// One fit: the folds dealt and the background cells drawn with `options.spec.seed`, the label
// layers cross-fitted over those folds, the weights fitted, and the cross-validation.
struct SplitFit {
  Design design;
  StandardisedFit fit;
  std::vector<std::string> warnings;
  CrossValidation cv;
  size_t outside_folds = 0;  // training cells in no zone, left out
  bool labels_resampled = false;
};

// The curves' knots are chosen on the first split's rows and kept for the others, so that the
// weight of each ramp means the same in every split and their median is a curve.
SplitFit fit_split(const Scenario& s, const Model& model, const Grid& grid, const FitOptions& options,
                   const std::vector<size_t>& from_labels, std::optional<Knots>& knots) {
  SplitFit f;
  const FoldMap folds(grid, options);
  const LabelLayers labels{s, model, folds, from_labels, options};
  const TrainingCells cells = training_cells(s, model, options);
  f.labels_resampled = cells.labels_resampled;
  f.design = build_design(s, model, cells, options);
  std::vector<int64_t> fold(f.design.cell.size());
  for (size_t i = 0; i < fold.size(); ++i) fold[i] = folds.of_cell(f.design.cell[i]);
  if (!from_labels.empty()) {
    // Cross-fitting: each training cell's label layers from the labels outside its own fold. A
    // cell in no zone cannot be cross-fitted: it is left out.
    const size_t before = f.design.cell.size();
    keep_rows_in_folds(f.design, fold);
    f.outside_folds = before - f.design.cell.size();
    cross_fit(labels, fold, -1, f.design);
  }
  check_design(s, f.design, from_labels, f.outside_folds, !options.spec.zones.empty());
  // The fit's columns: each layer through its transform, or its learned curve's ramps.
  if (!knots) knots = choose_knots(s, f.design.raw, options.spec.knots);
  const Eigen::MatrixXd columns = curve_columns(f.design.X, f.design.raw, *knots);
  const std::vector<std::string> names = curve_column_names(s, *knots);
  f.fit = fit_or_refuse(s, columns, f.design.y, options.spec.l2, curve_column_signs(s, *knots), names);
  f.warnings = separation_warnings(columns, f.design.y, names, f.fit);
  if (options.spec.cross_validate) f.cv = cross_validate(labels, f.design, fold);
  return f;
}

// Whether another seed would change the fit: random background cells, or blocks dealt into folds
// that build label layers or cross-validate (zones are the same folds whatever the seed).
bool seed_matters(const FitSpec& spec, const FoldMap& folds, bool label_layers) {
  const bool dealt = spec.zones.empty() && folds.count() > 0 && (label_layers || spec.cross_validate);
  return spec.background_ratio > 0 || dealt;
}

}  // namespace

// The options, wherever they came from (scenario, command line, Python), checked once.
void check_fit_spec(const FitSpec& f) {
  if (const auto [key, problem] = fit_spec_problem(f); !key.empty()) throw UserError("fit: " + key + " " + problem);
}

FitResult fit_scenario(const Scenario& s, const FitOptions& given) {
  check_fit_spec(given.spec);
  if (s.evidence.empty()) throw UserError(s.file.string() + ": [model] has no evidence layer to fit");
  given.check();
  const auto inputs = load_inputs(s);
  const Model model(s, inputs);
  const InputSet& in = *inputs;
  FitResult r;
  FitOptions options = given;
  // -0 passes every check as 0 and would be written back as -0.0; adding +0 gives +0 (IEEE 754).
  options.spec.l2 += 0.0, options.spec.block_size += 0.0, options.spec.background_ratio += 0.0;
  const std::vector<size_t> from_labels = label_layers(s, options, r.notes);
  if (!from_labels.empty() && options.spec.zones.empty() && options.spec.block_size <= 0) {
    // Layers built from labels need folds to be built out of fold: blocks a fifth of the grid's
    // shorter side, unless the scenario or the command line chose them.
    options.spec.block_size = default_block_size(in.grid);
    r.notes.push_back("layers built from labels are cross-fitted over " + std::to_string(options.spec.folds) +
                      " folds of " + std::to_string(static_cast<long long>(options.spec.block_size)) +
                      " m blocks (a fifth of the grid's shorter side); choose with --block-size or --zones");
  }
  r.spec = options.spec;
  const FoldMap folds(in.grid, options);
  r.folds_description = folds.description();
  if (!from_labels.empty() && folds.count() < 2)
    throw UserError(s.file.string() + ": the layers built from labels are built for each fold without its own "
                    "labels, which needs at least 2 folds, and " + folds.description() +
                    " give fewer; give a zone raster with 2 zones or more, or --block-size");
  for (size_t j : from_labels) r.cross_fitted.push_back(s.evidence[j].name);

  r.repeats = seed_matters(options.spec, folds, !from_labels.empty()) ? options.spec.repeats : 1;
  if (r.repeats < options.spec.repeats)
    r.notes.push_back("repeats: nothing in this fit is drawn at random (no background cells, and " +
                      (folds.count() > 0 ? folds.description() + " that do not depend on the seed or serve no purpose"
                                         : std::string("no folds")) +
                      "), so it is fitted once");
  std::optional<Knots> knots;
  std::vector<SplitFit> splits;
  for (int k = 0; k < r.repeats; ++k) {
    FitOptions split = options;
    split.spec.seed = options.spec.seed + static_cast<uint64_t>(k);
    try {
      splits.push_back(fit_split(s, model, in.grid, split, from_labels, knots));
    } catch (const UserError& e) {
      if (r.repeats == 1) throw;
      // Which deal failed, so that `--seed` alone reproduces it.
      throw UserError(std::string(e.what()) + " (in fit " + std::to_string(k + 1) + " of " +
                      std::to_string(r.repeats) + ", seed " + std::to_string(split.spec.seed) + ")");
    }
    if (k > 0) splits.back().design = Design{};  // only the first fit's design is written or used after
    for (const std::string& w : splits.back().warnings)
      if (std::find(r.warnings.begin(), r.warnings.end(), w) == r.warnings.end()) r.warnings.push_back(w);
    options.check();
  }
  const Design& design = splits.front().design;  // the seed's own: the CSV, the counts, weights of evidence
  // Where evaluate --truth refuses such a raster, a coarser label raster is a fair way to train:
  // said, never silent.
  if (splits.front().labels_resampled)
    r.notes.push_back("the label raster " + options.spec.labels.string() +
                      " is not on the grid's cells: each cell takes the label at its centre (nearest)");
  if (splits.front().outside_folds > 0)
    r.notes.push_back(std::to_string(splits.front().outside_folds) +
                      " training cells lie in no zone and are left out: their label layers cannot be built without "
                      "their own labels");
  if (r.repeats > 1) {
    char text[160];
    // Zones are the same in every fit: there only the background cells are drawn anew.
    std::snprintf(text, sizeof text,
                  options.spec.zones.empty() ? ", dealt %d ways (seeds %llu to %llu)"
                                             : ", the background drawn %d ways (seeds %llu to %llu)",
                  r.repeats,
                  static_cast<unsigned long long>(options.spec.seed),
                  static_cast<unsigned long long>(options.spec.seed + static_cast<uint64_t>(r.repeats) - 1));
    r.folds_description += text;
  }

  std::vector<StandardisedFit> fits;
  for (const SplitFit& f : splits) fits.push_back(f.fit);
  const StandardisedFit fit = median_of_fits(fits, *knots);
  const std::vector<std::string> names = curve_column_names(s, *knots);
  r.positives = static_cast<int64_t>(design.y.sum());
  r.negatives = design.y.size() - r.positives;
  r.curves = curves_of(s, *knots, fit.original.coefficients);
  for (const EvidenceSpec& e : s.evidence) r.layer_definitions[e.name] = weighted_layer_definition(e);
  for (Eigen::Index j = 0; j < fit.original.coefficients.size(); ++j) {
    Coefficient c;
    c.name = j == 0 ? "intercept" : names[static_cast<size_t>(j - 1)];
    c.weight = fit.original.coefficients(j);
    c.standard_error = fit.original.standard_errors(j);
    // A weight `effect` held at 0 has no spread: z 0, p 1 (no evidence either way).
    c.z = c.standard_error > 0 ? c.weight / c.standard_error : 0.0;
    c.p_value = std::erfc(std::abs(c.z) / std::sqrt(2.0));
    c.standardised_weight = fit.standardised.coefficients(j);
    c.standardised_error = fit.standardised.standard_errors(j);
    r.coefficients.push_back(c);
  }
  for (Eigen::Index i = 0; i < fit.original.covariance.rows(); ++i) {
    r.covariance.emplace_back();
    for (Eigen::Index j = 0; j < fit.original.covariance.cols(); ++j) r.covariance.back().push_back(fit.original.covariance(i, j));
  }
  for (const StandardisedFit& f : fits)
    r.repeat_weights.emplace_back(f.original.coefficients.data(), f.original.coefficients.data() + f.original.coefficients.size());

  if (options.spec.cross_validate) {
    // Each split's pooled held-out AUCs, and their mean over the splits that could be
    // cross-validated (a deal can leave no fold with both classes to train on), as repeated
    // k-fold cross-validation reports.
    double roc = 0, pr = 0, share = 0;
    int validated = 0;
    for (const SplitFit& f : splits) {
      r.repeat_cv_roc_auc.push_back(f.cv.folds > 0 ? f.cv.roc_auc : NAN);
      r.repeat_cv_pr_auc.push_back(f.cv.folds > 0 ? f.cv.pr_auc : NAN);
      if (f.cv.folds == 0) continue;
      if (validated++ == 0) r.folds = f.cv.folds;
      roc += f.cv.roc_auc, pr += f.cv.pr_auc, share += f.cv.positive_share;
    }
    if (validated > 0)
      r.cv_roc_auc = roc / validated, r.cv_pr_auc = pr / validated, r.cv_positive_share = share / validated;
    if (validated > 0 && validated < r.repeats)
      r.notes.push_back("cross-validation: " + std::to_string(r.repeats - validated) + " of the " +
                        std::to_string(r.repeats) + " fits had no fold to score (each fold's training cells held one "
                        "class); the figures are the mean of the other " + std::to_string(validated));
    if (validated == 0 && folds.count() < 2)
      r.notes.push_back("cross-validation: " +
                        (folds.description().empty() ? std::string("no --block-size or --zones makes folds")
                                                     : folds.description() + " give fewer than 2 folds") +
                        ", so nothing is held out and no ROC-AUC is given; give a zone raster with 2 zones or more, "
                        "or --block-size");
    else if (validated == 0)
      r.notes.push_back("cross-validation: no fold could be scored (each fold's training cells held one class, or "
                        "the held-out cells together did), so no ROC-AUC is given; use more or larger folds or zones "
                        "holding both finds and cleared land");
  }

  r.weights_of_evidence = classed_weights_of_evidence(s, design, r.notes);
  r.fitted_toml = fitted_toml(s, r);
  r.design_csv = design_csv(s, design, in.grid.width());
  return r;
}

std::string fit_json(const FitResult& r) {
  nlohmann::ordered_json j;
  j["positives"] = r.positives;
  j["negatives"] = r.negatives;
  nlohmann::ordered_json table = nlohmann::ordered_json::array();
  for (const Coefficient& c : r.coefficients)
    table.push_back({{"name", c.name}, {"weight", c.weight}, {"standard_error", c.standard_error}, {"z", c.z},
                     {"p_value", c.p_value}, {"standardised_weight", c.standardised_weight},
                     {"standardised_standard_error", c.standardised_error}});
  j["coefficients"] = table;
  j["covariance"] = r.covariance;  // of the coefficients, in the table's order
  // No fold scored: no figure (null), not an AUC of 0, which would mean a perfectly inverted ranking.
  j["cross_validation"] = {{"folds", r.folds},
                           {"roc_auc", r.folds ? nlohmann::json(r.cv_roc_auc) : nlohmann::json()},
                           {"pr_auc", r.folds ? nlohmann::json(r.cv_pr_auc) : nlohmann::json()},
                           // What a random ranking of the same held-out cells scores.
                           {"random_roc_auc", r.folds ? nlohmann::json(0.5) : nlohmann::json()},
                           {"random_pr_auc", r.folds ? nlohmann::json(r.cv_positive_share) : nlohmann::json()},
                           {"spatial_folds", r.folds_description}};
  // Each fit of [fit] repeats (one without): its coefficients and cross-validation, to show the
  // spread the deal of the folds and the draw of background cells cause.
  nlohmann::ordered_json repeats = nlohmann::ordered_json::array();
  for (size_t k = 0; k < r.repeat_weights.size(); ++k) {
    nlohmann::ordered_json one = {{"weights", r.repeat_weights[k]}};
    if (k < r.repeat_cv_roc_auc.size() && std::isfinite(r.repeat_cv_roc_auc[k]))  // a fit with no fold to score has none
      one["roc_auc"] = r.repeat_cv_roc_auc[k], one["pr_auc"] = r.repeat_cv_pr_auc[k];
    repeats.push_back(one);
  }
  j["repeats"] = repeats;
  j["cross_fitted_layers"] = r.cross_fitted;  // built for each training cell without its own fold's labels
  j["layer_definitions"] = r.layer_definitions;  // what each weight holds for (a sweep's weights_from checks it)
  j["separation_warnings"] = r.warnings;
  nlohmann::ordered_json curves = nlohmann::ordered_json::array();
  for (const Curve& c : r.curves) curves.push_back({{"layer", c.layer}, {"x", c.x}, {"contribution", c.y}});
  j["learned_curves"] = curves;  // each layer's contribution to the log-odds at its knots
  j["notes"] = r.notes;
  nlohmann::ordered_json woe = nlohmann::ordered_json::array();
  for (const auto& [name, w] : r.weights_of_evidence)
    woe.push_back({{"layer", name}, {"w_plus", w.w_plus}, {"w_minus", w.w_minus}, {"contrast", w.contrast},
                   {"contrast_sd", w.contrast_sd}, {"studentised_contrast", w.studentised}});
  j["weights_of_evidence"] = woe;
  return j.dump(2, ' ', false, nlohmann::json::error_handler_t::replace);  // a path that is not UTF-8
}

FitResult fit_to_files(const Scenario& scenario, const FitOptions& options, const FitFiles& files) {
  // The outputs first: one that would replace an input, or an unwritable folder, is reported
  // before any work is done. The fitted scenario is the main output: committed last.
  OutputSet outputs(ops::scenario_files(scenario), options.overwrite);
  outputs.add_inputs({options.spec.labels, options.spec.zones});
  const size_t fitted = outputs.add(files.fitted);
  // After the refusals that protect data (an input, a folder).
  if (!has_extension(files.fitted, ".toml"))
    throw UserError("-o: '" + files.fitted.string() + "' is not a .toml name; the fitted scenario is a TOML file");
  // Each optional output's index, or kNone when it is not asked for.
  constexpr size_t kNone = SIZE_MAX;
  const auto optional_output = [&](const std::filesystem::path& path) { return path.empty() ? kNone : outputs.add(path); };
  const size_t model = optional_output(files.model), report = optional_output(files.report),
               design = optional_output(files.design), curves = optional_output(files.curves);
  if (model != kNone && !has_extension(files.model, ".toml"))
    throw UserError("--model: '" + files.model.string() + "' is not a .toml name; the model file is a TOML file");
  if (curves != kNone && !has_extension(files.curves, ".png"))
    throw UserError("--curves: '" + files.curves.string() + "' is not a .png name; the curves are drawn as a PNG");
  if (curves != kNone && options.spec.knots == 0)
    throw UserError("--curves draws learned curves: add --knots N (or [fit] knots = N) so fit learns them");
  FitResult r = fit_scenario(scenario, options);
  outputs.write_text(fitted, r.fitted_toml);
  if (report != kNone) outputs.write_text(report, fit_json(r) + "\n");
  if (design != kNone) outputs.write_text(design, r.design_csv);
  if (curves != kNone) outputs.writing([&] { write_curves_plot(r.curves, outputs.temporary(curves)); });
  if (model != kNone) outputs.write_text(model, model_file_text(scenario, r));
  outputs.commit(options.cancel);
  return r;
}

}  // namespace minerisk
