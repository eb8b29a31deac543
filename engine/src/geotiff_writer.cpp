#include "minerisk/engine/geotiff_writer.hpp"

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <optional>
#include <span>
#include <stdexcept>

#include <cpl_string.h>

#include "minerisk/engine/errors.hpp"
#include "minerisk/engine/output_format.hpp"
#include "minerisk/engine/write_failure.hpp"
#include "tiff_tile_appender.hpp"
#include "tiff_tile_codec.hpp"

namespace minerisk {

struct TileEncoding {
  tiff_tile_codec::Codec codec;
  int64_t block, width, height;
};

// What an edge tile holds beyond the grid: nothing any reader sees, so zeros, as GDAL 3.6 pads
// the blocks it writes (the tests compare the stored bytes with GDAL's, padding included).
constexpr float kPadding = 0.0f;

namespace {

// Every step is watched by a GdalErrorTrap: libtiff reports a full disk as a message (and GDAL
// as CE_Failure only sometimes, flushing a block cache), and errno still holds the system's
// reason when nothing later overwrote it.
void check_written(const GdalErrorTrap& trap, bool failed, const std::filesystem::path& path, const std::string& what) {
  if (!failed && !trap.raised()) return;
  const int system_errno = errno;
  throw_write_failure(path, what, trap.raised() ? trap.first() : last_gdal_error(), system_errno);
}

// The creation options that leave the tiles' encoding as tiff_tile_codec writes it.
const char* const kEncodingNeutral[] = {"TILED",       "BLOCKXSIZE", "BLOCKYSIZE", "COMPRESS",
                                        "PREDICTOR",   "ZSTD_LEVEL", "ZLEVEL",     "NUM_THREADS",
                                        "BIGTIFF",     "SPARSE_OK",  "GEOTIFF_VERSION", "GEOTIFF_KEYS_FLAVOR"};

std::optional<int> level_of(const CPLStringList& options, const char* key, int fallback, int lowest, int highest) {
  const char* text = options.FetchNameValue(key);
  if (!text) return fallback;
  char* end = nullptr;
  const long level = std::strtol(text, &end, 10);
  if (end == text || *end != '\0' || level < lowest || level > highest) return std::nullopt;
  return static_cast<int>(level);
}

// The codec that writes what GDAL would write with these (final) creation options, or nothing
// when they ask for something else (LZW, another predictor, a striped file, a key not known to
// be neutral): GDAL writes those itself.
std::optional<tiff_tile_codec::Codec> own_codec(const CPLStringList& options, int64_t block) {
  // GDAL also takes the byte order from a configuration option: the codec writes little-endian.
  const char* order = CPLGetConfigOption("GDAL_TIFF_ENDIANNESS", nullptr);
  if (order && !EQUAL(order, "LITTLE") && !EQUAL(order, "NATIVE")) return std::nullopt;
  for (int i = 0; i < options.size(); ++i) {
    char* key = nullptr;
    CPLParseNameValue(options[i], &key);
    bool neutral = false;
    for (const char* k : kEncodingNeutral) neutral = neutral || (key && EQUAL(key, k));
    CPLFree(key);
    if (!neutral) return std::nullopt;
  }
  const std::string size = std::to_string(block);
  if (!CPLTestBool(options.FetchNameValueDef("TILED", "NO")) || size != options.FetchNameValueDef("BLOCKXSIZE", "") ||
      size != options.FetchNameValueDef("BLOCKYSIZE", ""))
    return std::nullopt;
  const std::string compress = options.FetchNameValueDef("COMPRESS", "NONE");
  const std::string predictor = options.FetchNameValueDef("PREDICTOR", "1");
  tiff_tile_codec::Codec codec;
  std::optional<int> level;
  if (EQUAL(compress.c_str(), "NONE")) {
    codec.kind = tiff_tile_codec::Codec::Kind::none;
    level = predictor == "1" ? std::optional<int>(0) : std::nullopt;
  } else if (predictor != "3") {
    return std::nullopt;
  } else if (EQUAL(compress.c_str(), "ZSTD")) {
    codec.kind = tiff_tile_codec::Codec::Kind::zstd;
    level = level_of(options, "ZSTD_LEVEL", 9, 1, 22);  // GDAL's default level is 9
  } else if (EQUAL(compress.c_str(), "DEFLATE")) {
    codec.kind = tiff_tile_codec::Codec::Kind::deflate;
    level = level_of(options, "ZLEVEL", 6, 1, 12);  // GDAL's default is 6; libdeflate goes to 12 as libtiff's
  }
  if (!level) return std::nullopt;
  codec.level = *level;
  return codec;
}

}  // namespace

int64_t geotiff_block_for(int64_t tile_size) { return tile_size % 16 == 0 && tile_size <= 4096 ? tile_size : 256; }

GeoTiffWriter::GeoTiffWriter(const std::filesystem::path& path, const Grid& grid, int64_t block, double nodata,
                             const std::string& description, const std::string& compress,
                             const std::vector<std::string>& creation_options, const std::string& units,
                             bool whole_blocks)
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
  // GDAL 3.6 with libtiff 4.5 writes wrong values for a big-endian file with a predictor
  // (every cell, with exit status 0): refused rather than written.
  const char* order = options.FetchNameValue("ENDIANNESS");
  if (!order) order = CPLGetConfigOption("GDAL_TIFF_ENDIANNESS", nullptr);
  if (order && EQUAL(order, "BIG") && !EQUAL(options.FetchNameValueDef("PREDICTOR", "1"), "1"))
    throw UserError("--co ENDIANNESS=BIG (or GDAL_TIFF_ENDIANNESS=BIG): GDAL 3.6 writes wrong values for a "
                    "big-endian GeoTIFF with a predictor; leave the byte order to GDAL, or add --co PREDICTOR=1");
  // --co COMPRESS decides, like --compress, whether tiles are flushed as they come (write()).
  compressed_ = !EQUAL(options.FetchNameValueDef("COMPRESS", "NONE"), "NONE");
  if (const std::optional<tiff_tile_codec::Codec> codec = own_codec(options, block); codec && whole_blocks) {
    encoding_ = std::make_unique<const TileEncoding>(TileEncoding{*codec, block, grid.width(), grid.height()});
    // GDAL writes no tile (they are all appended later), and marks none as written.
    options.SetNameValue("SPARSE_OK", "TRUE");
    static const char* const kinds[] = {"uncompressed", "DEFLATE", "ZSTD"};
    CPLDebug("minerisk", "%s: the workers encode the tiles (%s, level %d), libtiff appends them", path.c_str(),
             kinds[static_cast<int>(codec->kind)], codec->level);
  }
  const GdalErrorTrap trap;
  errno = 0;
  dataset_.reset(driver->Create(path.c_str(), static_cast<int>(grid.width()), static_cast<int>(grid.height()), 1,
                                GDT_Float32, options.List()));
  // A value GDAL's check let through but the driver refuses (BLOCKXSIZE=100: not a multiple of
  // 16), or takes with a warning that it ignores it (ZSTD_LEVEL=99), is the user's to fix, not a
  // failure to write (it was exit 1, "internal error").
  if ((!dataset_ || trap.raised()) && !creation_options.empty() && errno != ENOSPC) {
    std::string gdal = trap.raised() ? trap.first() : last_gdal_error();
    // GDAL names the temporary file, which the user never sees.
    for (size_t at = gdal.find(path.string()); at != std::string::npos; at = gdal.find(path.string(), at))
      gdal.replace(at, path.string().size(), "the output");
    throw UserError("--co: GTiff cannot create the output with these creation options (GDAL: " + gdal +
                    "); change or leave them out");
  }
  check_written(trap, !dataset_, path, "creating the GeoTIFF");
  double gt[6];
  std::copy(grid.frame.geotransform.begin(), grid.frame.geotransform.end(), gt);
  dataset_->SetGeoTransform(gt);
  dataset_->SetProjection(grid.crs_wkt.c_str());
  GDALRasterBand* band = dataset_->GetRasterBand(1);
  band->SetNoDataValue(nodata);
  if (!description.empty()) band->SetDescription(description.c_str());
  if (!units.empty()) band->SetUnitType(units.c_str());
  check_written(trap, false, path, "creating the GeoTIFF");
}

