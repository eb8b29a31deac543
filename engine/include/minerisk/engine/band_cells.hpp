#pragma once
// A raster band's cells as float32, the type minerisk computes in, read the one way every
// reader shares (RasterSource for a scenario's rasters and the tools, GridFileReader for grids):
// no-data matched as the band stores it, and no value quietly turned into an infinity.
#include <cstdint>
#include <string>

#include <gdal_priv.h>

namespace minerisk {

/// Whether a band's type holds values float32 cannot all represent: doubles, 32- and 64-bit
/// integers. Those are read as doubles, then converted.
bool is_wider_than_float(GDALDataType type);

/// `value` as float32; UserError "<what> holds V, beyond the range of float32 ..." for a finite
/// value float32 cannot hold (it would become an infinity).
float float_or_refuse(double value, const std::string& what);

/// The band's cells [col, col + cols) x [row, row + rows) into `out`, rows `stride` floats
/// apart, no-data as NaN, without scale or offset. No-data is compared as the band stores it (a
/// Float64 no-data of 16777217 does not hide the value 16777216, which float32 rounds both to).
/// `what` names the raster in a refusal ("input: raster 'dem.tif'"); `failure` is the message of
/// a read GDAL fails or complains about (a damaged file).
void read_band_cells(GDALRasterBand& band, int64_t col, int64_t row, int64_t cols, int64_t rows, float* out,
                     int64_t stride, const std::string& what, const std::string& failure);

}  // namespace minerisk
