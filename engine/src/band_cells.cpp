#include "minerisk/engine/band_cells.hpp"

#include <cmath>
#include <limits>
#include <vector>

#include "minerisk/engine/errors.hpp"
#include "minerisk/engine/gdal_support.hpp"

namespace minerisk {

bool is_wider_than_float(GDALDataType type) {
  return type == GDT_Float64 || type == GDT_Int32 || type == GDT_UInt32 || type == GDT_Int64 || type == GDT_UInt64;
}

float float_or_refuse(double value, const std::string& what) {
  if (std::isfinite(value) && std::abs(value) > std::numeric_limits<float>::max())
    throw UserError(what + " holds " + number_text(value) +
                    ", beyond the range of float32 (3.4e38) in which minerisk computes; rescale it (gdal_translate "
                    "-scale) or set such cells to no-data");
  return static_cast<float>(value);
}

void read_band_cells(GDALRasterBand& band, int64_t col, int64_t row, int64_t cols, int64_t rows, float* out,
                     int64_t stride, const std::string& what, const std::string& failure) {
  int has_nodata = 0;
  const double nodata = band.GetNoDataValue(&has_nodata);
  const bool compare = has_nodata != 0 && !std::isnan(nodata);
  const bool wide = is_wider_than_float(band.GetRasterDataType());
  std::vector<double> stored(wide ? static_cast<size_t>(cols * rows) : 0);
  const GdalErrorTrap trap;
  const CPLErr status =
      wide ? band.RasterIO(GF_Read, static_cast<int>(col), static_cast<int>(row), static_cast<int>(cols),
                           static_cast<int>(rows), stored.data(), static_cast<int>(cols), static_cast<int>(rows),
                           GDT_Float64, 0, 0, nullptr)
           : band.RasterIO(GF_Read, static_cast<int>(col), static_cast<int>(row), static_cast<int>(cols),
                           static_cast<int>(rows), out, static_cast<int>(cols), static_cast<int>(rows), GDT_Float32, 0,
                           static_cast<GSpacing>(stride * static_cast<int64_t>(sizeof(float))), nullptr);
  trap.check(failure, kDamagedInputAdvice);
  if (status != CE_None) throw UserError(failure + ": GDAL failed without a message; " + kDamagedInputAdvice);
  // A float32 (or narrower) band without a no-data value is already as the caller wants it.
  if (!wide && !compare) return;
  for (int64_t r = 0; r < rows; ++r)
    for (int64_t c = 0; c < cols; ++c) {
      float& cell = out[r * stride + c];
      if (wide) {
        const double v = stored[static_cast<size_t>(r * cols + c)];
        cell = compare && v == nodata ? NAN : float_or_refuse(v, what);
      } else if (compare && cell == static_cast<float>(nodata)) {
        cell = NAN;
      }
    }
}

}  // namespace minerisk
