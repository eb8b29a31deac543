#pragma once
// L2-regularised logistic regression by Newton's method (iteratively reweighted least squares),
// with standard errors, and the weights of evidence of a binary layer.
#include <Eigen/Dense>

namespace minerisk::kernels {

struct LogisticFit {
  Eigen::VectorXd coefficients;     // intercept first, then one per column of X
  Eigen::VectorXd standard_errors;  // from the inverse of the penalised Hessian at the optimum
  Eigen::MatrixXd covariance;       // that inverse: the coefficients' covariance
  double log_likelihood = 0;
  int iterations = 0;
};

/// Minimises  -sum_i [y_i log p_i + (1 - y_i) log(1 - p_i)] + l2 / 2 * |beta|^2,  with
/// p_i = logistic(intercept + X_i beta); the intercept is not penalised. This is the objective
/// of scikit-learn's LogisticRegression(penalty="l2", C=1/l2) with its default solver, so the
/// coefficients agree with it. Throws std::domain_error when the Hessian is singular (a
/// constant or collinear column without penalty) or Newton's method does not converge.
LogisticFit fit_logistic_l2(const Eigen::MatrixXd& X, const Eigen::VectorXd& y, double l2, int max_iterations = 100,
                            double tolerance = 1e-10);

/// Weights of evidence of a binary evidence layer B for deposits (positives) D, from counts:
/// W+ = ln(P(B|D) / P(B|not D)), W- = ln(P(not B|D) / P(not B|not D)), contrast C = W+ - W-,
/// its standard deviation s(C) = sqrt(1/n(B,D) + 1/n(B,not D) + 1/n(not B,D) + 1/n(not B,not D))
/// and the studentised contrast C / s(C) (Bonham-Carter 1994).
struct WeightsOfEvidence {
  double w_plus = 0, w_minus = 0, contrast = 0, contrast_sd = 0, studentised = 0;
  double n_bd = 0, n_b_not_d = 0, n_not_b_d = 0, n_not_b_not_d = 0;
};
WeightsOfEvidence weights_of_evidence(double n_bd, double n_b_not_d, double n_not_b_d, double n_not_b_not_d);

}  // namespace minerisk::kernels
