#include "tiff_tile_codec.hpp"

#include <zstd.h>

#include <algorithm>
#include <cstring>
#include <memory>
#include <stdexcept>

#include "chunk_codec.hpp"

namespace minerisk::tiff_tile_codec {
namespace {

struct ZstdContextDeleter {
  void operator()(ZSTD_CCtx* c) const { ZSTD_freeCCtx(c); }
};

// A ZSTD context costs more to make than a tile to compress: each thread keeps one.
ZSTD_CCtx& zstd_context() {
  thread_local std::unique_ptr<ZSTD_CCtx, ZstdContextDeleter> context(ZSTD_createCCtx());
  if (!context) throw std::bad_alloc();
  return *context;
}

// One whole ZSTD frame, which libtiff's ZSTD codec (tif_zstd.c) decodes with its streaming API.
std::vector<std::byte> zstd_compress(std::span<const std::byte> data, int level) {
  const std::span<std::byte> out = chunk_codec::scratch(chunk_codec::Scratch::compressed, ZSTD_compressBound(data.size()));
  const std::size_t size = ZSTD_compressCCtx(&zstd_context(), out.data(), out.size(), data.data(), data.size(), level);
  if (ZSTD_isError(size)) throw std::runtime_error(std::string("ZSTD_compress: ") + ZSTD_getErrorName(size));
  return {out.begin(), out.begin() + static_cast<std::ptrdiff_t>(size)};
}

// The inverse of float_predictor for one tile.
void undo_float_predictor(std::span<const std::byte> in, int64_t cols, std::span<float> tile) {
  const auto row_bytes = static_cast<std::size_t>(cols) * 4;
  std::vector<uint8_t> sums(row_bytes);
  for (std::size_t row = 0; row * row_bytes < in.size(); ++row) {
    uint8_t sum = 0;
    for (std::size_t k = 0; k < row_bytes; ++k)
      sums[k] = sum = static_cast<uint8_t>(sum + static_cast<uint8_t>(in[row * row_bytes + k]));
    auto* values = reinterpret_cast<uint8_t*>(tile.data() + row * static_cast<std::size_t>(cols));
    for (std::size_t i = 0; i < static_cast<std::size_t>(cols); ++i)
      for (std::size_t b = 0; b < 4; ++b) values[4 * i + b] = sums[(3 - b) * static_cast<std::size_t>(cols) + i];
  }
}

}  // namespace

namespace {

// float_predictor of `rows` rows of `cols` values, row r at tile[r * stride].
void predict_rows(const float* tile, std::size_t rows, std::size_t cols, std::size_t stride, uint8_t* out) {
  // HDF5's shuffle gives the byte planes least significant first; the predictor takes them most
  // significant first, so plane p of the output is plane 3 - p of the shuffle.
  std::vector<std::byte> planes(4 * cols);
  for (std::size_t row = 0; row < rows; ++row) {
    chunk_codec::shuffle(std::as_bytes(std::span<const float>(tile + row * stride, cols)), planes, 4);
    uint8_t* o = out + row * 4 * cols;
    uint8_t previous = 0;  // the row's first byte is kept as it is
    for (std::size_t p = 0; p < 4; ++p) {
      const auto* s = reinterpret_cast<const uint8_t*>(planes.data()) + (3 - p) * cols;
      o[p * cols] = static_cast<uint8_t>(s[0] - previous);
      for (std::size_t i = 1; i < cols; ++i) o[p * cols + i] = static_cast<uint8_t>(s[i] - s[i - 1]);
      previous = s[cols - 1];
    }
  }
}

}  // namespace

void float_predictor(std::span<const float> tile, int64_t cols, std::span<std::byte> out) {
  const auto n = static_cast<std::size_t>(cols);
  if (cols <= 0 || tile.size() % n != 0 || out.size() != tile.size() * 4)
    throw std::invalid_argument("float_predictor: sizes differ");
  predict_rows(tile.data(), tile.size() / n, n, n, reinterpret_cast<uint8_t*>(out.data()));
}

std::vector<std::byte> encode_tile(std::span<const float> values, int64_t rows, int64_t cols, int64_t stride,
                                   int64_t block, float fill, const Codec& codec) {
  if (rows <= 0 || cols <= 0 || rows > block || cols > block || stride < cols ||
      values.size() < static_cast<std::size_t>((rows - 1) * stride + cols))
    throw std::invalid_argument("encode_tile: " + std::to_string(values.size()) + " values for " +
                                std::to_string(rows) + " x " + std::to_string(cols) + " cells of a " +
                                std::to_string(block) + " block");
  const auto side = static_cast<std::size_t>(block);
  // A whole block is read where it lies; an edge tile is first padded (TIFF stores whole blocks).
  std::vector<float> padded;
  const float* tile = values.data();
  auto tile_stride = static_cast<std::size_t>(stride);
  if (rows != block || cols != block) {
    padded.assign(side * side, fill);
    for (int64_t r = 0; r < rows; ++r)
      std::copy_n(values.begin() + r * stride, cols, padded.begin() + r * block);
    tile = padded.data();
    tile_stride = side;
  }
  if (codec.kind == Codec::Kind::none) {
    std::vector<std::byte> bytes(side * side * sizeof(float));
    for (std::size_t r = 0; r < side; ++r)
      std::memcpy(bytes.data() + r * side * sizeof(float), tile + r * tile_stride, side * sizeof(float));
    return bytes;
  }
  const std::span<std::byte> bytes = chunk_codec::scratch(chunk_codec::Scratch::staged, side * side * sizeof(float));
  predict_rows(tile, side, side, tile_stride, reinterpret_cast<uint8_t*>(bytes.data()));
  return codec.kind == Codec::Kind::zstd ? zstd_compress(bytes, codec.level)
                                         : chunk_codec::zlib_compress(bytes, codec.level);
}

std::vector<float> decode_tile(std::span<const std::byte> stored, int64_t block, const Codec& codec) {
  const auto cells = static_cast<std::size_t>(block * block);
  std::vector<float> tile(cells);
  if (codec.kind == Codec::Kind::none) {
    if (stored.size() != cells * sizeof(float)) throw std::runtime_error("decode_tile: an uncompressed tile's size");
    std::memcpy(tile.data(), stored.data(), stored.size());
    return tile;
  }
  std::vector<std::byte> predicted;
  if (codec.kind == Codec::Kind::zstd) {
    predicted.resize(cells * sizeof(float));
    const std::size_t size = ZSTD_decompress(predicted.data(), predicted.size(), stored.data(), stored.size());
    if (ZSTD_isError(size) || size != predicted.size()) throw std::runtime_error("decode_tile: a damaged ZSTD tile");
  } else {
    predicted = chunk_codec::zlib_decompress(stored, cells * sizeof(float));
  }
  undo_float_predictor(predicted, block, tile);
  return tile;
}

}  // namespace minerisk::tiff_tile_codec
