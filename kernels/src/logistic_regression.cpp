#include "minerisk/kernels/logistic_regression.hpp"

#include <cmath>
#include <stdexcept>

namespace minerisk::kernels {

LogisticFit fit_logistic_l2(const Eigen::MatrixXd& X, const Eigen::VectorXd& y, double l2, int max_iterations,
                            double tolerance) {
  const Eigen::Index n = X.rows(), k = X.cols() + 1;
  if (y.size() != n) throw std::invalid_argument("fit_logistic_l2: X and y differ in length");
  Eigen::MatrixXd A(n, k);  // the design with a column of ones for the intercept
  A.col(0).setOnes();
  A.rightCols(k - 1) = X;
  Eigen::VectorXd penalty = Eigen::VectorXd::Constant(k, l2);
  penalty(0) = 0.0;

  LogisticFit fit;
  Eigen::VectorXd beta = Eigen::VectorXd::Zero(k);
  Eigen::MatrixXd H(k, k);
  for (fit.iterations = 1; fit.iterations <= max_iterations; ++fit.iterations) {
    const Eigen::VectorXd eta = A * beta;
    const Eigen::VectorXd p = eta.unaryExpr([](double e) { return 1.0 / (1.0 + std::exp(-e)); });
    const Eigen::VectorXd w = p.array() * (1.0 - p.array());
    const Eigen::VectorXd gradient = A.transpose() * (p - y) + penalty.cwiseProduct(beta);
    H = A.transpose() * w.asDiagonal() * A;
    H.diagonal() += penalty;
    const Eigen::LDLT<Eigen::MatrixXd> ldlt(H);
    if (ldlt.info() != Eigen::Success || !ldlt.isPositive() || ldlt.vectorD().minCoeff() <= 1e-12 * ldlt.vectorD().maxCoeff())
      throw std::domain_error("the design matrix is singular (a constant or collinear layer)");
    const Eigen::VectorXd step = ldlt.solve(gradient);
    beta -= step;
    if (!beta.allFinite()) throw std::domain_error("Newton's method diverged (the classes may be separable)");
    if (step.cwiseAbs().maxCoeff() < tolerance * (1.0 + beta.cwiseAbs().maxCoeff())) break;
  }
  if (fit.iterations > max_iterations) throw std::domain_error("Newton's method did not converge");
  const Eigen::VectorXd eta = A * beta;
  double ll = 0;
  for (Eigen::Index i = 0; i < n; ++i) {
    // log p = -log(1 + e^-eta), log(1 - p) = -log(1 + e^eta), both computed without overflow.
    const double e = eta(i);
    const double log_p = e >= 0 ? -std::log1p(std::exp(-e)) : e - std::log1p(std::exp(e));
    const double log_q = log_p - e;
    ll += y(i) * log_p + (1.0 - y(i)) * log_q;
  }
  fit.coefficients = beta;
  fit.covariance = H.inverse();
  fit.standard_errors = fit.covariance.diagonal().cwiseSqrt();
  fit.log_likelihood = ll;
  return fit;
}

WeightsOfEvidence weights_of_evidence(double n_bd, double n_b_not_d, double n_not_b_d, double n_not_b_not_d) {
  if (n_bd <= 0 || n_b_not_d <= 0 || n_not_b_d <= 0 || n_not_b_not_d <= 0)
    throw std::domain_error("weights of evidence need every one of the four counts above zero");
  WeightsOfEvidence w{};
  const double d = n_bd + n_not_b_d, not_d = n_b_not_d + n_not_b_not_d;
  w.w_plus = std::log((n_bd / d) / (n_b_not_d / not_d));
  w.w_minus = std::log((n_not_b_d / d) / (n_not_b_not_d / not_d));
  w.contrast = w.w_plus - w.w_minus;
  w.contrast_sd = std::sqrt(1 / n_bd + 1 / n_b_not_d + 1 / n_not_b_d + 1 / n_not_b_not_d);
  w.studentised = w.contrast / w.contrast_sd;
  w.n_bd = n_bd, w.n_b_not_d = n_b_not_d, w.n_not_b_d = n_not_b_d, w.n_not_b_not_d = n_not_b_not_d;
  return w;
}

}  // namespace minerisk::kernels
