// The terrain tools (slope, aspect, tri): the DEM read tile by tile with a one-cell halo,
// gdaldem's measures by the terrain kernel, written by the tools' shared writer.
#include "minerisk/engine/ops/terrain_tools.hpp"

#include "minerisk/engine/ops/raster_tool.hpp"
#include "minerisk/engine/raster_source.hpp"
#include "minerisk/kernels/terrain.hpp"

namespace minerisk::ops {
namespace {

// gdaldem writes -9999 where it has no value; so do we, so the two can be swapped.
constexpr double kNoData = -9999.0;

void run_terrain(const std::filesystem::path& dem, const std::filesystem::path& output, kernels::TerrainMeasure measure,
                 const kernels::TerrainOptions& options, const RasterOutputOptions& format, const std::string& name,
                 const std::string& description, const std::string& units, const Control& control) {
  control.check();
  check_tool_outputs({output}, {{"input", dem}}, format, control);
  const Grid grid = grid_from_raster(dem, "input");
  const RasterSource source(dem, grid, "input");
  write_rasters(grid, {{output, description, kNoData, units, name}}, {{"input", dem}}, format, control, "minerisk " + name,
                [&](const kernels::Window& w) {
                  const std::vector<float> values = source.read(w.grown(1));
                  std::vector<float> out(static_cast<size_t>(w.cells()));
                  kernels::terrain(values, w, grid.frame, out, measure, options);
                  return std::vector<std::vector<float>>{std::move(out)};
                });
}

kernels::EdgeMode edges(bool compute_edges) {
  return compute_edges ? kernels::EdgeMode::extrapolate : kernels::EdgeMode::nodata;
}

}  // namespace

void slope(const std::filesystem::path& dem, const std::filesystem::path& output, const SlopeOptions& options,
           const Control& control) {
  run_terrain(dem, output,
              options.percent ? kernels::TerrainMeasure::slope_percent : kernels::TerrainMeasure::slope_degrees,
              {edges(options.compute_edges), false, false}, options, "slope",
              options.percent ? "slope (percent)" : "slope (degrees)", options.percent ? "%" : "degree", control);
}

void aspect(const std::filesystem::path& dem, const std::filesystem::path& output, const AspectOptions& options,
            const Control& control) {
  run_terrain(dem, output, kernels::TerrainMeasure::aspect,
              {edges(options.compute_edges), options.zero_for_flat, options.trigonometric}, options, "aspect",
              "aspect (degrees)", "degree", control);
}

void tri(const std::filesystem::path& dem, const std::filesystem::path& output, const TriOptions& options,
         const Control& control) {
  run_terrain(dem, output, kernels::TerrainMeasure::ruggedness, {edges(options.compute_edges), false, false},
              options, "tri", "terrain ruggedness index", "m", control);
}

}  // namespace minerisk::ops
