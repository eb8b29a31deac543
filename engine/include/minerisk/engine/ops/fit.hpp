#pragma once
// `minerisk fit`: the weights of a scenario's evidence layers calibrated on finds and cleared
// land (or a label raster), by L2-regularised logistic regression, with spatial block
// cross-validation and weights of evidence.
#include <atomic>
#include <filesystem>
#include <optional>
#include <map>
#include <string>
#include <vector>

#include "minerisk/engine/ops/control.hpp"
#include "minerisk/engine/scenario.hpp"
#include "minerisk/kernels/logistic_regression.hpp"

namespace minerisk {

/// The scenario's [fit] with the caller's overrides, and the threads, tiles (the design is
/// built tile by tile), progress and cancellation (ops::Control).
struct FitOptions : ops::Control {
  FitSpec spec;
};

struct Coefficient {
  std::string name;  // "intercept" or the evidence layer's
  double weight = 0, standard_error = 0, z = 0, p_value = 0;  // on the layer's own scale, as `run` uses it
  /// The same weight for the layer standardised over the training cells (its mean 0, its
  /// standard deviation 1): comparable across layers, and what the L2 penalty acts on.
  double standardised_weight = 0, standardised_error = 0;
};

struct FitResult {
  /// The options the fit ran with: the caller's, with the block size fit chose when label layers
  /// needed folds and none were given. The fitted scenario's [fit] and the model file hold them.
  FitSpec spec;
  std::vector<Coefficient> coefficients;  // the intercept first
  std::vector<std::vector<double>> covariance;  // of the coefficients, in the same order
  int64_t positives = 0, negatives = 0;
  int folds = 0;                          // cross-validation folds used (0: none)
  std::string folds_description;          // "5 folds of 2000 m blocks", "19 zones of zones.tif"
  std::vector<std::string> cross_fitted;  // the layers built from labels, built out of fold
  /// Each layer fitted, as weighted_layer_definition (model_file.hpp) gives it.
  std::map<std::string, std::map<std::string, std::string>> layer_definitions;
  std::vector<std::string> warnings;      // separation: the weights are set by the penalty
  std::vector<std::string> notes;         // choices fit made for the user (default blocks ...)
  /// With [fit] knots: each learned layer's curve, its contribution to the log-odds at its knots.
  struct Curve {
    std::string layer;
    std::vector<double> x, y;
  };
  std::vector<Curve> curves;
  double cv_roc_auc = NAN, cv_pr_auc = NAN;  // pooled over the held-out folds (the mean over the repeats)
  /// The baseline beside them: the share of positives among the held-out cells scored, which is
  /// a random ranking's PR-AUC (its ROC-AUC is 0.5); the mean over the repeats.
  double cv_positive_share = NAN;
  /// [fit] repeats: the fits done, each on its own deal of the folds and draw of background cells
  /// (seeds seed, seed + 1, ...); the coefficients above are the median of theirs.
  int repeats = 1;
  std::vector<std::vector<double>> repeat_weights;         // each fit's coefficients, as `coefficients`
  std::vector<double> repeat_cv_roc_auc, repeat_cv_pr_auc;  // each fit's cross-validation
  /// Weights of evidence of each classed layer (step or categorical transforms, record coverage):
  /// "layer" or "layer = class".
  std::vector<std::pair<std::string, kernels::WeightsOfEvidence>> weights_of_evidence;
  std::string fitted_toml;  // the scenario with the fitted weights, ready for `minerisk run`
  std::string design_csv;   // the training rows: the cell's row and column, each layer's transformed feature, the label
};

/// Fits the scenario's weights. Throws UserError for training data that cannot be fitted: no
/// positives, no negatives, a constant layer, a singular design.
FitResult fit_scenario(const Scenario& scenario, const FitOptions& options);

/// The result as JSON text (coefficient table, cross-validation, weights of evidence).
std::string fit_json(const FitResult& result);

/// The files `minerisk fit` writes: the fitted scenario, and optionally the JSON report, the
/// design's CSV and the portable model file (model_file.hpp). All are staged and committed
/// together, after the fit succeeded.
struct FitFiles {
  std::filesystem::path fitted, report, design, model, curves;  // curves: a PNG of the learned curves
};
FitResult fit_to_files(const Scenario& scenario, const FitOptions& options, const FitFiles& files);

}  // namespace minerisk
