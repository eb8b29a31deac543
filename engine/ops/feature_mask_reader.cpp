#include "feature_mask_reader.hpp"

#include <algorithm>
#include <limits>
#include <stdexcept>
#include <type_traits>

#include "minerisk/kernels/raster_ops.hpp"

namespace minerisk::ops {

FeatureMaskReader::FeatureMaskReader(const RasterSource& source, std::vector<double> targets)
    : source_(source), targets_(std::move(targets)) {
  if (!source.aligned()) throw std::logic_error("FeatureMaskReader: the mask must define the grid");
  if (source.scaled()) return;  // a feature is a scaled value other than 0: floats, as read() gives
  switch (source.stored_type()) {
    case GDT_Byte:
      stored_ = Stored::bytes;
      break;
    case GDT_Int32:
    case GDT_UInt32:
    case GDT_Int64:
    case GDT_UInt64:
    case GDT_Float64:
      stored_ = Stored::doubles;
      break;
    default:
      break;  // float32 holds every value of the other types exactly
  }
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

// The rule of kernels::feature_mask, on the stored values: no-data is never a feature (a no-data
// value the type cannot hold matches no cell); then any value but 0 and NaN, or a target. Bytes
// meet the targets as floats, as they did when read as floats; doubles meet them as doubles.
template <class T>
void FeatureMaskReader::flag(std::span<const T> values, std::span<uint8_t> flags) const {
  const bool nodata_fits = source_.has_nodata() && holds<T>(source_.nodata());
  const T nodata = nodata_fits ? static_cast<T>(source_.nodata()) : T{};
  if (targets_.empty()) {
    for (size_t i = 0; i < values.size(); ++i) {
      const T v = values[i];
      flags[i] = v != T{0} && v == v && !(nodata_fits && v == nodata);
    }
    return;
  }
  using Key = std::conditional_t<std::is_same_v<T, double>, double, float>;
  const std::vector<Key> wanted(targets_.begin(), targets_.end());
  for (size_t i = 0; i < values.size(); ++i) {
    const T v = values[i];
    flags[i] = !(nodata_fits && v == nodata) &&
               std::find(wanted.begin(), wanted.end(), static_cast<Key>(v)) != wanted.end();
  }
}

void FeatureMaskReader::read(const kernels::Window& window, std::span<uint8_t> flags) const {
  const auto cells = static_cast<size_t>(window.cells());
  if (flags.size() != cells) throw std::invalid_argument("FeatureMaskReader: sizes differ");
  switch (stored_) {
    case Stored::bytes: {
      std::vector<uint8_t> values(cells);
      source_.read_stored(window, GDT_Byte, values.data());
      return flag<uint8_t>(values, flags);
    }
    case Stored::doubles: {
      std::vector<double> values(cells);
      source_.read_stored(window, GDT_Float64, values.data());
      return flag<double>(values, flags);
    }
    case Stored::floats:
      return kernels::feature_mask(source_.read(window), targets_, flags);
  }
}

}  // namespace minerisk::ops
