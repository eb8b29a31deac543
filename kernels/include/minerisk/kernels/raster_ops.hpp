#pragma once
// Small whole-window operations the pipeline needs between kernels.
#include <span>
#include <vector>

#include "minerisk/kernels/grid_frame.hpp"

namespace minerisk::kernels {

/// The cells of `window` out of a buffer holding `window.grown(halo)`.
std::vector<float> interior(std::span<const float> with_halo, const Window& window, int64_t halo);

/// Sets target[i] to NaN wherever mask[i] is NaN (no-data travels from a mask to a layer).
void propagate_nodata(std::span<const float> mask, std::span<float> target);

}  // namespace minerisk::kernels
