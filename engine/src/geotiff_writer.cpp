#include "minerisk/engine/geotiff_writer.hpp"

#include <cerrno>
#include <cmath>
#include <stdexcept>

#include <cpl_string.h>

#include "minerisk/engine/errors.hpp"
#include "minerisk/engine/output_format.hpp"
#include "minerisk/engine/write_failure.hpp"

namespace minerisk {
namespace {

// Every step is watched by a GdalErrorTrap: libtiff reports a full disk as a message (and GDAL
// as CE_Failure only sometimes, flushing a block cache), and errno still holds the system's
// reason when nothing later overwrote it.
void check_written(const GdalErrorTrap& trap, bool failed, const std::filesystem::path& path, const std::string& what) {
  if (!failed && !trap.raised()) return;
  const int system_errno = errno;
  throw_write_failure(path, what, trap.raised() ? trap.first() : last_gdal_error(), system_errno);
}

}  // namespace

int64_t geotiff_block_for(int64_t tile_size) { return tile_size % 16 == 0 && tile_size <= 4096 ? tile_size : 256; }

GeoTiffWriter::GeoTiffWriter(const std::filesystem::path& path, const Grid& grid, int64_t block, double nodata,
                             const std::string& description, const std::string& compress,
                             const std::vector<std::string>& creation_options, const std::string& units)
    : nodata_(nodata), path_(path) {
  init_gdal();
  GDALDriver* driver = GetGDALDriverManager()->GetDriverByName("GTiff");
  CPLStringList options;
  options.SetNameValue("TILED", "YES");
  options.SetNameValue("BLOCKXSIZE", std::to_string(block).c_str());
  options.SetNameValue("BLOCKYSIZE", std::to_string(block).c_str());
  compressed_ = compress != "NONE";
  options.SetNameValue("COMPRESS", compress.c_str());
  if (compress != "NONE") options.SetNameValue("PREDICTOR", "3");  // floating-point predictor
  if (compress == "ZSTD") options.SetNameValue("ZSTD_LEVEL", "1");
  options.SetNameValue("NUM_THREADS", "ALL_CPUS");
  options.SetNameValue("BIGTIFF", "IF_SAFER");
  set_creation_options(options, creation_options);
  // --co COMPRESS decides, like --compress, whether tiles are flushed as they come (write()).
  compressed_ = !EQUAL(options.FetchNameValueDef("COMPRESS", "NONE"), "NONE");
  const GdalErrorTrap trap;
  errno = 0;
  dataset_.reset(driver->Create(path.c_str(), static_cast<int>(grid.width()), static_cast<int>(grid.height()), 1,
                                GDT_Float32, options.List()));
  // A value GDAL's check let through but the driver refuses (BLOCKXSIZE=100: not a multiple of
  // 16) is the user's to fix, not a failure to write.
  if (!dataset_ && !creation_options.empty() && errno != ENOSPC)
    throw UserError("--co: GTiff cannot create the output with these creation options (GDAL: " +
                    (trap.raised() ? trap.first() : last_gdal_error()) + "); change or leave them out");
  check_written(trap, !dataset_, path, "creating it");
  double gt[6];
  std::copy(grid.frame.geotransform.begin(), grid.frame.geotransform.end(), gt);
  dataset_->SetGeoTransform(gt);
  dataset_->SetProjection(grid.crs_wkt.c_str());
  GDALRasterBand* band = dataset_->GetRasterBand(1);
  band->SetNoDataValue(nodata);
  if (!description.empty()) band->SetDescription(description.c_str());
  if (!units.empty()) band->SetUnitType(units.c_str());
  check_written(trap, false, path, "creating it");
}

void GeoTiffWriter::write(const kernels::Window& w, std::vector<float> values) {
  if (!std::isnan(nodata_)) {
    const auto fill = static_cast<float>(nodata_);
    for (float& v : values)
      if (std::isnan(v)) v = fill;
  }
  const GdalErrorTrap trap;
  errno = 0;
  const bool failed =
      dataset_->GetRasterBand(1)->RasterIO(GF_Write, static_cast<int>(w.col0), static_cast<int>(w.row0),
                                           static_cast<int>(w.width), static_cast<int>(w.height), values.data(),
                                           static_cast<int>(w.width), static_cast<int>(w.height), GDT_Float32, 0, 0,
                                           nullptr) != CE_None;
  // Uncompressed, write the tile's blocks now, while other threads compute, rather than all at
  // the end. Compressed, leave them to the final flush, where GDAL compresses on every core
  // (flushing here would compress under the caller's lock, one tile at a time).
  if (!failed && !compressed_) dataset_->FlushCache(false);  // a failure is a message: the trap has it
  check_written(trap, failed, path_, "writing a tile");
}

void GeoTiffWriter::set_band_metadata(const std::string& key, const std::string& value) {
  dataset_->GetRasterBand(1)->SetMetadataItem(key.c_str(), value.c_str());
}

void GeoTiffWriter::close() {
  if (!dataset_) return;
  const GdalErrorTrap trap;
  errno = 0;
  dataset_->FlushCache(true);
  GDALClose(dataset_.release());  // their failures are messages: the trap has them
  check_written(trap, false, path_, "closing it");
}

}  // namespace minerisk
