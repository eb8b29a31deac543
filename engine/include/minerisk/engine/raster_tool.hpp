#pragma once
// What the file-to-file tools (slope, aspect, proximity, density, focal) share: computing
// rasters on a grid tile by tile, in parallel, into staged GeoTIFFs.
#include <atomic>
#include <filesystem>
#include <functional>
#include <string>
#include <vector>

#include "minerisk/engine/grid.hpp"
#include "minerisk/kernels/tile_plan.hpp"

namespace minerisk {

struct ToolOptions {
  int threads = 0;
  int64_t tile_size = 512;
  bool quiet = false;
  const std::atomic<bool>* cancel = nullptr;
  std::string compress = "ZSTD";  // GeoTIFF compression of the outputs
};

struct ToolOutput {
  std::filesystem::path path;
  std::string description;  // the band description
  double nodata = NAN;      // written where a value is NaN
};

/// One vector per output, each the window's values row-major (NaN for no-data).
using TileComputer = std::function<std::vector<std::vector<float>>(const kernels::Window&)>;


/// Computes and writes `outputs` (tiled, compressed GeoTIFFs on `grid`). Every output is
/// written under a temporary name and renamed only when all are complete.
void write_rasters(const Grid& grid, const std::vector<ToolOutput>& outputs, const ToolOptions& options,
                   const std::string& label, const TileComputer& compute, TileShape shape = TileShape::squares);

}  // namespace minerisk
