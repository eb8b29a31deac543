// `minerisk focal INPUT OUT.tif --statistic S --radius M`: moving-window statistics.
// The options; the work is ops::focal.
#include "choices.hpp"
#include "command.hpp"
#include "minerisk/engine/ops/focal.hpp"

namespace minerisk::cli {

void add_focal_command(CLI::App& app, std::vector<Command>& commands, const Context& context) {
  struct Args {
    std::filesystem::path input, output;
    ops::FocalOptions options;
    ops::Control control;
  };
  auto a = std::make_shared<Args>();
  ops::FocalOptions& o = a->options;
  CLI::App* cmd = app.add_subcommand("focal", "Moving-window statistics (mean, sum, count, max, min) over a circle or square");
  cmd->add_option("input", a->input, "Input raster")->required();
  cmd->add_option("output", a->output, "Output GeoTIFF (float32)")->required();
  // By name only: CLI11's enum transformer listed (and accepted) the enums' numbers.
  add_choice_option(cmd, "--statistic", o.statistic, ops::focal_statistics(), "mean (default), sum, count, max or min");
  cmd->add_option("--radius", o.radius, "Radius in metres (a square reaches this far along each axis)")
      ->required()
      ->check(non_negative_number());
  add_choice_option(cmd, "--shape", o.shape, ops::focal_shapes(), "circle (default) or square");
  add_tile_options(cmd, a->control);
  add_output_options(cmd, o);
  cmd->footer("Example: minerisk focal density.tif density_max.tif --statistic max --radius 500");
  commands.push_back({cmd, [a, context] {
                        ops::focal(a->input, a->output, a->options, control_of(a->control, context));
                      }});
}

}  // namespace minerisk::cli
