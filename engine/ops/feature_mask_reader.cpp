#include "feature_mask_reader.hpp"

#include <algorithm>
#include <cmath>
#include <optional>
#include <stdexcept>

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

void FeatureMaskReader::read(const kernels::Window& window, std::span<uint8_t> flags) const {
  const auto cells = static_cast<size_t>(window.cells());
  const std::optional<double> nodata = source_.has_nodata() ? std::optional(source_.nodata()) : std::nullopt;
  switch (stored_) {
    case Stored::bytes: {
      std::vector<uint8_t> values(cells);
      source_.read_stored(window, GDT_Byte, values.data());
      return kernels::feature_mask<uint8_t>(values, targets_, flags, nodata);
    }
    case Stored::doubles: {
      std::vector<double> values(cells);
      source_.read_stored(window, GDT_Float64, values.data());
      // As read() refuses it: an infinity is no value to find (a Float64 mask held one).
      if (std::any_of(values.begin(), values.end(), [](double v) { return std::isinf(v); })) source_.refuse_infinity();
      return kernels::feature_mask<double>(values, targets_, flags, nodata);
    }
    case Stored::floats:  // read() has made no-data NaN already
      return kernels::feature_mask<float>(source_.read(window), targets_, flags);
  }
}

}  // namespace minerisk::ops
