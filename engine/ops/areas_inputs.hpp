#pragma once
// What an area's figures are computed from besides the probability, each opened once and read
// window by window: the grid's evidence layers and a sweep's sd and p95 (beside the chosen
// variable in the same files), the DEM (for slope), the roads and settlements (for access), an
// impact and a cost raster, and the true items.
#include <filesystem>
#include <memory>
#include <span>
#include <string>
#include <utility>
#include <vector>

#include "minerisk/engine/grid_file_reader.hpp"
#include "minerisk/engine/ops/areas.hpp"
#include "minerisk/engine/raster_source.hpp"
#include "minerisk/engine/vector_inputs.hpp"

namespace minerisk::ops {

struct AreaInputs {
  explicit AreaInputs(const GridFileReader& grid) : reader(grid) {}
  const GridFileReader& reader;
  std::span<const float> probability;       // the whole grid, row-major: read once, by areas.cpp
  std::vector<std::string> evidence;        // evidence layer names (read as "evidence/<name>")
  bool sweep = false;                       // the grid has a sweep's "sd" and "p95"
  std::unique_ptr<RasterSource> dem, impact, cost;
  std::filesystem::path dem_path;
  bool access = false;
  Geometries access_features;               // every access layer's, in the grid's CRS
  bool truth = false;
  std::vector<std::pair<int64_t, float>> items;  // (cell index, true items), by cell index
  double items_outside_grid = 0;                 // true items beyond the grid: not scored, but counted
  std::vector<std::filesystem::path> files;      // every file read, for the output checks
};

/// Opens what `options` names (UserError naming the option for a bad one). The DEM defaults
/// to the grid's scenario's `[terrain] dem`, when the grid has one and the file is still there.
AreaInputs open_area_inputs(const GridFileReader& reader, const std::filesystem::path& grid_file,
                            const AreasOptions& options);

}  // namespace minerisk::ops
