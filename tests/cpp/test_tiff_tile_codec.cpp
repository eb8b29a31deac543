// The GeoTIFF tile encoder against libtiff itself: the floating-point predictor's bytes are the
// ones libtiff's fpDiff makes, and libtiff decodes the tiles minerisk encodes (ZSTD, DEFLATE,
// none; whole and edge tiles) to the values given.
#include <gtest/gtest.h>
#include <tiffio.h>
#include <zstd.h>

#include <bit>
#include <cmath>
#include <cstring>
#include <filesystem>
#include <limits>
#include <random>
#include <unistd.h>
#include <vector>

#include "tiff_tile_codec.hpp"

namespace tc = minerisk::tiff_tile_codec;

namespace {

constexpr int64_t kBlock = 32;

// Values that stress every byte plane: random bit patterns (NaNs of all kinds included),
// signed zeros, infinities, subnormals, and a smooth ramp.
std::vector<float> awkward_values(std::size_t n, unsigned seed) {
  std::mt19937 rng(seed);
  std::vector<float> v(n);
  for (std::size_t i = 0; i < n; ++i) {
    switch (i % 5) {
      case 0: v[i] = std::bit_cast<float>(static_cast<uint32_t>(rng())); break;
      case 1: v[i] = static_cast<float>(i) * 0.37f; break;
      case 2: v[i] = (i % 2) ? -0.0f : std::numeric_limits<float>::infinity(); break;
      case 3: v[i] = std::numeric_limits<float>::denorm_min() * static_cast<float>(i); break;
      default: v[i] = std::numeric_limits<float>::quiet_NaN();
    }
  }
  return v;
}

struct TempTiff {
  std::filesystem::path path;
  TempTiff()
      : path(std::filesystem::temp_directory_path() / ("minerisk_tile_" + std::to_string(::getpid()) + ".tif")) {}
  ~TempTiff() { std::filesystem::remove(path); }
};

// A tiled float32 TIFF of one block x block tile, compressed with `compression`.
TIFF* open_tiled(const std::filesystem::path& path, uint16_t compression, uint16_t predictor) {
  TIFF* tif = TIFFOpen(path.c_str(), "w");
  TIFFSetField(tif, TIFFTAG_IMAGEWIDTH, static_cast<uint32_t>(kBlock));
  TIFFSetField(tif, TIFFTAG_IMAGELENGTH, static_cast<uint32_t>(kBlock));
  TIFFSetField(tif, TIFFTAG_TILEWIDTH, static_cast<uint32_t>(kBlock));
  TIFFSetField(tif, TIFFTAG_TILELENGTH, static_cast<uint32_t>(kBlock));
  TIFFSetField(tif, TIFFTAG_BITSPERSAMPLE, 32);
  TIFFSetField(tif, TIFFTAG_SAMPLESPERPIXEL, 1);
  TIFFSetField(tif, TIFFTAG_SAMPLEFORMAT, SAMPLEFORMAT_IEEEFP);
  TIFFSetField(tif, TIFFTAG_PHOTOMETRIC, PHOTOMETRIC_MINISBLACK);
  TIFFSetField(tif, TIFFTAG_PLANARCONFIG, PLANARCONFIG_CONTIG);
  TIFFSetField(tif, TIFFTAG_COMPRESSION, compression);
  if (compression != COMPRESSION_NONE) TIFFSetField(tif, TIFFTAG_PREDICTOR, predictor);
  return tif;
}

}  // namespace

