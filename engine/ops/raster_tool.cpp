// The raster tools' shared writer: a kernel over the tiles of a grid (for_each_tile), into
// GeoTIFFs written through one OutputSet (checked against the inputs, written in a private
// folder, renamed into place together when all are complete).
#include "minerisk/engine/ops/raster_tool.hpp"

#include <algorithm>
#include <cctype>
#include <memory>
#include <mutex>

#include <cpl_string.h>

#include "minerisk/engine/errors.hpp"
#include "minerisk/engine/gdal_support.hpp"
#include "minerisk/engine/geotiff_writer.hpp"
#include "minerisk/engine/output_format.hpp"
#include "minerisk/engine/output_set.hpp"
#include "minerisk/engine/tile_loop.hpp"

namespace minerisk::ops {

std::string checked_compression(const std::string& compress) {
  std::string upper = compress;
  for (char& ch : upper) ch = static_cast<char>(std::toupper(static_cast<unsigned char>(ch)));
  if (std::find(kCompressions.begin(), kCompressions.end(), upper) == kCompressions.end()) {
    // The command line's own message for this (CLI11's, from the same list).
    std::string names;
    for (const std::string& c : kCompressions) names += (names.empty() ? "" : ",") + c;
    throw UserError("--compress: " + compress + " not in {" + names + "}");
  }
  return upper;
}

void require_raster_without_like(const std::filesystem::path& input) {
  if (is_vector_only(input))
    throw UserError("input: '" + input.string() +
                    "' is a vector layer; give --like TEMPLATE.tif for the grid of the output");
}

namespace {

// Checks everything about the request that needs no data: each output's driver (one per
// output, in order) and the creation options against it.
std::vector<std::string> output_drivers(const std::vector<std::filesystem::path>& outputs,
                                        const RasterOutputOptions& format) {
  checked_compression(format.compress);
  std::vector<std::string> drivers;
  for (const std::filesystem::path& out : outputs) {
    if (out.empty()) continue;
    drivers.push_back(raster_output_driver(out, format.format));
    check_creation_options(drivers.back(), format.creation_options);
  }
  return drivers;
}

// minerisk's defaults for a driver, then the user's --co over them (GDAL takes the last of a key).
CPLStringList creation_options(const std::string& driver, const std::string& compression,
                               const RasterOutputOptions& format) {
  CPLStringList options;
  const bool compressed = compression != "NONE";
  if (driver == "COG") {
    options.SetNameValue("COMPRESS", compression.c_str());
    if (compressed) options.SetNameValue("PREDICTOR", "YES");  // the floating-point predictor
    if (compression == "ZSTD") options.SetNameValue("LEVEL", "1");
    options.SetNameValue("BLOCKSIZE", "512");
    // Overviews of a probability or a distance are means of their cells: AVERAGE, never the
    // cubic default, which overshoots [0, 1] and makes negative distances.
    options.SetNameValue("RESAMPLING", "AVERAGE");
    options.SetNameValue("NUM_THREADS", "ALL_CPUS");
    options.SetNameValue("BIGTIFF", "IF_SAFER");
  } else if (driver == "netCDF") {
    options.SetNameValue("FORMAT", "NC4");
    if (compressed) options.SetNameValue("COMPRESS", "DEFLATE");
  }
  for (const std::string& option : format.creation_options) {
    const size_t eq = option.find('=');
    options.SetNameValue(option.substr(0, eq).c_str(), option.substr(eq + 1).c_str());
  }
  return options;
}

// Copies the GeoTIFF `from` into `to` with `driver` (COG, netCDF, HFA...), as gdal_translate.
void copy_with_driver(const std::filesystem::path& from, const std::filesystem::path& to, const std::string& driver,
                      const CPLStringList& options, const std::filesystem::path& destination) {
  GDALDriver* writer = GetGDALDriverManager()->GetDriverByName(driver.c_str());
  const GdalErrorTrap trap;
  DatasetPtr source(GDALDataset::Open(from.c_str(), GDAL_OF_RASTER | GDAL_OF_READONLY));
  DatasetPtr copy(source ? writer->CreateCopy(to.c_str(), source.get(), FALSE, options.List(), nullptr, nullptr)
                         : nullptr);
  if (copy) copy->FlushCache(true);
  const bool failed = !copy;
  copy.reset();
  if (failed || trap.raised())
    throw UserError("output: " + driver + " cannot write '" + destination.string() + "': " +
                    (trap.raised() ? trap.first() : last_gdal_error()) + "; choose another -of or --co");
}

}  // namespace

void check_tool_outputs(const std::vector<std::filesystem::path>& outputs,
                        const std::vector<std::filesystem::path>& inputs, const RasterOutputOptions& format,
                        const Control& control) {
  OutputSet probe(inputs, control.overwrite);
  for (const std::filesystem::path& out : outputs)
    if (!out.empty()) probe.add(out);  // the refusals that protect data first
  output_drivers(outputs, format);
}

void write_rasters(const Grid& grid, const std::vector<ToolOutput>& outputs,
                   const std::vector<std::filesystem::path>& inputs, const RasterOutputOptions& format,
                   const Control& control, const std::string& label, const TileComputer& compute, TileShape shape) {
  control.check();
  const std::string compression = checked_compression(format.compress);
  std::vector<std::filesystem::path> paths;
  for (const ToolOutput& out : outputs) paths.push_back(out.path);
  OutputSet staged(inputs, control.overwrite);
  for (const ToolOutput& out : outputs) {
    const size_t k = staged.add(out.path);
    // Uncompressed, the data's size exactly; compressed, only the tile index (offsets and byte
    // counts, 8 bytes a tile) is certain.
    const auto cells = static_cast<uint64_t>(grid.width()) * static_cast<uint64_t>(grid.height());
    const auto block = static_cast<uint64_t>(geotiff_block_for(control.tile_size));
    const uint64_t tiles = ((static_cast<uint64_t>(grid.width()) + block - 1) / block) *
                           ((static_cast<uint64_t>(grid.height()) + block - 1) / block);
    staged.expect_size(k, compression == "NONE" ? cells * 4 : tiles * 8);
  }
  const std::vector<std::string> drivers = output_drivers(paths, format);
  staged.writing([&] {
    // GeoTIFFs are written tile by tile where they go; other formats from a GeoTIFF beside them
    // (uncompressed: it is read once, right away).
    std::vector<std::filesystem::path> tiffs;
    std::vector<std::unique_ptr<GeoTiffWriter>> writers;
    for (size_t k = 0; k < outputs.size(); ++k) {
      const bool direct = drivers[k] == "GTiff";
      tiffs.push_back(direct ? staged.temporary(k) : staged.scratch(k, ".tif"));
      writers.push_back(std::make_unique<GeoTiffWriter>(
          tiffs[k], grid, geotiff_block_for(control.tile_size), outputs[k].nodata, outputs[k].description,
          direct ? compression : "NONE", direct ? format.creation_options : std::vector<std::string>{},
          outputs[k].units));
      if (!direct) {
        // What GDAL's netCDF driver makes of a band when it copies one: the variable's name and
        // its CF long_name and units (other drivers keep or ignore band metadata).
        if (!outputs[k].variable.empty()) writers[k]->set_band_metadata("NETCDF_VARNAME", outputs[k].variable);
        writers[k]->set_band_metadata("long_name", outputs[k].description);
        if (!outputs[k].units.empty()) writers[k]->set_band_metadata("units", outputs[k].units);
      }
    }
    const std::vector<kernels::Window> tiles =
        TilePlan(grid.width(), grid.height(), control.tile_size, shape).tiles();
    std::mutex write_mutex;
    for_each_tile(tiles, control.loop(label), [&](const kernels::Window& tile) {
      std::vector<std::vector<float>> values = compute(tile);
      std::lock_guard lock(write_mutex);
      for (size_t k = 0; k < writers.size(); ++k) writers[k]->write(tile, std::move(values[k]));
    });
    for (auto& w : writers) w->close();
    for (size_t k = 0; k < outputs.size(); ++k) {
      if (drivers[k] == "GTiff") continue;
      control.check_cancelled();
      copy_with_driver(tiffs[k], staged.temporary(k), drivers[k], creation_options(drivers[k], compression, format),
                       outputs[k].path);
    }
  });
  staged.commit(control.cancel);
}

}  // namespace minerisk::ops
