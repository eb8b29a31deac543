#pragma once
// Private to the engine's writers: CF packing (CF 8.1) of float32 values into int16 with a
// `scale_factor`, for the run's evidence layers. A reader that applies the CF attributes
// (xarray, netCDF4, GDAL's GetScale) gets value = stored * scale_factor back, to within half a
// step; no-data is the int16 _FillValue.
#include <cmath>
#include <cstdint>
#include <span>
#include <vector>

namespace minerisk::cf_packing {

constexpr int16_t kFill = -32768;  // no-data (NaN)
constexpr int16_t kLargest = 32767;  // the stored range is symmetric: -32767 to 32767 steps

/// The step nearest to value / scale (ties to even), saturated at +-32767 steps (infinities
/// included); NaN is the fill value. `scale` is the float32 the file declares.
inline int16_t pack(float value, float scale) {
  if (std::isnan(value)) return kFill;
  const double steps = static_cast<double>(value) / static_cast<double>(scale);
  if (steps >= kLargest) return kLargest;
  if (steps <= -kLargest) return -kLargest;
  return static_cast<int16_t>(std::nearbyint(steps));
}

/// Whether a finite value lies beyond the stored range (and is kept at its limit).
inline bool clipped(float value, float scale) {
  return std::isfinite(value) && std::abs(static_cast<double>(value) / static_cast<double>(scale)) > kLargest + 0.5;
}

/// Every value packed, as pack(value, scale) does; `clipped_count` (if given) receives the
/// finite values beyond the range. Written without branches or library calls so that it
/// vectorises (a run packs five layers of every cell): the clamp first, then rounding to nearest
/// even by adding and subtracting 1.5 * 2^52 (exact for |steps| <= 32767 in the default
/// rounding mode, the same result as nearbyint), then the fill value for NaN.
inline std::vector<int16_t> pack(std::span<const float> values, float scale, int64_t* clipped_count = nullptr) {
  constexpr double kRound = 6755399441055744.0;  // 1.5 * 2^52
  const auto step = static_cast<double>(scale);
  std::vector<int16_t> out(values.size());
  int64_t beyond = 0;
  for (std::size_t i = 0; i < values.size(); ++i) {
    const float v = values[i];
    const double steps = static_cast<double>(v) / step;
    const double bounded = steps < -kLargest ? -kLargest : (steps > kLargest ? kLargest : steps);  // NaN stays NaN
    const double rounded = (bounded + kRound) - kRound;
    const bool nan = v != v;
    const bool finite = v - v == 0.0f;  // neither NaN nor infinite
    const auto whole = static_cast<int32_t>(nan ? 0.0 : rounded);  // selects, not branches: vectorised
    out[i] = static_cast<int16_t>(nan ? int32_t{kFill} : whole);
    beyond += (finite & ((steps > kLargest + 0.5) | (steps < -kLargest - 0.5))) ? 1 : 0;
  }
  if (clipped_count) *clipped_count = beyond;
  return out;
}

}  // namespace minerisk::cf_packing
