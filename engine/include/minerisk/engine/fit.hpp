#pragma once
// `minerisk fit`: the weights of a scenario's evidence layers calibrated on finds and cleared
// land (or a label raster), by L2-regularised logistic regression, with spatial block
// cross-validation and weights of evidence.
#include <atomic>
#include <optional>
#include <string>
#include <vector>

#include "minerisk/engine/scenario.hpp"
#include "minerisk/kernels/logistic_regression.hpp"

namespace minerisk {

struct FitOptions {
  FitSpec spec;  // the scenario's [fit], with the command line's overrides
  int threads = 0;
  int64_t tile_size = 512;  // the design is built tile by tile
  bool quiet = false;
  const std::atomic<bool>* cancel = nullptr;
};

struct Coefficient {
  std::string name;  // "intercept" or the evidence layer's
  double weight = 0, standard_error = 0, z = 0, p_value = 0;
};

struct FitResult {
  std::vector<Coefficient> coefficients;  // the intercept first
  std::vector<std::vector<double>> covariance;  // of the coefficients, in the same order
  int64_t positives = 0, negatives = 0;
  int folds = 0;                          // cross-validation folds used (0: none)
  double cv_roc_auc = NAN, cv_pr_auc = NAN;  // pooled over the held-out folds
  /// Weights of evidence of each classed layer (step or categorical transforms, record coverage):
  /// "layer" or "layer = class".
  std::vector<std::pair<std::string, kernels::WeightsOfEvidence>> weights_of_evidence;
  std::string fitted_toml;  // the scenario with the fitted weights, ready for `minerisk run`
  std::string design_csv;   // the training rows: each layer's transformed feature, then the label
};

/// Fits the scenario's weights. Throws UserError for training data that cannot be fitted: no
/// positives, no negatives, a constant layer, a singular design.
FitResult fit_scenario(const Scenario& scenario, const FitOptions& options);

/// The result as JSON text (coefficient table, cross-validation, weights of evidence).
std::string fit_json(const FitResult& result);

}  // namespace minerisk
