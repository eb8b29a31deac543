#include "minerisk/engine/ops/fit.hpp"

#include "fit_design.hpp"

#include <algorithm>
#include <cmath>
#include <map>
#include <functional>
#include <optional>
#include <mutex>
#include <nlohmann/json.hpp>
#include <random>
#include <sstream>
#include <toml++/toml.h>

#include "../features/feature.hpp"
#include "minerisk/engine/errors.hpp"
#include "minerisk/engine/input_set.hpp"
#include "minerisk/engine/model.hpp"
#include "minerisk/engine/model_file.hpp"
#include "minerisk/engine/provenance.hpp"
#include "minerisk/engine/raster_source.hpp"
#include "minerisk/engine/output_format.hpp"
#include "minerisk/engine/output_set.hpp"
#include "minerisk/engine/tile_loop.hpp"
#include "minerisk/kernels/tile_plan.hpp"
#include "minerisk/kernels/metrics.hpp"
#include "staging.hpp"

namespace minerisk {
namespace {

using namespace fit_detail;

kernels::LogisticFit fit_or_explain(const Scenario& s, const Eigen::MatrixXd& X, const Eigen::VectorXd& y, double l2) {
  try {
    return kernels::fit_logistic_l2(X, y, l2);
  } catch (const std::domain_error& e) {
    throw UserError(s.file.string() + ": the model cannot be fitted: " + e.what() +
                    "; remove a layer that repeats another, or set [fit] l2 larger than 0");
  }
}

std::string fitted_toml(const Scenario& s, const FitResult& r) {
  toml::table root = toml::parse(s.resolved_toml);
  root["model"].as_table()->insert_or_assign("intercept", r.coefficients[0].weight);
  for (size_t k = 0; k < s.evidence.size(); ++k)
    root["model"]["evidence"][s.evidence[k].name].as_table()->insert_or_assign("weight", r.coefficients[k + 1].weight);
  std::ostringstream out;
  out << "# Fitted by minerisk fit on " << utc_now_iso8601() << " from " << s.file.string() << "\n";
  out << "# " << r.positives << " positive and " << r.negatives << " negative training cells";
  if (r.folds > 0) out << "; spatial cross-validation over " << r.folds << " folds: ROC-AUC " << r.cv_roc_auc << ", PR-AUC " << r.cv_pr_auc;
  out << "\n\n" << toml::toml_formatter(root) << "\n";
  return out.str();
}

}  // namespace

// The options, wherever they came from (scenario, command line, Python), checked once.
void check_fit_spec(const FitSpec& f) {
  if (const auto [key, problem] = fit_spec_problem(f); !key.empty()) throw UserError("fit: " + key + " " + problem);
}

FitResult fit_scenario(const Scenario& s, const FitOptions& options) {
  check_fit_spec(options.spec);
  if (s.evidence.empty()) throw UserError(s.file.string() + ": [model] has no evidence layer to fit");
  options.check();
  const auto inputs = load_inputs(s);
  const Model model(s, inputs);
  const InputSet& in = *inputs;
  const TrainingCells cells = training_cells(s, model, options);
  const Design design = build_design(s, model, cells, nullptr, options);
  check_design(s, design);

  FitResult r;
  r.positives = static_cast<int64_t>(design.y.sum());
  r.negatives = design.y.size() - r.positives;
  const kernels::LogisticFit fit = fit_or_explain(s, design.X, design.y, options.spec.l2);
  for (Eigen::Index j = 0; j < fit.coefficients.size(); ++j) {
    Coefficient c;
    c.name = j == 0 ? "intercept" : s.evidence[static_cast<size_t>(j - 1)].name;
    c.weight = fit.coefficients(j);
    c.standard_error = fit.standard_errors(j);
    c.z = c.weight / c.standard_error;
    c.p_value = std::erfc(std::abs(c.z) / std::sqrt(2.0));
    r.coefficients.push_back(c);
  }
  for (Eigen::Index i = 0; i < fit.covariance.rows(); ++i) {
    r.covariance.emplace_back();
    for (Eigen::Index j = 0; j < fit.covariance.cols(); ++j) r.covariance.back().push_back(fit.covariance(i, j));
  }

  // Spatial cross-validation: fit without each fold, predict it, pool the predictions. Density
  // layers built from the finds are rebuilt from the training folds' finds only, so nothing
  // built from the held-out land's labels sees it.
  int fold_count = 0;
  const std::vector<int64_t> fold = folds_of(design, in.grid, options, fold_count);
  const bool rebuild = std::any_of(s.evidence.begin(), s.evidence.end(),
                                   [](const EvidenceSpec& e) { return features::find_feature_kind(e.feature)->reads_finds; });
  std::vector<kernels::ScoredCell> pooled;
  for (int f = 0; f < fold_count; ++f) {
    std::vector<Eigen::Index> train, test;
    for (size_t i = 0; i < fold.size(); ++i) (fold[i] == f ? test : train).push_back(static_cast<Eigen::Index>(i));
    if (test.empty()) continue;
    const Design* d = &design;
    Design refit;
    if (rebuild) {
      // A find is held out when its cell is a held-out training cell.
      const PointFilter keep = [&](const kernels::WeightedPoint& p) {
        int64_t row, col;
        if (!cell_of(in.grid, p.x, p.y, row, col)) return true;
        const auto cell = static_cast<size_t>(row * in.grid.width() + col);
        const auto it = std::lower_bound(design.cell.begin(), design.cell.end(), cell);
        return !(it != design.cell.end() && *it == cell && fold[static_cast<size_t>(it - design.cell.begin())] == f);
      };
      refit = build_design(s, model, cells, &keep, options);
      // Only the densities change, and they are finite everywhere: the rows stay the same cells.
      if (refit.cell != design.cell) throw std::logic_error("fit: a fold's design lost or gained training cells");
      d = &refit;
    }
    const Eigen::MatrixXd Xtrain = d->X(train, Eigen::all);
    const Eigen::VectorXd ytrain = d->y(train);
    if (ytrain.sum() == 0 || ytrain.sum() == static_cast<double>(ytrain.size())) continue;
    const kernels::LogisticFit ff = fit_or_explain(s, Xtrain, ytrain, options.spec.l2);
    for (Eigen::Index i : test) {
      const double eta = ff.coefficients(0) + d->X.row(i).dot(ff.coefficients.tail(ff.coefficients.size() - 1));
      pooled.push_back({1.0 / (1.0 + std::exp(-eta)), d->y(i)});
    }
    ++r.folds;
  }
  if (r.folds > 0) {
    const double none[1] = {0.1};
    try {
      const kernels::RankingMetrics m = kernels::ranking_metrics(pooled, none);
      r.cv_roc_auc = m.roc_auc;
      r.cv_pr_auc = m.average_precision;
    } catch (const std::invalid_argument&) {
      r.folds = 0;  // the held-out cells held one class only
    }
  }

  // Weights of evidence of the classed layers over the training cells.
  for (size_t j = 0; j < s.evidence.size(); ++j) {
    const EvidenceSpec& e = s.evidence[j];
    const auto column = design.X.col(static_cast<Eigen::Index>(j));
    const auto raw = design.raw.col(static_cast<Eigen::Index>(j));
    std::vector<std::pair<std::string, std::function<bool(Eigen::Index)>>> classes;
    if (e.transform.kind == kernels::TransformKind::categorical) {
      for (size_t c = 0; c < e.transform.xs.size(); ++c) {  // one per listed class, by its value
        char label[96];
        std::snprintf(label, sizeof label, "%s = %.17g", e.name.c_str(), e.transform.xs[c]);
        const double cls = e.transform.xs[c];
        classes.emplace_back(label, [&, cls](Eigen::Index i) { return raw(i) == cls; });
      }
    } else if (e.transform.kind == kernels::TransformKind::step) {
      classes.emplace_back(e.name, [&](Eigen::Index i) { return column(i) > 0; });
    } else if (features::find_feature_kind(e.feature)->classed) {
      classes.emplace_back(e.name, [&](Eigen::Index i) { return raw(i) > 0; });
    }
    for (const auto& [label, in_class] : classes) {
      double bd = 0, bn = 0, nd = 0, nn = 0;
      for (Eigen::Index i = 0; i < design.y.size(); ++i) {
        const bool b = in_class(i), d = design.y(i) > 0;
        (b ? (d ? bd : bn) : (d ? nd : nn)) += 1;
      }
      try {
        r.weights_of_evidence.emplace_back(label, kernels::weights_of_evidence(bd, bn, nd, nn));
      } catch (const std::domain_error&) {
        // A class with no training cell on one side has no finite weights: left out.
      }
    }
  }
  r.fitted_toml = fitted_toml(s, r);
  std::ostringstream csv;
  csv.precision(17);
  for (const EvidenceSpec& e : s.evidence) csv << e.name << ",";
  csv << "label\n";
  for (Eigen::Index i = 0; i < design.X.rows(); ++i) {
    for (Eigen::Index j = 0; j < design.X.cols(); ++j) csv << design.X(i, j) << ",";
    csv << design.y(i) << "\n";
  }
  r.design_csv = csv.str();
  return r;
}

std::string fit_json(const FitResult& r) {
  nlohmann::ordered_json j;
  j["positives"] = r.positives;
  j["negatives"] = r.negatives;
  nlohmann::ordered_json table = nlohmann::ordered_json::array();
  for (const Coefficient& c : r.coefficients)
    table.push_back({{"name", c.name}, {"weight", c.weight}, {"standard_error", c.standard_error}, {"z", c.z}, {"p_value", c.p_value}});
  j["coefficients"] = table;
  j["covariance"] = r.covariance;  // of the coefficients, in the table's order
  j["cross_validation"] = {{"folds", r.folds}, {"roc_auc", r.folds ? r.cv_roc_auc : 0.0}, {"pr_auc", r.folds ? r.cv_pr_auc : 0.0}};
  nlohmann::ordered_json woe = nlohmann::ordered_json::array();
  for (const auto& [name, w] : r.weights_of_evidence)
    woe.push_back({{"layer", name}, {"w_plus", w.w_plus}, {"w_minus", w.w_minus}, {"contrast", w.contrast},
                   {"contrast_sd", w.contrast_sd}, {"studentised_contrast", w.studentised}});
  j["weights_of_evidence"] = woe;
  return j.dump(2);
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
  const bool model = !files.model.empty();
  const size_t model_out = model ? outputs.add(files.model) : 0;
  if (model && !has_extension(files.model, ".toml"))
    throw UserError("--model: '" + files.model.string() + "' is not a .toml name; the model file is a TOML file");
  const std::optional<size_t> report = files.report.empty() ? std::nullopt : std::optional(outputs.add(files.report));
  const std::optional<size_t> design = files.design.empty() ? std::nullopt : std::optional(outputs.add(files.design));
  FitResult r = fit_scenario(scenario, options);
  outputs.write_text(fitted, r.fitted_toml);
  if (report) outputs.write_text(*report, fit_json(r) + "\n");
  if (design) outputs.write_text(*design, r.design_csv);
  if (model) outputs.write_text(model_out, model_file_text(scenario, options.spec, r));
  outputs.commit(options.cancel);
  return r;
}

}  // namespace minerisk
