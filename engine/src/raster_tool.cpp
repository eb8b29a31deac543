#include "minerisk/engine/raster_tool.hpp"

#include <memory>
#include <mutex>

#include "minerisk/engine/errors.hpp"
#include "minerisk/engine/gdal_support.hpp"
#include "minerisk/engine/geotiff_writer.hpp"
#include "minerisk/engine/staged_file.hpp"
#include "minerisk/engine/tile_loop.hpp"
#include "minerisk/kernels/tile_plan.hpp"

namespace minerisk {

void write_rasters(const Grid& grid, const std::vector<ToolOutput>& outputs, const ToolOptions& options,
                   const std::string& label, const TileComputer& compute, TileShape shape) {
  check_tile_size(options.tile_size);
  std::vector<std::unique_ptr<StagedFile>> staged;
  std::vector<std::unique_ptr<GeoTiffWriter>> writers;
  for (const ToolOutput& out : outputs) {
    staged.push_back(std::make_unique<StagedFile>(out.path));
    writers.push_back(std::make_unique<GeoTiffWriter>(staged.back()->temporary(), grid,
                                                      geotiff_block_for(options.tile_size), out.nodata, out.description,
                                                      options.compress));
  }
  const std::vector<kernels::Window> tiles = TilePlan(grid.width(), grid.height(), options.tile_size, shape).tiles();
  std::mutex write_mutex;
  for_each_tile(tiles, {options.threads, options.quiet, label, options.cancel, {}}, [&](const kernels::Window& tile) {
    std::vector<std::vector<float>> values = compute(tile);
    std::lock_guard lock(write_mutex);
    for (size_t k = 0; k < writers.size(); ++k) writers[k]->write(tile, std::move(values[k]));
  });
  for (auto& w : writers) w->close();
  for (auto& s : staged) s->commit();
}

}  // namespace minerisk
