#include "fit_repeats.hpp"

#include <algorithm>

namespace minerisk::fit_detail {

namespace {

// The fits' coefficients combined: their median, and the covariance about it.
void combine(const std::vector<const kernels::LogisticFit*>& fits, kernels::LogisticFit& out) {
  std::vector<Eigen::VectorXd> coefficients;
  for (const kernels::LogisticFit* f : fits) coefficients.push_back(f->coefficients);
  out.coefficients = median_coefficients(coefficients);
  const Eigen::Index k = out.coefficients.size();
  out.covariance = Eigen::MatrixXd::Zero(k, k);
  for (const kernels::LogisticFit* f : fits) {
    const Eigen::VectorXd deviation = f->coefficients - out.coefficients;
    out.covariance += f->covariance + deviation * deviation.transpose();
  }
  out.covariance /= static_cast<double>(fits.size());
  out.standard_errors = out.covariance.diagonal().cwiseSqrt();
  out.log_likelihood = NAN;  // of no one design
  out.iterations = 0;
  for (const kernels::LogisticFit* f : fits) out.iterations = std::max(out.iterations, f->iterations);
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
    // numpy's median: the middle value, or the mean of the two middle values.
    median(j) = n % 2 ? values[n / 2] : 0.5 * (values[n / 2 - 1] + values[n / 2]);
  }
  return median;
}

StandardisedFit median_of_fits(const std::vector<StandardisedFit>& fits) {
  if (fits.size() == 1) return fits.front();
  StandardisedFit out = fits.front();
  std::vector<const kernels::LogisticFit*> original, standardised;
  for (const StandardisedFit& f : fits) original.push_back(&f.original), standardised.push_back(&f.standardised);
  combine(original, out.original);
  combine(standardised, out.standardised);
  return out;
}

}  // namespace minerisk::fit_detail
