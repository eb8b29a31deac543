// `minerisk explain GRID.nc X Y`: why a cell scores what it does, layer by layer (ops/explain).
#include <cstdio>

#include "command.hpp"
#include "minerisk/engine/ops/explain.hpp"

namespace minerisk::cli {

void add_explain_command(CLI::App& app, std::vector<Command>& commands, const Context&) {
  struct Args {
    std::filesystem::path grid;
    ops::ExplainOptions options;
    bool json = false;
  };
  auto a = std::make_shared<Args>();
  CLI::App* cmd = app.add_subcommand("explain", "Each layer's log-odds contribution at a point, and its rank in the region");
  cmd->add_option("grid", a->grid,
                  "An output of 'minerisk run' (each layer's contribution), or any grid GDAL reads (its value)")
      ->required();
  cmd->add_option("x", a->options.x, "Easting (or longitude with --crs EPSG:4326)")->required();
  cmd->add_option("y", a->options.y, "Northing (or latitude)")->required();
  cmd->add_option("--crs", a->options.crs, "CRS of X and Y (default: the grid's)");
  cmd->add_option("--variable", a->options.variable,
                  "The variable of a file of several (default: probability, or a sweep's mean)");
  cmd->add_flag("--json", a->json, "Print JSON instead of a table");
  cmd->footer("Example: minerisk explain out/sample.nc 650000 4405000");
  commands.push_back({cmd, [a] {
                        const ops::Explanation e = ops::explain(a->grid, a->options);
                        std::printf("%s", a->json ? (e.json() + "\n").c_str() : e.table().c_str());
                      }});
}

}  // namespace minerisk::cli
