// `minerisk density INPUT OUT.tif --bandwidth M`: Gaussian kernel density in items per km2, of
// a point layer onto a template grid (exact), or of a raster of counts (separable smoothing).
// The options; the work is ops::density.
#include "command.hpp"
#include "minerisk/engine/ops/density.hpp"

namespace minerisk::cli {

void add_density_command(CLI::App& app, std::vector<Command>& commands, const Context& context) {
  struct Args {
    std::filesystem::path input, output;
    ops::DensityOptions options;
    ops::Control control;
  };
  auto a = std::make_shared<Args>();
  ops::DensityOptions& o = a->options;
  CLI::App* cmd = app.add_subcommand(
      "density", "Gaussian kernel density in items per km2: of points onto a template grid, or of a raster of counts");
  cmd->add_option("input", a->input, "A point layer (with --like), or a raster of counts per cell")->required();
  cmd->add_option("output", a->output, "Output GeoTIFF (float32, items per km2)")->required();
  cmd->add_option("--bandwidth", o.bandwidth, "Kernel standard deviation in metres")->required()->check(positive_number());
  cmd->add_option("--like", o.like, "Template raster whose grid the output takes (for a point layer)");
  cmd->add_option("--layer", o.layer, "Layer of a vector INPUT (default: its only layer)");
  cmd->add_option("--where", o.where, "OGR SQL filter on the points");
  cmd->add_option("--weight-field", o.weight_field, "Attribute with each point's count (default: 1 per point)");
  cmd->add_option("--truncate", o.truncate, "Sum the kernel out to this many bandwidths (default 4, as scipy)")
      ->check(CLI::Range(1.0, 10.0));
  add_tile_options(cmd, a->control);
  add_output_options(cmd, o);
  cmd->footer("Examples:\n  minerisk density finds.gpkg density.tif --like dem.tif --bandwidth 250\n"
              "  minerisk density counts.tif density.tif --bandwidth 250");
  commands.push_back({cmd, [a, context] {
                        ops::density(a->input, a->output, a->options, control_of(a->control, context));
                      }});
}

}  // namespace minerisk::cli
