#pragma once
// Small whole-window operations the pipeline needs between kernels.
#include <cstdint>
#include <span>
#include <vector>

#include "minerisk/kernels/grid_frame.hpp"

namespace minerisk::kernels {

/// The cells of `window` out of a buffer holding `window.grown(halo)`.
std::vector<float> interior(std::span<const float> with_halo, const Window& window, int64_t halo);

/// Sets target[i] to NaN wherever mask[i] is NaN (no-data travels from a mask to a layer).
void propagate_nodata(std::span<const float> mask, std::span<float> target);

/// 1 where a cell is a feature, else 0: with `targets` empty, any value other than 0 and NaN;
/// otherwise exactly the values listed (as gdal_proximity -values). Into `mask`, of the same size.
void feature_mask(std::span<const float> values, std::span<const double> targets, std::span<uint8_t> mask);

/// out[i] = values[index[i]], NaN where the index is negative (no such cell).
void gather(std::span<const float> values, std::span<const int64_t> index, std::span<float> out);

/// Values beyond `cap` become `cap`; infinity (no feature at all) becomes NaN (no-data).
void clamp_distances(std::span<float> distance, double cap);

}  // namespace minerisk::kernels
