#pragma once
// Private to the GeoTIFF writer: one TIFF tile of float32 values, encoded as libtiff itself
// would store it for GDAL's GTiff driver (the tile padded to the whole block, the floating-point
// predictor, then ZSTD or DEFLATE), so that the worker that computed a tile compresses it while
// others compute, and the writer only appends the bytes (TIFFWriteRawTile).
//
// Why by hand: GDAL compresses a GeoTIFF's blocks in its block cache, either under the caller's
// lock one tile at a time (FlushCache) or all at the end (NUM_THREADS), never while the tiles
// are being computed; and the whole raster then waits in its cache.
#include <bit>
#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <vector>

namespace minerisk::tiff_tile_codec {

// GDAL writes GeoTIFFs in the machine's byte order (little-endian here) and the predictor's
// byte planes are taken from memory as it is.
static_assert(std::endian::native == std::endian::little, "tiff_tile_codec encodes little-endian memory as it is");

/// How the tiles are stored: TIFF's Compression (NONE, DEFLATE as libtiff's ZIP codec writes it,
/// or ZSTD) at a level; compressed tiles always go through the floating-point predictor (3).
struct Codec {
  enum class Kind { none, deflate, zstd };
  Kind kind = Kind::zstd;
  int level = 1;
};

/// The floating-point predictor (TIFF Technical Note 3, libtiff's fpDiff) of one tile of
/// `cols`-wide rows: per row, byte 3 (the most significant) of every value, then byte 2, 1 and
/// 0, each byte then minus the one before it along the row (modulo 256).
void float_predictor(std::span<const float> tile, int64_t cols, std::span<std::byte> out);

/// One stored tile of `block` x `block` cells from `rows` x `cols` values at its top-left
/// corner, row r starting at values[r * stride] (`stride` >= `cols`: the tile may be part of a
/// wider window): cells beyond them (a tile on the grid's right or bottom edge) take `fill`;
/// then predicted and compressed per `codec`.
std::vector<std::byte> encode_tile(std::span<const float> values, int64_t rows, int64_t cols, int64_t stride,
                                   int64_t block, float fill, const Codec& codec);
/// The same for `rows` x `cols` values packed row after row.
inline std::vector<std::byte> encode_tile(std::span<const float> values, int64_t rows, int64_t cols, int64_t block,
                                          float fill, const Codec& codec) {
  return encode_tile(values, rows, cols, cols, block, fill, codec);
}

/// Decodes a stored tile back to its block x block values (for tests and checks).
std::vector<float> decode_tile(std::span<const std::byte> stored, int64_t block, const Codec& codec);

}  // namespace minerisk::tiff_tile_codec
