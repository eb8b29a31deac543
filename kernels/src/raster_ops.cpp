#include "minerisk/kernels/raster_ops.hpp"

#include <algorithm>
#include <cmath>
#include <stdexcept>

namespace minerisk::kernels {

std::vector<float> interior(std::span<const float> with_halo, const Window& w, int64_t halo) {
  const int64_t stride = w.width + 2 * halo;
  if (static_cast<int64_t>(with_halo.size()) != stride * (w.height + 2 * halo))
    throw std::invalid_argument("interior: buffer size does not match the window and halo");
  std::vector<float> out(static_cast<size_t>(w.cells()));
  for (int64_t r = 0; r < w.height; ++r) {
    const float* src = with_halo.data() + (r + halo) * stride + halo;
    std::copy(src, src + w.width, out.data() + r * w.width);
  }
  return out;
}

void propagate_nodata(std::span<const float> mask, std::span<float> target) {
  if (mask.size() != target.size()) throw std::invalid_argument("propagate_nodata: sizes differ");
  for (size_t i = 0; i < mask.size(); ++i)
    if (std::isnan(mask[i])) target[i] = NAN;
}

void feature_mask(std::span<const float> values, std::span<const double> targets, std::span<uint8_t> mask) {
  if (mask.size() != values.size()) throw std::invalid_argument("feature_mask: sizes differ");
  if (targets.empty()) {
    for (size_t i = 0; i < values.size(); ++i) mask[i] = values[i] != 0.0f && !std::isnan(values[i]);
    return;
  }
  std::vector<float> wanted(targets.begin(), targets.end());
  for (size_t i = 0; i < values.size(); ++i)
    mask[i] = std::find(wanted.begin(), wanted.end(), values[i]) != wanted.end();
}

void gather(std::span<const float> values, std::span<const int64_t> index, std::span<float> out) {
  if (index.size() != out.size()) throw std::invalid_argument("gather: sizes differ");
  for (size_t i = 0; i < index.size(); ++i) out[i] = index[i] < 0 ? NAN : values[static_cast<size_t>(index[i])];
}

void clamp_distances(std::span<float> distance, double cap) {
  const float limit = static_cast<float>(cap);
  for (float& d : distance) {
    if (std::isinf(d)) d = NAN;
    else if (d > limit) d = limit;
  }
}

}  // namespace minerisk::kernels
