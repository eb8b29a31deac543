// `minerisk diff OLD.nc NEW.nc -o CHANGE.tif`: where the probability rose or fell by more than a
// threshold between two grids of the same cells, as a change raster and a report on stdout.
// The options; the work is ops::diff.
#include <cstdio>

#include "command.hpp"
#include "minerisk/engine/ops/diff.hpp"

namespace minerisk::cli {

void add_diff_command(CLI::App& app, std::vector<Command>& commands, const Context& context) {
  struct Args {
    std::filesystem::path old_grid, new_grid, output;
    ops::DiffOptions options;
    ops::Control control;
    bool json = false;
  };
  auto a = std::make_shared<Args>();
  ops::DiffOptions& o = a->options;
  CLI::App* cmd = app.add_subcommand(
      "diff", "Where the probability rose or fell by more than a threshold between two grids: a change raster and a report");
  cmd->add_option("old", a->old_grid, "The earlier grid: an output of 'minerisk run' (or any grid GDAL reads)")
      ->required();
  cmd->add_option("new", a->new_grid, "The later grid, on the same cells (size, geotransform and CRS)")->required();
  cmd->add_option("-o,--output", a->output,
                  "Output change raster (float32: NEW - OLD beyond the threshold, 0 within it, no-data where either "
                  "grid has none)")
      ->required();
  cmd->add_option("--threshold", o.threshold,
                  "A change of at most this much probability counts as none (default 0.01; 0 to below 1)");
  cmd->add_option("--variable", o.variable, "The variable of both files (default: probability, or a sweep's mean)");
  cmd->add_flag("--json", a->json, "Print the report as one JSON object instead of text");
  add_tile_options(cmd, a->control);
  add_output_options(cmd, o);
  cmd->footer("Examples:\n  minerisk diff yesterday.nc today.nc -o change.tif\n"
              "  minerisk diff yesterday.nc today.nc -o change.tif --threshold 0.05 --json --overwrite");
  commands.push_back({cmd, [a, context] {
                        const ops::ChangeReport r = ops::diff(a->old_grid, a->new_grid, a->output, a->options,
                                                              control_of(a->control, context));
                        std::printf("%s", a->json ? (r.json() + "\n").c_str() : r.text().c_str());
                      }});
}

}  // namespace minerisk::cli
