#pragma once
// The values a tool's float32 output would not hold as the numbers they are: one equal to the
// output's no-data value (a focal mean, or a nearest feature's value, of -9999 read back as no
// data) or an infinity (float32 overflowed: a sum or weights beyond 3.4e38). write_rasters
// refuses them; this finds the first, the same cell for any thread count and tile size.
#include <atomic>
#include <cstdint>
#include <limits>
#include <mutex>
#include <string>
#include <vector>

#include "minerisk/kernels/grid_frame.hpp"

namespace minerisk::ops {

class UnwritableValues {
 public:
  /// `names[k]` and `nodata[k]` are output k's description and no-data value (NaN: none can
  /// equal it); `option` is how the caller names --dst-nodata.
  UnwritableValues(std::vector<std::string> names, std::vector<double> nodata, int64_t grid_width, std::string option);

  /// Whether every cell of `tile` comes after the first unwritable value found so far, in
  /// row-major order over the grid: such a tile need not be computed.
  bool after_first(const kernels::Window& tile) const;
  /// Looks at a tile's computed values (one vector per output). Thread-safe.
  void check(const std::vector<std::vector<float>>& values, const kernels::Window& tile);
  /// A UserError naming the first unwritable value, if one was found.
  void refuse() const;

 private:
  std::vector<std::string> names_;
  std::vector<double> nodata_;
  int64_t width_;
  std::string option_;
  std::atomic<int64_t> first_{std::numeric_limits<int64_t>::max()};  // row * width + col
  mutable std::mutex mutex_;  // guards output_ and value_, with first_
  size_t output_ = 0;
  float value_ = 0;
};

}  // namespace minerisk::ops
