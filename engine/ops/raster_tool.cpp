// The raster tools' shared writer: a kernel over the tiles of a grid (for_each_tile), into
// GeoTIFFs written under temporary names and renamed into place when all are complete.
#include "minerisk/engine/ops/raster_tool.hpp"

#include <algorithm>
#include <cctype>
#include <memory>
#include <mutex>

#include "minerisk/engine/errors.hpp"
#include "minerisk/engine/gdal_support.hpp"
#include "minerisk/engine/geotiff_writer.hpp"
#include "minerisk/engine/staged_file.hpp"
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

void write_rasters(const Grid& grid, const std::vector<ToolOutput>& outputs, const std::string& compress,
                   const Control& control, const std::string& label, const TileComputer& compute, TileShape shape) {
  control.check();
  const std::string compression = checked_compression(compress);
  std::vector<std::unique_ptr<StagedFile>> staged;
  std::vector<std::unique_ptr<GeoTiffWriter>> writers;
  for (const ToolOutput& out : outputs) {
    staged.push_back(std::make_unique<StagedFile>(out.path));
    writers.push_back(std::make_unique<GeoTiffWriter>(staged.back()->temporary(), grid,
                                                      geotiff_block_for(control.tile_size), out.nodata, out.description,
                                                      compression));
  }
  const std::vector<kernels::Window> tiles = TilePlan(grid.width(), grid.height(), control.tile_size, shape).tiles();
  std::mutex write_mutex;
  for_each_tile(tiles, control.loop(label), [&](const kernels::Window& tile) {
    std::vector<std::vector<float>> values = compute(tile);
    std::lock_guard lock(write_mutex);
    for (size_t k = 0; k < writers.size(); ++k) writers[k]->write(tile, std::move(values[k]));
  });
  for (auto& w : writers) w->close();
  for (auto& s : staged) s->commit();
}

}  // namespace minerisk::ops
