#include "minerisk/kernels/combine.hpp"

#include <cmath>
#include <stdexcept>

namespace minerisk::kernels {

double logistic(double log_odds) {
  // Two forms so neither overflows: exp of a large positive number is never taken.
  if (log_odds >= 0) return 1.0 / (1.0 + std::exp(-log_odds));
  const double e = std::exp(log_odds);
  return e / (1.0 + e);
}

void combine_log_odds(double intercept, std::span<EvidenceLayer> layers, std::span<const float> cleared_pod,
                      std::span<float> clearance_contribution, std::span<float> probability) {
  const size_t n = probability.size();
  for (const EvidenceLayer& layer : layers)
    if (layer.feature.size() != n || layer.contribution.size() != n)
      throw std::invalid_argument("combine_log_odds: layer sizes differ from the output");
  if (!cleared_pod.empty() && cleared_pod.size() != n)
    throw std::invalid_argument("combine_log_odds: clearance size differs from the output");
  if (!clearance_contribution.empty() && clearance_contribution.size() != n)
    throw std::invalid_argument("combine_log_odds: clearance contribution size differs from the output");

  for (size_t i = 0; i < n; ++i) {
    double log_odds = intercept;
    for (EvidenceLayer& layer : layers) {
      const double c = layer.weight * layer.transform.apply(layer.feature[i]);
      layer.contribution[i] = static_cast<float>(c);
      log_odds += c;
    }
    if (!cleared_pod.empty()) {
      const double update = std::log1p(-static_cast<double>(cleared_pod[i]));  // log(1 - POD), -inf at POD 1
      if (!clearance_contribution.empty()) clearance_contribution[i] = static_cast<float>(update);
      log_odds += update;
    }
    probability[i] = std::isnan(log_odds) ? NAN : static_cast<float>(logistic(log_odds));
  }
}

}  // namespace minerisk::kernels
