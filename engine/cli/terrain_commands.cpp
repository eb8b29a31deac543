// `minerisk slope|aspect|tri DEM OUT.tif`: gdaldem's terrain measures, file to file.
#include "command.hpp"
#include "minerisk/engine/raster_source.hpp"
#include "minerisk/kernels/terrain.hpp"

namespace minerisk::cli {
namespace {

struct TerrainArgs {
  std::filesystem::path input, output;
  ToolOptions tiles;
  bool compute_edges = false, percent = false, trigonometric = false, zero_for_flat = false;
};

void run_terrain(const TerrainArgs& a, kernels::TerrainMeasure measure, const std::string& name,
                 const std::string& description, const Context& context) {
  const Grid grid = grid_from_raster(a.input, "input");
  const RasterSource source(a.input, grid, "input");
  kernels::TerrainOptions options;
  options.edges = a.compute_edges ? kernels::EdgeMode::extrapolate : kernels::EdgeMode::nodata;
  options.trigonometric = a.trigonometric;
  options.zero_for_flat = a.zero_for_flat;
  // gdaldem writes -9999 where it has no value; so do we, so the two can be swapped.
  ToolOptions tiles = a.tiles;
  tiles.cancel = context.cancel;
  write_rasters(grid, {{a.output, description, -9999.0}}, tiles, "minerisk " + name, [&](const kernels::Window& w) {
    const std::vector<float> dem = source.read(w.grown(1));
    std::vector<float> out(static_cast<size_t>(w.cells()));
    kernels::terrain(dem, w, grid.frame, out, measure, options);
    return std::vector<std::vector<float>>{std::move(out)};
  });
}

CLI::App* add_terrain_command(CLI::App& app, const std::string& name, const std::string& help, TerrainArgs& a) {
  CLI::App* cmd = app.add_subcommand(name, help);
  cmd->add_option("dem", a.input, "Elevation raster (any format GDAL reads)")->required();
  cmd->add_option("output", a.output, "Output GeoTIFF (float32, tiled, ZSTD-compressed, no-data -9999)")->required();
  cmd->add_flag("--compute-edges", a.compute_edges,
                "Compute edge cells and cells next to no-data as gdaldem -compute_edges does (default: no-data there)");
  add_tile_options(cmd, a.tiles);
  add_output_options(cmd, a.tiles);
  return cmd;
}

}  // namespace

void add_terrain_commands(CLI::App& app, std::vector<Command>& commands, const Context& context) {
  auto slope = std::make_shared<TerrainArgs>();
  CLI::App* s = add_terrain_command(app, "slope", "Slope by Horn's method, in degrees (or percent), like gdaldem slope", *slope);
  s->add_flag("-p,--percent", slope->percent, "Slope in percent instead of degrees");
  s->footer("Example: minerisk slope dem.tif slope.tif --compute-edges");
  commands.push_back({s, [slope, context] {
                        run_terrain(*slope,
                                    slope->percent ? kernels::TerrainMeasure::slope_percent
                                                   : kernels::TerrainMeasure::slope_degrees,
                                    "slope", slope->percent ? "slope (percent)" : "slope (degrees)", context);
                      }});

  auto aspect = std::make_shared<TerrainArgs>();
  CLI::App* a = add_terrain_command(app, "aspect", "Aspect by Horn's method, degrees clockwise from north, like gdaldem aspect", *aspect);
  a->add_flag("--trigonometric", aspect->trigonometric, "Degrees counter-clockwise from east instead");
  a->add_flag("--zero-for-flat", aspect->zero_for_flat, "0 for flat cells instead of no-data");
  a->footer("Example: minerisk aspect dem.tif aspect.tif");
  commands.push_back({a, [aspect, context] {
                        run_terrain(*aspect, kernels::TerrainMeasure::aspect, "aspect", "aspect (degrees)", context);
                      }});

  auto tri = std::make_shared<TerrainArgs>();
  CLI::App* t = add_terrain_command(app, "tri", "Terrain ruggedness index (Riley), like gdaldem TRI", *tri);
  t->footer("Example: minerisk tri dem.tif tri.tif");
  commands.push_back({t, [tri, context] {
                        run_terrain(*tri, kernels::TerrainMeasure::ruggedness, "tri", "terrain ruggedness index", context);
                      }});
}

}  // namespace minerisk::cli
