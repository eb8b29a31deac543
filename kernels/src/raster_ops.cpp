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

}  // namespace minerisk::kernels
