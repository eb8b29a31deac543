#pragma once
// Private to the proximity tool: the feature cells of a raster mask, read a window at a time.
#include <cstdint>
#include <span>
#include <vector>

#include "minerisk/engine/raster_source.hpp"

namespace minerisk::ops {

/// 1 where a cell of the mask is a feature, else 0: any value other than 0 (and NaN) that is not
/// no-data, or, with `targets`, exactly one of them (as gdal_proximity -values). The values are
/// compared as the file stores them: a Byte mask as bytes (a quarter of the memory traffic of
/// floats, and no conversion), a type that float32 cannot hold exactly (Int32, UInt32, Float64,
/// 64-bit integers) as doubles, so 16777217 is not 16777216 and 1e-50 is not 0. Other types,
/// and a mask with a scale or an offset, are read as floats by RasterSource::read.
class FeatureMaskReader {
 public:
  /// `source`: the mask on its own grid (the grid is made from it); it must outlive the reader.
  FeatureMaskReader(const RasterSource& source, std::vector<double> targets);
  /// The flags of `window` (inside the grid), row-major. Thread-safe.
  void read(const kernels::Window& window, std::span<uint8_t> flags) const;

 private:
  enum class Stored { bytes, doubles, floats };

  const RasterSource& source_;
  std::vector<double> targets_;
  Stored stored_ = Stored::floats;
};

}  // namespace minerisk::ops
