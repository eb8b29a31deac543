#include "fit_repeats.hpp"

#include <algorithm>
#include <cmath>

namespace minerisk::fit_detail {

namespace {

// The map from coefficients (intercept first) to what the fits are compared by: each curve's
// ramps by their running sum (the curve's height at each knot), every other coefficient as it is.
Eigen::MatrixXd comparison_basis(Eigen::Index size, const Knots& knots) {
  Eigen::MatrixXd to_heights = Eigen::MatrixXd::Identity(size, size);
  Eigen::Index c = 1;  // past the intercept
  for (const std::vector<double>& curve : knots) {
    if (curve.empty()) {
      ++c;
      continue;
    }
    const auto ramps = static_cast<Eigen::Index>(curve.size()) - 1;
    for (Eigen::Index i = 0; i < ramps; ++i)
      for (Eigen::Index k = 0; k <= i; ++k) to_heights(c + i, c + k) = 1.0;
    c += ramps;
  }
  return to_heights;
}

}  // namespace

Eigen::VectorXd median_coefficients(const std::vector<Eigen::VectorXd>& coefficients) {
  const Eigen::Index k = coefficients.front().size();
  Eigen::VectorXd median(k);
  std::vector<double> values(coefficients.size());
  for (Eigen::Index j = 0; j < k; ++j) {
    for (size_t r = 0; r < coefficients.size(); ++r) values[r] = coefficients[r](j);
    std::sort(values.begin(), values.end());
    const size_t n = values.size();
    median(j) = n % 2 ? values[n / 2] : 0.5 * (values[n / 2 - 1] + values[n / 2]);
  }
  return median;
}

StandardisedFit median_of_fits(const std::vector<StandardisedFit>& fits, const Knots& knots) {
  if (fits.size() == 1) return fits.front();
  StandardisedFit out = fits.front();
  const Eigen::Index k = out.original.coefficients.size();
  const Eigen::MatrixXd to_heights = comparison_basis(k, knots);
  const Eigen::MatrixXd from_heights = to_heights.inverse();  // unit lower triangular: exact differences

  std::vector<Eigen::VectorXd> heights;
  for (const StandardisedFit& f : fits) heights.push_back(to_heights * f.original.coefficients);
  const Eigen::VectorXd median = median_coefficients(heights);
  Eigen::MatrixXd covariance = Eigen::MatrixXd::Zero(k, k);
  for (size_t r = 0; r < fits.size(); ++r) {
    const Eigen::VectorXd deviation = heights[r] - median;
    covariance += to_heights * fits[r].original.covariance * to_heights.transpose() + deviation * deviation.transpose();
  }
  covariance /= static_cast<double>(fits.size());
  out.original.coefficients = from_heights * median;
  out.original.covariance = from_heights * covariance * from_heights.transpose();
  out.original.standard_errors = out.original.covariance.diagonal().cwiseSqrt();
  out.original.log_likelihood = NAN;  // of no one design
  for (const StandardisedFit& f : fits) out.original.iterations = std::max(out.original.iterations, f.original.iterations);

  // The standardised scale of the first fit: b' = b + sum_j w_j mean_j, w'_j = w_j sd_j (the
  // inverse of fit_standardised's map back to the layers' scale).
  Eigen::MatrixXd to_standardised = Eigen::MatrixXd::Identity(k, k);
  for (Eigen::Index j = 1; j < k; ++j) {
    to_standardised(0, j) = out.mean(j - 1);
    to_standardised(j, j) = out.sd(j - 1);
  }
  out.standardised = out.original;
  out.standardised.coefficients = to_standardised * out.original.coefficients;
  out.standardised.covariance = to_standardised * out.original.covariance * to_standardised.transpose();
  out.standardised.standard_errors = out.standardised.covariance.diagonal().cwiseSqrt();
  return out;
}

}  // namespace minerisk::fit_detail