GeoTiffWriter::~GeoTiffWriter() = default;

GeoTiffTile GeoTiffWriter::encode(const kernels::Window& w, std::vector<float> values) const {
  if (!std::isnan(nodata_)) {
    const auto fill = static_cast<float>(nodata_);
    for (float& v : values)
      if (std::isnan(v)) v = fill;
  }
  GeoTiffTile tile{w, {}, {}};
  if (!encoding_) {
    tile.values = std::move(values);
    return tile;
  }
  const TileEncoding& e = *encoding_;
  const bool aligned = w.col0 % e.block == 0 && w.row0 % e.block == 0 &&
                       (w.width % e.block == 0 || w.col0 + w.width == e.width) &&
                       (w.height % e.block == 0 || w.row0 + w.height == e.height);
  if (!aligned) throw std::logic_error("GeoTiffWriter::encode: a window that is not made of whole blocks");
  const int64_t across = (e.width + e.block - 1) / e.block;
  for (int64_t r = 0; r < w.height; r += e.block)
    for (int64_t c = 0; c < w.width; c += e.block) {
      const int64_t rows = std::min(e.block, w.height - r), cols = std::min(e.block, w.width - c);
      const auto index = static_cast<uint32_t>(((w.row0 + r) / e.block) * across + (w.col0 + c) / e.block);
      const std::span<const float> corner(values.data() + r * w.width + c, values.size() - (r * w.width + c));
      tile.stored.emplace_back(index,
                               tiff_tile_codec::encode_tile(corner, rows, cols, w.width, e.block, kPadding, e.codec));
    }
  return tile;
}

void GeoTiffWriter::write(GeoTiffTile tile) {
  if (encoding_) {
    if (!appender_) {
      // GDAL has made the file, all its tags and an empty tile index: it closes, and libtiff
      // takes over to append the tiles.
      close();
      appender_ = std::make_unique<TiffTileAppender>(path_, encoding_->width, encoding_->height, encoding_->block,
                                                     encoding_->codec);
    }
    for (const auto& [index, bytes] : tile.stored) appender_->append(index, bytes);
    return;
  }
  const kernels::Window& w = tile.window;
  std::vector<float>& values = tile.values;
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

void GeoTiffWriter::set_metadata(const std::string& key, const std::string& value) {
  dataset_->SetMetadataItem(key.c_str(), value.c_str());
}

void GeoTiffWriter::close() {
  if (appender_) appender_->close();
  if (!dataset_) return;
  const GdalErrorTrap trap;
  errno = 0;
  dataset_->FlushCache(true);
  GDALClose(dataset_.release());  // their failures are messages: the trap has them
  check_written(trap, false, path_, "closing it");
}

}  // namespace minerisk
