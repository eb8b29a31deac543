#pragma once
// The model's last step: weighted evidence to log-odds, to probability, then the Bayesian
// update for land already cleared.
#include <span>
#include <vector>

#include "minerisk/kernels/transforms.hpp"

namespace minerisk::kernels {

/// One evidence layer: a feature raster, its transform and its weight.
struct EvidenceLayer {
  std::span<const float> feature;
  Transform transform;
  double weight = 0.0;
  std::span<float> contribution;  // out: weight * transform(feature), in log-odds (empty: not kept)
};

/// Per cell:
///   L = intercept + sum_k weight_k * transform_k(feature_k)
///   p = 1 / (1 + exp(-L))
///   p' = p (1 - POD) / (1 - p POD)          (clearance with probability of detection POD)
/// The update is applied in log-odds, where it is exact and stable: logit(p') = L + log(1 - POD),
/// so several clearances of the same cell multiply their (1 - POD). `cleared_pod` may be empty
/// (nothing cleared). `clearance_contribution`, when not empty, receives log(1 - POD).
///
/// No-data: a NaN feature makes that layer's contribution and the probability NaN.
/// Sums are in double; outputs are float32.
void combine_log_odds(double intercept, std::span<EvidenceLayer> layers, std::span<const float> cleared_pod,
                      std::span<float> clearance_contribution, std::span<float> probability);

/// The logistic function, shared with tests and other callers.
double logistic(double log_odds);

}  // namespace minerisk::kernels
