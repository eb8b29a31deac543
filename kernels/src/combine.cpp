#include "minerisk/kernels/combine.hpp"

#include <algorithm>
#include <cmath>
#include <stdexcept>

#include "minerisk/kernels/fast_math.hpp"

namespace minerisk::kernels {
namespace {

// Cells per block: the block's log-odds (4 KiB of doubles) stay in the L1 cache while every
// layer is added in, so each input and output streams through memory once.
constexpr size_t kBlock = 512;

// log_odds[i] += weight * transform(feature[i]), and contribution[i] receives the term. One
// loop per transform so that each vectorises (the fast:: functions are branch-free). Terms are
// computed in single precision (they are stored as float) and summed in double.
void add_layer(const EvidenceLayer& layer, size_t first, size_t n, double* log_odds) {
  const float* x = layer.feature.data() + first;
  // No contribution span: the terms are only summed (a sweep needs the probability alone).
  float* out = layer.contribution.empty() ? nullptr : layer.contribution.data() + first;
  const double w = layer.weight;
  const Transform& t = layer.transform;
  auto emit = [&](size_t i, double term) {
    if (out) out[i] = static_cast<float>(term);  // loop-invariant: the compiler unswitches it
    log_odds[i] += term;
  };
  switch (t.kind) {
    case TransformKind::linear:
      for (size_t i = 0; i < n; ++i) emit(i, w * static_cast<double>(x[i]));
      return;
    case TransformKind::log1p: {
      const auto wf = static_cast<float>(w);
      for (size_t i = 0; i < n; ++i) emit(i, wf * fast::log1pf(x[i]));
      return;
    }
    case TransformKind::exp_decay: {
      const auto wf = static_cast<float>(w), inv_length = static_cast<float>(1.0 / t.length);
      for (size_t i = 0; i < n; ++i) emit(i, wf * fast::expf(-x[i] * inv_length));
      return;
    }
    case TransformKind::gaussian: {
      const auto wf = static_cast<float>(w), centre = static_cast<float>(t.centre);
      const auto inv_width = static_cast<float>(1.0 / t.width);
      for (size_t i = 0; i < n; ++i) {
        const float z = (x[i] - centre) * inv_width;
        emit(i, wf * fast::expf(-0.5f * z * z));
      }
      return;
    }
    case TransformKind::step:
      for (size_t i = 0; i < n; ++i) {
        const double v = x[i];
        emit(i, v != v ? v : (v >= t.threshold ? w : 0.0));
      }
      return;
    case TransformKind::piecewise:
    case TransformKind::categorical:
      for (size_t i = 0; i < n; ++i) emit(i, w * t.apply(x[i]));
      return;
  }
}

}  // namespace

double logistic(double log_odds) { return fast::logistic(log_odds); }

void combine_log_odds(double intercept, std::span<EvidenceLayer> layers, std::span<const float> cleared_pod,
                      std::span<float> clearance_contribution, std::span<float> probability) {
  const size_t n = probability.size();
  for (const EvidenceLayer& layer : layers)
    if (layer.feature.size() != n || (!layer.contribution.empty() && layer.contribution.size() != n))
      throw std::invalid_argument("combine_log_odds: layer sizes differ from the output");
  if (!cleared_pod.empty() && cleared_pod.size() != n)
    throw std::invalid_argument("combine_log_odds: clearance size differs from the output");
  if (!clearance_contribution.empty() && clearance_contribution.size() != n)
    throw std::invalid_argument("combine_log_odds: clearance contribution size differs from the output");

  double log_odds[kBlock];
  for (size_t first = 0; first < n; first += kBlock) {
    const size_t m = std::min(kBlock, n - first);
    std::fill(log_odds, log_odds + m, intercept);
    for (const EvidenceLayer& layer : layers) add_layer(layer, first, m, log_odds);
    if (!cleared_pod.empty()) {
      const float* pod = cleared_pod.data() + first;
      float update[kBlock];
      for (size_t i = 0; i < m; ++i) update[i] = fast::log1pf(-pod[i]);  // log(1 - POD), -inf at POD 1
      for (size_t i = 0; i < m; ++i) log_odds[i] += update[i];
      if (!clearance_contribution.empty())
        for (size_t i = 0; i < m; ++i) clearance_contribution[first + i] = update[i];
    }
    float* p = probability.data() + first;
    for (size_t i = 0; i < m; ++i) p[i] = fast::logisticf(log_odds[i]);
  }
}

}  // namespace minerisk::kernels
