#include "unwritable_values.hpp"

#include <cmath>
#include <utility>

#include "minerisk/engine/errors.hpp"
#include "minerisk/engine/gdal_support.hpp"
#include "minerisk/kernels/raster_ops.hpp"

namespace minerisk::ops {

UnwritableValues::UnwritableValues(std::vector<std::string> names, std::vector<double> nodata, int64_t grid_width,
                                   std::string option)
    : names_(std::move(names)), nodata_(std::move(nodata)), width_(grid_width), option_(std::move(option)) {}

bool UnwritableValues::after_first(const kernels::Window& tile) const {
  return tile.row0 * width_ + tile.col0 > first_.load();
}

void UnwritableValues::check(const std::vector<std::vector<float>>& values, const kernels::Window& tile) {
  for (size_t k = 0; k < values.size(); ++k) {
    const int64_t at = kernels::first_infinite_or_equal(values[k], static_cast<float>(nodata_[k]));
    if (at < 0) continue;
    const int64_t cell = (tile.row0 + at / tile.width) * width_ + tile.col0 + at % tile.width;
    // The earliest cell wins, and at one cell the first output: whichever tile came first.
    std::lock_guard lock(mutex_);
    if (cell < first_.load() || (cell == first_.load() && k < output_)) {
      first_.store(cell);
      output_ = k;
      value_ = values[k][static_cast<size_t>(at)];
    }
  }
}

void UnwritableValues::refuse() const {
  std::lock_guard lock(mutex_);
  const int64_t cell = first_.load();
  if (cell == std::numeric_limits<int64_t>::max()) return;
  const std::string where = "the " + names_[output_] + " at row " + std::to_string(cell / width_) + ", column " +
                            std::to_string(cell % width_);
  if (std::isinf(value_))
    throw UserError(where + " is beyond float32's range (3.4e38), in which the output is written: the input's values "
                    "or weights are too large; rescale them");
  throw UserError(where + " is " + number_text(nodata_[output_]) +
                  ", the output's no-data value, and would read as no data; choose another no-data value with " +
                  option_ + ", or nan, which no value can equal");
}

}  // namespace minerisk::ops
