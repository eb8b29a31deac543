#pragma once
// A float32 GeoTIFF on a grid, written tile by tile: tiled, compressed, georeferenced.
#include <filesystem>
#include <string>
#include <vector>

#include "minerisk/engine/gdal_support.hpp"
#include "minerisk/engine/grid.hpp"

namespace minerisk {

class GeoTiffWriter {
 public:
  /// Creates the file. `nodata` is written where values are NaN (NaN keeps NaN). The TIFF block
  /// is `block` x `block` cells (a multiple of 16) so each tile fills whole blocks. `compress` is
  /// a GeoTIFF COMPRESS value (ZSTD, DEFLATE, LZW or NONE); compressed files use the
  /// floating-point predictor, and ZSTD its fastest level. `creation_options` (KEY=VALUE, as
  /// --co) go over those. `units` is the band's unit ("" for none).
  GeoTiffWriter(const std::filesystem::path& path, const Grid& grid, int64_t block, double nodata,
                const std::string& description, const std::string& compress = "ZSTD",
                const std::vector<std::string>& creation_options = {}, const std::string& units = "");
  /// Writes one window's values (row-major). Not thread-safe: the caller serialises.
  void write(const kernels::Window& window, std::vector<float> values);
  /// A metadata item of the band (GDAL's band metadata: a netCDF copy makes them attributes).
  void set_band_metadata(const std::string& key, const std::string& value);
  /// Flushes and closes; errors surface here.
  void close();

 private:
  DatasetPtr dataset_;
  double nodata_;
  bool compressed_ = true;
  std::filesystem::path path_;
};

/// The TIFF block edge for a tile size: the tile size itself when it is a multiple of 16
/// (then tiles and blocks coincide), else 256.
int64_t geotiff_block_for(int64_t tile_size);

}  // namespace minerisk
