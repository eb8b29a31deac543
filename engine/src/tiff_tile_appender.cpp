#include "tiff_tile_appender.hpp"

#include <tiffio.h>

#include <cerrno>
#include <cstdarg>
#include <cstdio>
#include <memory>
#include <stdexcept>

#include "minerisk/engine/write_failure.hpp"

namespace minerisk {
namespace {

// libtiff's messages for this file only (not GDAL's global handler, which would make them
// GDAL errors of whatever GDAL call comes next): the first error is kept for the report.
int keep_first_error(TIFF*, void* first_error, const char* module, const char* format, va_list args) {
  auto& kept = *static_cast<std::string*>(first_error);
  if (kept.empty()) {
    char message[512];
    std::vsnprintf(message, sizeof message, format, args);
    kept = std::string(module ? module : "libtiff") + ": " + message;
  }
  return 1;  // handled: no other handler sees it
}

int ignore_warning(TIFF*, void*, const char*, const char*, va_list) { return 1; }

struct OpenOptionsDeleter {
  void operator()(TIFFOpenOptions* o) const { TIFFOpenOptionsFree(o); }
};

uint16_t compression_tag(tiff_tile_codec::Codec::Kind kind) {
  switch (kind) {
    case tiff_tile_codec::Codec::Kind::none: return COMPRESSION_NONE;
    case tiff_tile_codec::Codec::Kind::deflate: return COMPRESSION_ADOBE_DEFLATE;  // GDAL's DEFLATE
    case tiff_tile_codec::Codec::Kind::zstd: return COMPRESSION_ZSTD;
  }
  return COMPRESSION_NONE;
}

}  // namespace

TiffTileAppender::TiffTileAppender(const std::filesystem::path& path, int64_t width, int64_t height, int64_t block,
                                   const tiff_tile_codec::Codec& codec)
    : path_(path) {
  std::unique_ptr<TIFFOpenOptions, OpenOptionsDeleter> options(TIFFOpenOptionsAlloc());
  if (!options) throw std::bad_alloc();
  TIFFOpenOptionsSetErrorHandlerExtR(options.get(), keep_first_error, &first_error_);
  TIFFOpenOptionsSetWarningHandlerExtR(options.get(), ignore_warning, nullptr);
  errno = 0;
  tif_ = TIFFOpenExt(path.c_str(), "r+", options.get());
  if (!tif_) fail("opening it to append tiles");
  uint32_t w = 0, h = 0, tw = 0, th = 0;
  uint16_t bits = 0, format = 0, samples = 0, compression = 0, predictor = 1;
  TIFFGetField(tif_, TIFFTAG_IMAGEWIDTH, &w);
  TIFFGetField(tif_, TIFFTAG_IMAGELENGTH, &h);
  TIFFGetField(tif_, TIFFTAG_TILEWIDTH, &tw);
  TIFFGetField(tif_, TIFFTAG_TILELENGTH, &th);
  TIFFGetFieldDefaulted(tif_, TIFFTAG_BITSPERSAMPLE, &bits);
  TIFFGetFieldDefaulted(tif_, TIFFTAG_SAMPLEFORMAT, &format);
  TIFFGetFieldDefaulted(tif_, TIFFTAG_SAMPLESPERPIXEL, &samples);
  TIFFGetFieldDefaulted(tif_, TIFFTAG_COMPRESSION, &compression);
  if (compression != COMPRESSION_NONE) TIFFGetFieldDefaulted(tif_, TIFFTAG_PREDICTOR, &predictor);
  const uint16_t want_predictor = codec.kind == tiff_tile_codec::Codec::Kind::none ? PREDICTOR_NONE
                                                                                   : PREDICTOR_FLOATINGPOINT;
  const bool layout = TIFFIsTiled(tif_) && !TIFFIsByteSwapped(tif_) && w == width && h == height && tw == block &&
                      th == block && bits == 32 && format == SAMPLEFORMAT_IEEEFP && samples == 1 &&
                      compression == compression_tag(codec.kind) && predictor == want_predictor;
  tiles_ = TIFFNumberOfTiles(tif_);
  bool empty = true;
  for (uint32_t i = 0; i < tiles_ && empty; ++i) empty = TIFFGetStrileOffset(tif_, i) == 0;
  if (!layout || !empty) {
    TIFFClose(tif_);
    tif_ = nullptr;
    throw std::runtime_error("'" + path.string() + "' is not the empty tiled GeoTIFF its tiles were encoded for");
  }
}

TiffTileAppender::~TiffTileAppender() {
  if (tif_) TIFFClose(tif_);  // after a failure: the file is discarded anyway
}

void TiffTileAppender::fail(const std::string& what) {
  const int system_errno = errno;
  throw_write_failure(path_, what, first_error_, system_errno);
}

void TiffTileAppender::append(uint32_t index, std::span<const std::byte> stored) {
  if (index >= tiles_) throw std::out_of_range("TiffTileAppender: tile " + std::to_string(index));
  errno = 0;
  // libtiff takes a non-const pointer but only writes the bytes out (no codec runs on raw tiles).
  void* data = const_cast<std::byte*>(stored.data());
  if (TIFFWriteRawTile(tif_, index, data, static_cast<tmsize_t>(stored.size())) != static_cast<tmsize_t>(stored.size()))
    fail("writing a tile");
}

void TiffTileAppender::close() {
  if (!tif_) return;
  errno = 0;
  const bool flushed = TIFFFlush(tif_) == 1;
  TIFFClose(tif_);
  tif_ = nullptr;
  if (!flushed || !first_error_.empty()) fail("closing it");
}

}  // namespace minerisk
