#include "fit_standardised.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <numeric>

#include "minerisk/engine/errors.hpp"

namespace minerisk::fit_detail {

namespace {

// The unconstrained fit of the columns `active` of the standardised Z, spread back to every
// column (0 weight, variance and covariance for the others).
kernels::LogisticFit fit_columns(const Eigen::MatrixXd& Z, const Eigen::VectorXd& y, double l2,
                                 const std::vector<Eigen::Index>& active) {
  const kernels::LogisticFit part = kernels::fit_logistic_l2(Z(Eigen::all, active), y, l2);
  const Eigen::Index k = Z.cols();
  kernels::LogisticFit all = part;
  std::vector<Eigen::Index> at{0};  // intercept, then each active column's place
  for (Eigen::Index j : active) at.push_back(j + 1);
  all.coefficients = Eigen::VectorXd::Zero(k + 1);
  all.covariance = Eigen::MatrixXd::Zero(k + 1, k + 1);
  for (size_t a = 0; a < at.size(); ++a) {
    all.coefficients(at[a]) = part.coefficients(static_cast<Eigen::Index>(a));
    for (size_t b = 0; b < at.size(); ++b)
      all.covariance(at[a], at[b]) = part.covariance(static_cast<Eigen::Index>(a), static_cast<Eigen::Index>(b));
  }
  all.standard_errors = all.covariance.diagonal().cwiseSqrt();
  return all;
}

}  // namespace

StandardisedFit fit_standardised(const Eigen::MatrixXd& X, const Eigen::VectorXd& y, double l2,
                                 const std::vector<int>& signs) {
  StandardisedFit f;
  const auto n = static_cast<double>(X.rows());
  f.mean = X.colwise().mean().transpose();
  f.sd.resize(X.cols());
  for (Eigen::Index j = 0; j < X.cols(); ++j) {
    const double sd = std::sqrt((X.col(j).array() - f.mean(j)).square().sum() / n);  // population sd, as StandardScaler
    f.sd(j) = sd > 0 ? sd : 1.0;
  }
  const Eigen::MatrixXd Z = (X.rowwise() - f.mean.transpose()).array().rowwise() / f.sd.transpose().array();
  std::vector<Eigen::Index> active(static_cast<size_t>(X.cols()));
  for (Eigen::Index j = 0; j < X.cols(); ++j) active[static_cast<size_t>(j)] = j;
  const auto sign_of = [&](Eigen::Index j) { return signs.empty() ? 0 : signs[static_cast<size_t>(j)]; };
  // Active set: drop the columns whose weight goes against their sign and refit; then bring
  // back any dropped column whose weight, moved from 0 in its allowed direction, would raise the
  // penalised likelihood (its gradient there points that way); until neither happens.
  for (Eigen::Index round = 0; round <= 2 * X.cols() + 2; ++round) {
    f.standardised = fit_columns(Z, y, l2, active);
    std::vector<Eigen::Index> kept;
    for (Eigen::Index j : active)
      if (sign_of(j) * f.standardised.coefficients(j + 1) >= 0) kept.push_back(j);
    if (kept.size() != active.size()) {
      active = std::move(kept);
      continue;
    }
    const Eigen::VectorXd eta = (Z * f.standardised.coefficients.tail(X.cols())).array() + f.standardised.coefficients(0);
    const Eigen::VectorXd residual = y.array() - 1.0 / (1.0 + (-eta.array()).exp());
    bool added = false;
    for (Eigen::Index j = 0; j < X.cols(); ++j)
      if (std::find(active.begin(), active.end(), j) == active.end() && sign_of(j) * Z.col(j).dot(residual) > 0)
        active.push_back(j), added = true;
    if (!added) break;
    std::sort(active.begin(), active.end());
  }
  // beta = A beta', with A the linear map from standardised to original coefficients.
  const Eigen::Index k = X.cols();
  Eigen::MatrixXd A = Eigen::MatrixXd::Identity(k + 1, k + 1);
  for (Eigen::Index j = 0; j < k; ++j) {
    A(0, j + 1) = -f.mean(j) / f.sd(j);
    A(j + 1, j + 1) = 1.0 / f.sd(j);
  }
  f.original = f.standardised;
  f.original.coefficients = A * f.standardised.coefficients;
  f.original.covariance = A * f.standardised.covariance * A.transpose();
  f.original.standard_errors = f.original.covariance.diagonal().cwiseSqrt();
  return f;
}

namespace {

// How the positives' range of values sits against the negatives': 2 apart (no overlap), 1
// touching at one value, 0 overlapping.
int apart(const Eigen::VectorXd& v, const Eigen::VectorXd& y) {
  double pos_lo = INFINITY, pos_hi = -INFINITY, neg_lo = INFINITY, neg_hi = -INFINITY;
  for (Eigen::Index i = 0; i < v.size(); ++i) {
    if (y(i) > 0) pos_lo = std::min(pos_lo, v(i)), pos_hi = std::max(pos_hi, v(i));
    else neg_lo = std::min(neg_lo, v(i)), neg_hi = std::max(neg_hi, v(i));
  }
  if (pos_lo > neg_hi || neg_lo > pos_hi) return 2;
  if (pos_lo == neg_hi || neg_lo == pos_hi) return 1;
  return 0;
}

// Beyond this correlation two layers' weights are one effect split in two.
constexpr double kCollinear = 0.99;

// A learned curve's segment (a ramp, 0 below its knot and 1 above the next) often lies apart
// "but for ties" without meaning anything: separation is judged on whole layers.
bool is_curve_segment(const std::string& name) { return name.find(":segment ") != std::string::npos; }

// Why a fit failed, naming layers, when one reason explains it: a layer proportional to another
// over the training cells (their weights cannot be told apart), or a layer whose positives all
// lie beyond its negatives (its weight grows without bound, held back only by a penalty). "" otherwise.
std::string why_unfittable(const Eigen::MatrixXd& X, const Eigen::VectorXd& y, const std::vector<std::string>& names,
                           double l2) {
  // What to change: a penalty there is none of, or a larger one than the one too small to hold.
  const std::string raise_l2 = l2 > 0 ? "set [fit] l2 (--l2) larger than " + number_text(l2)
                                      : "set [fit] l2 (--l2) larger than 0";
  const Eigen::MatrixXd centred = X.rowwise() - X.colwise().mean();
  const Eigen::VectorXd norm = centred.colwise().norm();
  for (Eigen::Index b = 1; b < X.cols(); ++b)
    for (Eigen::Index a = 0; a < b; ++a) {
      if (!(norm(a) > 0) || !(norm(b) > 0)) continue;  // a constant layer is refused by name before the fit
      const double correlation = centred.col(a).dot(centred.col(b)) / (norm(a) * norm(b));
      if (std::abs(correlation) > 1 - 1e-9)
        return "layer '" + names[static_cast<size_t>(b)] + "' repeats '" + names[static_cast<size_t>(a)] +
               "' (over the training cells each is a multiple of the other, so their weights cannot be told "
               "apart); remove one, or " + raise_l2;
    }
  for (Eigen::Index j = 0; j < X.cols(); ++j)
    if (!is_curve_segment(names[static_cast<size_t>(j)]) && apart(X.col(j), y) == 2)
      return "layer '" + names[static_cast<size_t>(j)] + "' separates the training cells perfectly, so " +
             (l2 > 0 ? "its weight is held back only by a penalty too small to hold it" : "without a penalty its "
                                                                                         "weight grows without bound") +
             "; " + raise_l2 + ", or check whether the layer is built from the labels";
  return "";
}

}  // namespace

StandardisedFit fit_or_refuse(const Scenario& s, const Eigen::MatrixXd& X, const Eigen::VectorXd& y, double l2,
                              const std::vector<int>& signs, const std::vector<std::string>& names) {
  try {
    return fit_standardised(X, y, l2, signs);
  } catch (const std::domain_error& e) {
    const std::string why = why_unfittable(X, y, names, l2);
    throw UserError(s.file.string() + ": the model cannot be fitted: " +
                    (why.empty() ? std::string(e.what()) + "; remove a layer that repeats another, or set [fit] l2 "
                                                           "larger than 0"
                                 : why));
  }
}

std::vector<std::string> separation_warnings(const Eigen::MatrixXd& X, const Eigen::VectorXd& y,
                                             const std::vector<std::string>& names, const StandardisedFit& fit) {
  std::vector<std::string> warnings;
  // Two layers nearly proportional over the training cells: with a penalty the fit goes on, and
  // splits one effect between them, so neither weight's standard error or p-value reads alone.
  const Eigen::MatrixXd centred = X.rowwise() - X.colwise().mean();
  const Eigen::VectorXd norm = centred.colwise().norm();
  for (Eigen::Index b = 1; b < X.cols(); ++b)
    for (Eigen::Index a = 0; a < b; ++a) {
      if (is_curve_segment(names[static_cast<size_t>(a)]) || is_curve_segment(names[static_cast<size_t>(b)]) ||
          !(norm(a) > 0) || !(norm(b) > 0))
        continue;
      const double correlation = centred.col(a).dot(centred.col(b)) / (norm(a) * norm(b));
      if (std::abs(correlation) > kCollinear) {
        char r[16];
        std::snprintf(r, sizeof r, "%.4f", correlation);
        warnings.push_back("layers '" + names[static_cast<size_t>(a)] + "' and '" + names[static_cast<size_t>(b)] +
                           "' are nearly proportional over the training cells (correlation " + r +
                           "): their weights split one effect between them, and neither's standard error or p-value "
                           "reads alone; remove one");
      }
    }
  for (Eigen::Index j = 0; j < X.cols(); ++j) {
    if (is_curve_segment(names[static_cast<size_t>(j)])) continue;
    const int a = apart(X.col(j), y);
    if (a == 2)
      warnings.push_back("layer '" + names[static_cast<size_t>(j)] +
                         "' separates the training cells perfectly: every positive lies beyond every negative, "
                         "so its weight is set by the L2 penalty, not by the data (is it built from the labels?)");
    else if (a == 1)
      warnings.push_back("layer '" + names[static_cast<size_t>(j)] +
                         "' separates the training cells but for ties at one value (quasi-separation)");
  }
  const Eigen::VectorXd eta = (X * fit.original.coefficients.tail(X.cols())).array() + fit.original.coefficients(0);
  const int together = apart(eta, y);
  if (together > 0 && warnings.empty()) {
    // Name the layers that carry the separating direction: the largest standardised weights.
    std::vector<Eigen::Index> order(static_cast<size_t>(X.cols()));
    std::iota(order.begin(), order.end(), 0);
    const auto w = fit.standardised.coefficients.tail(X.cols()).cwiseAbs();
    std::sort(order.begin(), order.end(), [&](Eigen::Index a, Eigen::Index b) { return w(a) > w(b); });
    std::string top;
    for (size_t i = 0; i < std::min<size_t>(3, order.size()); ++i)
      top += (i ? ", '" : "'") + names[static_cast<size_t>(order[i])] + "'";
    warnings.push_back(std::string("the layers together separate the training cells ") +
                       (together == 2 ? "perfectly" : "but for ties (quasi-separation)") +
                       ": the fitted weights are set by the L2 penalty, not by the data; the largest are " + top);
  }
  return warnings;
}

}  // namespace minerisk::fit_detail
