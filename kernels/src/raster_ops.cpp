#include "minerisk/kernels/raster_ops.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <stdexcept>
#include <type_traits>

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

namespace {

// Whether `value` is one a T holds exactly (a double cast to an integer type out of its range
// is undefined, so the range is checked first).
template <class T>
bool holds(double value) {
  if (value != value) return false;
  if constexpr (std::is_integral_v<T>) {
    if (value < static_cast<double>(std::numeric_limits<T>::lowest()) ||
        value > static_cast<double>(std::numeric_limits<T>::max()))
      return false;
  }
  return static_cast<double>(static_cast<T>(value)) == value;
}

}  // namespace

template <class T>
void feature_mask(std::span<const T> values, std::span<const double> targets, std::span<uint8_t> mask,
                  std::optional<double> nodata) {
  if (mask.size() != values.size()) throw std::invalid_argument("feature_mask: sizes differ");
  const bool has_nodata = nodata && holds<T>(*nodata);
  const T stored_nodata = has_nodata ? static_cast<T>(*nodata) : T{};
  if (targets.empty()) {
    for (size_t i = 0; i < values.size(); ++i) {
      const T v = values[i];
      mask[i] = v != T{0} && v == v && !(has_nodata && v == stored_nodata);
    }
    return;
  }
  using Key = std::conditional_t<std::is_same_v<T, double>, double, float>;
  const std::vector<Key> wanted(targets.begin(), targets.end());
  for (size_t i = 0; i < values.size(); ++i) {
    const T v = values[i];
    mask[i] = !(has_nodata && v == stored_nodata) &&
              std::find(wanted.begin(), wanted.end(), static_cast<Key>(v)) != wanted.end();
  }
}

template void feature_mask<float>(std::span<const float>, std::span<const double>, std::span<uint8_t>,
                                  std::optional<double>);
template void feature_mask<uint8_t>(std::span<const uint8_t>, std::span<const double>, std::span<uint8_t>,
                                    std::optional<double>);
template void feature_mask<double>(std::span<const double>, std::span<const double>, std::span<uint8_t>,
                                   std::optional<double>);

void gather(std::span<const float> values, std::span<const int64_t> index, std::span<float> out) {
  if (index.size() != out.size()) throw std::invalid_argument("gather: sizes differ");
  for (size_t i = 0; i < index.size(); ++i) out[i] = index[i] < 0 ? NAN : values[static_cast<size_t>(index[i])];
}

namespace {

template <class T>
int64_t first_infinite_or_equal_of(std::span<const T> values, T equal) {
  // The fast pass: an OR over the whole window, which the compiler vectorises (a search that
  // stops at the first hit does not). NaN equals nothing, so NaN as `equal` checks infinities.
  unsigned found = 0;
  for (const T v : values) found |= static_cast<unsigned>(std::isinf(v)) | static_cast<unsigned>(v == equal);
  if (!found) return -1;
  for (size_t i = 0; i < values.size(); ++i)
    if (std::isinf(values[i]) || values[i] == equal) return static_cast<int64_t>(i);
  return -1;
}

}  // namespace

int64_t first_infinite_or_equal(std::span<const float> values, float equal) {
  return first_infinite_or_equal_of(values, equal);
}

int64_t first_infinite_or_equal(std::span<const double> values, double equal) {
  return first_infinite_or_equal_of(values, equal);
}

void clamp_distances(std::span<float> distance, double cap) {
  const float limit = static_cast<float>(cap);
  for (float& d : distance) {
    if (std::isinf(d)) d = NAN;
    else if (d > limit) d = limit;
  }
}

}  // namespace minerisk::kernels
