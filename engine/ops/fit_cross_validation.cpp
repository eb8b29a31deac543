#include "fit_cross_validation.hpp"

#include "fit_curves.hpp"
#include "fit_standardised.hpp"
#include "minerisk/engine/errors.hpp"
#include "minerisk/kernels/metrics.hpp"

namespace minerisk::fit_detail {

CrossValidation cross_validate(const LabelLayers& labels, const Design& design, const std::vector<int64_t>& fold) {
  const Scenario& s = labels.scenario;
  const FitSpec& spec = labels.options.spec;
  CrossValidation cv;
  std::vector<kernels::ScoredCell> pooled;
  const std::vector<std::vector<Eigen::Index>> rows = rows_by_fold(fold, labels.folds.count());
  for (int64_t f = 0; f < labels.folds.count(); ++f) {
    const std::vector<Eigen::Index>& test = rows[static_cast<size_t>(f)];
    if (test.empty()) continue;
    std::vector<Eigen::Index> train;
    for (size_t i = 0; i < fold.size(); ++i)
      if (fold[i] != f) train.push_back(static_cast<Eigen::Index>(i));
    Design d = design;
    cross_fit(labels, fold, f, d);
    const Eigen::VectorXd ytrain = d.y(train);
    if (ytrain.sum() == 0 || ytrain.sum() == static_cast<double>(ytrain.size())) continue;
    const Eigen::MatrixXd raw_train = d.raw(train, Eigen::all);
    const Knots knots = choose_knots(s, raw_train, spec.knots);
    const Eigen::MatrixXd columns = curve_columns(d.X(train, Eigen::all), raw_train, knots);
    StandardisedFit fit;
    try {
      fit = fit_standardised(columns, ytrain, spec.l2, curve_column_signs(s, knots));
    } catch (const std::domain_error& e) {
      // The whole design fitted, so a fold's failure is the fold's: fewer rows, often separable.
      throw UserError(s.file.string() + ": cross-validation fold " + std::to_string(f + 1) + " of " +
                      labels.folds.description() + " cannot be fitted without its held-out land (" + e.what() +
                      "); its training cells may be separable: set [fit] l2 (--l2) larger than 0, or use fewer folds");
    }
    const Eigen::VectorXd& w = fit.original.coefficients;
    const Eigen::MatrixXd held = curve_columns(d.X(test, Eigen::all), d.raw(test, Eigen::all), knots);
    for (Eigen::Index t = 0; t < held.rows(); ++t) {
      const double eta = w(0) + held.row(t).dot(w.tail(w.size() - 1));
      pooled.push_back({1.0 / (1.0 + std::exp(-eta)), d.y(test[static_cast<size_t>(t)])});
    }
    ++cv.folds;
  }
  if (cv.folds == 0) return cv;
  const double none[1] = {0.1};
  try {
    const kernels::RankingMetrics m = kernels::ranking_metrics(pooled, none);
    cv.roc_auc = m.roc_auc;
    cv.pr_auc = m.average_precision;
    cv.positive_share = static_cast<double>(m.positives) / static_cast<double>(pooled.size());
  } catch (const std::invalid_argument&) {
    cv.folds = 0;  // the held-out cells held one class only
  }
  return cv;
}

}  // namespace minerisk::fit_detail
