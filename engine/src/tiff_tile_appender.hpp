#pragma once
// Private to the GeoTIFF writer: appends tiles already encoded (tiff_tile_codec) to a tiled
// GeoTIFF that GDAL created and closed with every tile sparse (offset 0), through libtiff
// itself: TIFFWriteRawTile puts each tile at the end of the file, and closing rewrites only the
// tile offsets and byte counts in place (libtiff's update mode), leaving GDAL's tags as they are.
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <span>
#include <string>

#include "tiff_tile_codec.hpp"

struct tiff;

namespace minerisk {

class TiffTileAppender {
 public:
  /// Opens `path` for update and checks that it is what the tiles are encoded for: one float32
  /// band, tiled `block` x `block`, `width` x `height` cells, compressed as `codec` says with the
  /// floating-point predictor (none uncompressed), every tile still empty. A mismatch is an
  /// internal error (std::runtime_error); a failure to open, a write failure.
  TiffTileAppender(const std::filesystem::path& path, int64_t width, int64_t height, int64_t block,
                   const tiff_tile_codec::Codec& codec);
  ~TiffTileAppender();
  TiffTileAppender(const TiffTileAppender&) = delete;
  TiffTileAppender& operator=(const TiffTileAppender&) = delete;

  /// Appends the stored bytes of tile `index` (TIFF's order: row of tiles by row of tiles, left
  /// to right). Not thread-safe: the caller serialises.
  void append(uint32_t index, std::span<const std::byte> stored);
  /// Writes the tile index and closes; errors surface here.
  void close();

 private:
  [[noreturn]] void fail(const std::string& what);

  struct tiff* tif_ = nullptr;
  std::filesystem::path path_;
  uint32_t tiles_ = 0;
  std::string first_error_;  // libtiff's first error message, for the failure's report
};

}  // namespace minerisk
