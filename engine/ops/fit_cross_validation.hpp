#pragma once
// fit's spatial cross-validation: fit without each fold, predict it, pool the predictions.
#include <cmath>
#include <cstdint>
#include <vector>

#include "fit_cross_fitting.hpp"

namespace minerisk::fit_detail {

struct CrossValidation {
  int folds = 0;  // folds that held cells of both classes in training and some held-out cells
  double roc_auc = NAN, pr_auc = NAN;
  // The share of positives among the held-out cells scored: what a random ranking's PR-AUC is
  // (its ROC-AUC is 0.5), the baseline beside the figures.
  double positive_share = NAN;
};

/// Held-out rows keep their cross-fitted label layers (built without their own fold); the
/// training rows' are rebuilt without the held-out fold too, so nothing built from the held-out
/// land's labels reaches the fold's fit. Each fold standardises, learns its curves' knots and
/// fits on its own training rows. That costs a rebuild of the label layers per pair of folds.
CrossValidation cross_validate(const LabelLayers& labels, const Design& design, const std::vector<int64_t>& fold);

}  // namespace minerisk::fit_detail
