#pragma once
// Small whole-window operations the pipeline needs between kernels.
#include <cmath>
#include <cstdint>
#include <optional>
#include <span>
#include <vector>

#include "minerisk/kernels/grid_frame.hpp"

namespace minerisk::kernels {

/// The cells of `window` out of a buffer holding `window.grown(halo)`.
std::vector<float> interior(std::span<const float> with_halo, const Window& window, int64_t halo);

/// Sets target[i] to NaN wherever mask[i] is NaN (no-data travels from a mask to a layer).
void propagate_nodata(std::span<const float> mask, std::span<float> target);

/// 1 where a cell is a feature, else 0, into `mask` (of the same size): a cell equal to `nodata`
/// (when given and a T holds it exactly) never is; otherwise, with `targets` empty, any value
/// other than 0 and NaN, else exactly one of the values listed (as gdal_proximity -values),
/// compared as doubles for double values and as floats for the others. For values as a file
/// stores them: T is float, uint8_t or double.
template <class T>
void feature_mask(std::span<const T> values, std::span<const double> targets, std::span<uint8_t> mask,
                  std::optional<double> nodata = std::nullopt);

/// out[i] = values[index[i]], NaN where the index is negative (no such cell).
void gather(std::span<const float> values, std::span<const int64_t> index, std::span<float> out);

/// The index of the first value that is infinite or equal to `equal` (NaN: none is), or -1.
/// A branch-free pass first (vectorised), so a window with none costs a read of it.
int64_t first_infinite_or_equal(std::span<const float> values, float equal = NAN);
/// The same for doubles, checked as stored (1e300 is finite here; as float32 it would be inf).
int64_t first_infinite_or_equal(std::span<const double> values, double equal = NAN);

/// Values beyond `cap` become `cap`; infinity (no feature at all) becomes NaN (no-data).
void clamp_distances(std::span<float> distance, double cap);

}  // namespace minerisk::kernels
