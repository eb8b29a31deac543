#pragma once
// A float32 GeoTIFF on a grid, written tile by tile: tiled, compressed, georeferenced.
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "minerisk/engine/gdal_support.hpp"
#include "minerisk/engine/grid.hpp"

namespace minerisk {

class TiffTileAppender;
struct TileEncoding;

/// One window's values made ready to write by the thread that computed them (GeoTiffWriter::encode).
struct GeoTiffTile {
  kernels::Window window;
  std::vector<float> values;                                        // through GDAL: the values
  std::vector<std::pair<uint32_t, std::vector<std::byte>>> stored;  // else each TIFF tile's bytes
};

class GeoTiffWriter {
 public:
  /// Creates the file. `nodata` is written where values are NaN (NaN keeps NaN). The TIFF block
  /// is `block` x `block` cells (a multiple of 16) so each tile fills whole blocks. `compress` is
  /// a GeoTIFF COMPRESS value (ZSTD, DEFLATE, LZW or NONE); compressed files use the
  /// floating-point predictor, and ZSTD its fastest level. `creation_options` (KEY=VALUE, as
  /// --co) go over those. `units` is the band's unit ("" for none).
  ///
  /// `whole_blocks` promises that every window written covers whole blocks (its corner on a
  /// block's corner, its size a multiple of the block unless it reaches the grid's edge). Then,
  /// when the encoding is one minerisk writes itself (ZSTD or DEFLATE with the floating-point
  /// predictor, or none, at any ZSTD_LEVEL or ZLEVEL, and no --co that changes the encoding),
  /// encode() compresses the window's tiles on the caller's thread and write() only appends them
  /// (libtiff's TIFFWriteRawTile) to the file GDAL created; otherwise GDAL writes the values.
  GeoTiffWriter(const std::filesystem::path& path, const Grid& grid, int64_t block, double nodata,
                const std::string& description, const std::string& compress = "ZSTD",
                const std::vector<std::string>& creation_options = {}, const std::string& units = "",
                bool whole_blocks = false);
  ~GeoTiffWriter();
  GeoTiffWriter(const GeoTiffWriter&) = delete;
  GeoTiffWriter& operator=(const GeoTiffWriter&) = delete;
  /// Makes one window's values (row-major) ready to write: no-data filled and, when this writer
  /// encodes its tiles, compressed. Thread-safe: each worker encodes its own windows.
  GeoTiffTile encode(const kernels::Window& window, std::vector<float> values) const;
  /// Writes an encoded window. Not thread-safe: the caller serialises.
  void write(GeoTiffTile tile);
  /// encode() then write(), on the caller's thread.
  void write(const kernels::Window& window, std::vector<float> values) { write(encode(window, std::move(values))); }
  /// A metadata item of the band (GDAL's band metadata: a netCDF copy makes them attributes).
  /// Before the first write.
  void set_band_metadata(const std::string& key, const std::string& value);
  /// A metadata item of the file (GDAL's dataset metadata, in the TIFF's GDAL_METADATA tag).
  /// Before the first write.
  void set_metadata(const std::string& key, const std::string& value);
  /// True when encode() compresses the tiles and write() appends them (see the constructor).
  bool encodes_tiles() const { return encoding_ != nullptr; }
  /// Flushes and closes; errors surface here.
  void close();

 private:
  DatasetPtr dataset_;                          // GDAL's, until the first tile is appended
  std::unique_ptr<const TileEncoding> encoding_;  // how encode() compresses; null: GDAL writes
  std::unique_ptr<TiffTileAppender> appender_;  // libtiff's, from the first tile appended
  double nodata_;
  bool compressed_ = true;
  std::filesystem::path path_;
};

/// The TIFF block edge for a tile size: the tile size itself when it is a multiple of 16
/// (then tiles and blocks coincide), else 256.
int64_t geotiff_block_for(int64_t tile_size);

}  // namespace minerisk
