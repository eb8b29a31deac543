// The raster tools' shared writer: a kernel over the tiles of a grid (for_each_tile), into
// GeoTIFFs written through one OutputSet (checked against the inputs, written in a private
// folder, renamed into place together when all are complete).
#include "minerisk/engine/ops/raster_tool.hpp"

#include <algorithm>
#include <cctype>
#include <memory>
#include <mutex>

#include "minerisk/engine/errors.hpp"
#include "minerisk/engine/gdal_support.hpp"
#include "minerisk/engine/geotiff_writer.hpp"
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

void check_tool_outputs(const std::vector<std::filesystem::path>& outputs,
                        const std::vector<std::filesystem::path>& inputs) {
  OutputSet probe(inputs);
  for (const std::filesystem::path& out : outputs)
    if (!out.empty()) probe.add(out);
}

void write_rasters(const Grid& grid, const std::vector<ToolOutput>& outputs,
                   const std::vector<std::filesystem::path>& inputs, const std::string& compress,
                   const Control& control, const std::string& label, const TileComputer& compute, TileShape shape) {
  control.check();
  const std::string compression = checked_compression(compress);
  OutputSet staged(inputs);
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
  staged.writing([&] {
    std::vector<std::unique_ptr<GeoTiffWriter>> writers;
    for (size_t k = 0; k < outputs.size(); ++k)
      writers.push_back(std::make_unique<GeoTiffWriter>(staged.temporary(k), grid, geotiff_block_for(control.tile_size),
                                                        outputs[k].nodata, outputs[k].description, compression));
    const std::vector<kernels::Window> tiles =
        TilePlan(grid.width(), grid.height(), control.tile_size, shape).tiles();
    std::mutex write_mutex;
    for_each_tile(tiles, control.loop(label), [&](const kernels::Window& tile) {
      std::vector<std::vector<float>> values = compute(tile);
      std::lock_guard lock(write_mutex);
      for (size_t k = 0; k < writers.size(); ++k) writers[k]->write(tile, std::move(values[k]));
    });
    for (auto& w : writers) w->close();
  });
  staged.commit(control.cancel);
}

}  // namespace minerisk::ops
