// `minerisk proximity INPUT OUT.tif`: distance in metres to the nearest feature, from a raster
// mask (like gdal_proximity) or from a vector layer onto a template grid (exact, no rasterising).
// The options; the work is ops::proximity.
#include "command.hpp"
#include "minerisk/engine/ops/proximity.hpp"

namespace minerisk::cli {

void add_proximity_command(CLI::App& app, std::vector<Command>& commands, const Context& context) {
  struct Args {
    std::filesystem::path input, output;
    ops::ProximityOptions options;
    ops::Control control;
  };
  auto a = std::make_shared<Args>();
  ops::ProximityOptions& o = a->options;
  CLI::App* cmd = app.add_subcommand(
      "proximity", "Distance in metres to the nearest feature: from a raster mask (like gdal_proximity) or a vector layer");
  cmd->add_option("input", a->input, "A raster (features: non-zero cells, or --values) or, with --like, a vector layer")
      ->required();
  cmd->add_option("output", a->output, "Output GeoTIFF of distances in metres (float32, no-data -9999)")->required();
  cmd->add_option("--like", o.like, "Template raster whose grid the output takes (makes INPUT a vector layer)");
  cmd->add_option("--layer", o.layer, "Layer of a vector INPUT (default: its only layer)");
  cmd->add_option("--where", o.where, "OGR SQL filter on a vector INPUT's features");
  cmd->add_option("--values", o.values, "Raster values that are features (default: every non-zero value)")->delimiter(',');
  cmd->add_option("--max-distance", o.max_distance, "Clamp distances to this many metres")->check(positive_number());
  cmd->add_flag("--signed", o.signed_distance,
                "Vector input: positive on the left of each line's direction, negative on the right");
  cmd->add_option("--nearest-value", o.nearest_value, "Also write the value of each cell's nearest feature (raster input)");
  add_tile_options(cmd, a->control);
  add_output_options(cmd, o);
  cmd->footer("Examples:\n  minerisk proximity mask.tif distance.tif\n"
              "  minerisk proximity region.gpkg distance.tif --layer front_lines --like dem.tif --max-distance 5000");
  commands.push_back({cmd, [a, context] {
                        ops::proximity(a->input, a->output, a->options, control_of(a->control, context));
                      }});
}

}  // namespace minerisk::cli