TEST(TiffTileCodec, PredictorBytesAreLibtiffs) {
  const std::vector<float> values = awkward_values(kBlock * kBlock, 11);
  TempTiff file;
  TIFF* tif = open_tiled(file.path, COMPRESSION_ZSTD, PREDICTOR_FLOATINGPOINT);
  std::vector<float> scratch = values;  // libtiff may predict in place
  ASSERT_GT(TIFFWriteEncodedTile(tif, 0, scratch.data(), static_cast<tmsize_t>(scratch.size() * 4)), 0);
  TIFFClose(tif);
  tif = TIFFOpen(file.path.c_str(), "r");
  std::vector<std::byte> raw(static_cast<std::size_t>(TIFFGetStrileByteCount(tif, 0)));
  ASSERT_EQ(TIFFReadRawTile(tif, 0, raw.data(), static_cast<tmsize_t>(raw.size())), static_cast<tmsize_t>(raw.size()));
  TIFFClose(tif);
  std::vector<std::byte> libtiffs(values.size() * 4);
  ASSERT_EQ(ZSTD_decompress(libtiffs.data(), libtiffs.size(), raw.data(), raw.size()), libtiffs.size());
  std::vector<std::byte> ours(values.size() * 4);
  tc::float_predictor(values, kBlock, ours);
  EXPECT_EQ(0, std::memcmp(ours.data(), libtiffs.data(), ours.size()));
}

TEST(TiffTileCodec, LibtiffDecodesEveryCodecAndEdgeTile) {
  const tc::Codec codecs[] = {{tc::Codec::Kind::zstd, 1}, {tc::Codec::Kind::zstd, 9}, {tc::Codec::Kind::deflate, 6},
                              {tc::Codec::Kind::deflate, 1}, {tc::Codec::Kind::none, 0}};
  const int64_t shapes[][2] = {{kBlock, kBlock}, {kBlock, 5}, {1, kBlock}, {7, 19}};
  for (const tc::Codec& codec : codecs)
    for (const auto& [rows, cols] : shapes) {
      SCOPED_TRACE(std::to_string(static_cast<int>(codec.kind)) + " level " + std::to_string(codec.level) + ", " +
                   std::to_string(rows) + " x " + std::to_string(cols));
      const std::vector<float> values = awkward_values(static_cast<std::size_t>(rows * cols), 5);
      const std::vector<std::byte> stored = tc::encode_tile(values, rows, cols, kBlock, 0.0f, codec);
      TempTiff file;
      const uint16_t compression = codec.kind == tc::Codec::Kind::zstd      ? COMPRESSION_ZSTD
                                   : codec.kind == tc::Codec::Kind::deflate ? COMPRESSION_ADOBE_DEFLATE
                                                                            : COMPRESSION_NONE;
      TIFF* tif = open_tiled(file.path, compression, PREDICTOR_FLOATINGPOINT);
      ASSERT_EQ(TIFFWriteRawTile(tif, 0, const_cast<std::byte*>(stored.data()), static_cast<tmsize_t>(stored.size())),
                static_cast<tmsize_t>(stored.size()));
      TIFFClose(tif);
      tif = TIFFOpen(file.path.c_str(), "r");
      std::vector<float> read(kBlock * kBlock);
      ASSERT_EQ(TIFFReadEncodedTile(tif, 0, read.data(), static_cast<tmsize_t>(read.size() * 4)),
                static_cast<tmsize_t>(read.size() * 4));
      TIFFClose(tif);
      std::vector<float> want(kBlock * kBlock, 0.0f);  // the padding is the fill given
      for (int64_t r = 0; r < rows; ++r)
        std::copy_n(values.begin() + r * cols, cols, want.begin() + r * kBlock);
      EXPECT_EQ(0, std::memcmp(read.data(), want.data(), read.size() * 4));
      const std::vector<float> decoded = tc::decode_tile(stored, kBlock, codec);
      EXPECT_EQ(0, std::memcmp(decoded.data(), want.data(), want.size() * 4));
    }
}

TEST(TiffTileCodec, RefusesAWindowLargerThanTheBlock) {
  const std::vector<float> values(kBlock * (kBlock + 1));
  EXPECT_THROW(tc::encode_tile(values, kBlock + 1, kBlock, kBlock, 0.0f, {}), std::invalid_argument);
}
