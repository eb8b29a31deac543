#include "minerisk/engine/geotiff_writer.hpp"

#include <cmath>
#include <stdexcept>

#include <cpl_string.h>

namespace minerisk {

int64_t geotiff_block_for(int64_t tile_size) { return tile_size % 16 == 0 && tile_size <= 4096 ? tile_size : 256; }

GeoTiffWriter::GeoTiffWriter(const std::filesystem::path& path, const Grid& grid, int64_t block, double nodata,
                             const std::string& description, const std::string& compress)
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
  dataset_.reset(driver->Create(path.c_str(), static_cast<int>(grid.width()), static_cast<int>(grid.height()), 1,
                                GDT_Float32, options.List()));
  if (!dataset_) throw std::runtime_error("cannot create '" + path.string() + "': " + last_gdal_error());
  double gt[6];
  std::copy(grid.frame.geotransform.begin(), grid.frame.geotransform.end(), gt);
  dataset_->SetGeoTransform(gt);
  dataset_->SetProjection(grid.crs_wkt.c_str());
  GDALRasterBand* band = dataset_->GetRasterBand(1);
  band->SetNoDataValue(nodata);
  if (!description.empty()) band->SetDescription(description.c_str());
}

void GeoTiffWriter::write(const kernels::Window& w, std::vector<float> values) {
  if (!std::isnan(nodata_)) {
    const auto fill = static_cast<float>(nodata_);
    for (float& v : values)
      if (std::isnan(v)) v = fill;
  }
  if (dataset_->GetRasterBand(1)->RasterIO(GF_Write, static_cast<int>(w.col0), static_cast<int>(w.row0),
                                           static_cast<int>(w.width), static_cast<int>(w.height), values.data(),
                                           static_cast<int>(w.width), static_cast<int>(w.height), GDT_Float32, 0, 0,
                                           nullptr) != CE_None)
    throw std::runtime_error("writing '" + path_.string() + "' failed: " + last_gdal_error());
  // Uncompressed, write the tile's blocks now, while other threads compute, rather than all at
  // the end. Compressed, leave them to the final flush, where GDAL compresses on every core
  // (flushing here would compress under the caller's lock, one tile at a time).
  if (!compressed_) dataset_->FlushCache(false);
}

void GeoTiffWriter::close() {
  if (!dataset_) return;
  CPLErrorReset();
  dataset_->FlushCache(true);
  GDALClose(dataset_.release());
  if (CPLGetLastErrorType() >= CE_Failure)
    throw std::runtime_error("writing '" + path_.string() + "' failed: " + last_gdal_error());
}

}  // namespace minerisk
