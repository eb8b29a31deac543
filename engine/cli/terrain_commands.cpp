// `minerisk slope|aspect|tri DEM OUT.tif`: gdaldem's terrain measures, file to file
// (the options; the work is ops::slope, ops::aspect and ops::tri).
#include "command.hpp"
#include "minerisk/engine/ops/terrain_tools.hpp"

namespace minerisk::cli {
namespace {

struct Paths {
  std::filesystem::path input, output;
};

CLI::App* add_terrain_command(CLI::App& app, const std::string& name, const std::string& help, Paths& paths,
                              bool& compute_edges, ops::Control& control, ops::RasterOutputOptions& output) {
  CLI::App* cmd = app.add_subcommand(name, help);
  cmd->add_option("dem", paths.input, "Elevation raster (any format GDAL reads)")->required();
  cmd->add_option("output", paths.output, "Output GeoTIFF (float32, tiled, ZSTD-compressed, no-data -9999)")->required();
  cmd->add_flag("--compute-edges", compute_edges,
                "Compute edge cells and cells next to no-data as gdaldem -compute_edges does (default: no-data there)");
  add_tile_options(cmd, control);
  add_output_options(cmd, output);
  return cmd;
}

template <class Options>
struct TerrainArgs {
  Paths paths;
  Options options;
  ops::Control control;
};

}  // namespace

void add_terrain_commands(CLI::App& app, std::vector<Command>& commands, const Context& context) {
  auto slope = std::make_shared<TerrainArgs<ops::SlopeOptions>>();
  CLI::App* s = add_terrain_command(app, "slope", "Slope by Horn's method, in degrees (or percent), like gdaldem slope",
                                    slope->paths, slope->options.compute_edges, slope->control, slope->options);
  s->add_flag("-p,--percent", slope->options.percent, "Slope in percent instead of degrees");
  s->footer("Example: minerisk slope dem.tif slope.tif --compute-edges");
  commands.push_back({s, [slope, context] {
                        ops::slope(slope->paths.input, slope->paths.output, slope->options,
                                   control_of(slope->control, context));
                      }});

  auto aspect = std::make_shared<TerrainArgs<ops::AspectOptions>>();
  CLI::App* a = add_terrain_command(app, "aspect",
                                    "Aspect by Horn's method, degrees clockwise from north, like gdaldem aspect",
                                    aspect->paths, aspect->options.compute_edges, aspect->control, aspect->options);
  a->add_flag("--trigonometric", aspect->options.trigonometric, "Degrees counter-clockwise from east instead");
  a->add_flag("--zero-for-flat", aspect->options.zero_for_flat, "0 for flat cells instead of no-data");
  a->footer("Example: minerisk aspect dem.tif aspect.tif");
  commands.push_back({a, [aspect, context] {
                        ops::aspect(aspect->paths.input, aspect->paths.output, aspect->options,
                                    control_of(aspect->control, context));
                      }});

  auto tri = std::make_shared<TerrainArgs<ops::TriOptions>>();
  CLI::App* t = add_terrain_command(app, "tri", "Terrain ruggedness index (Riley), like gdaldem TRI", tri->paths,
                                    tri->options.compute_edges, tri->control, tri->options);
  t->footer("Example: minerisk tri dem.tif tri.tif");
  commands.push_back({t, [tri, context] {
                        ops::tri(tri->paths.input, tri->paths.output, tri->options, control_of(tri->control, context));
                      }});
}

}  // namespace minerisk::cli
