// `minerisk sweep SWEEP.toml -o SWEEP.h5`: many scenarios in one pass over the features.
#include <cstdio>

#include "command.hpp"
#include "summary_lines.hpp"
#include "minerisk/engine/ops/sweep.hpp"

namespace minerisk::cli {

void add_sweep_command(CLI::App& app, std::vector<Command>& commands, const Context& context) {
  struct Args {
    std::string sweep;
    SweepOptions options;
    ops::Control tiles;
  };
  auto a = std::make_shared<Args>();
  CLI::App* cmd = app.add_subcommand(
      "sweep", "Run many scenarios (parameter axes, Monte Carlo uncertainty) in one pass; per-cell statistics to HDF5");
  cmd->add_option("sweep", a->sweep, "Sweep file (TOML): a base scenario, [[axis]] tables, [uncertainty]")->required();
  cmd->add_option("-o,--output", a->options.output, "Output netCDF-4 file (.nc, CF-1.8)")->required();
  add_tile_options(cmd, a->tiles);
  cmd->footer("Example (sweep.toml as in the README's 'minerisk sweep'): minerisk sweep out/sample/sweep.toml -o out/sweep.nc");
  commands.push_back({cmd, [a, context] {
                        const SweepSpec spec = load_sweep(a->sweep);
                        SweepOptions options = a->options;
                        static_cast<ops::Control&>(options) = control_of(a->tiles, context);
                        const SweepSummary s = run_sweep(spec, options);
                        if (options.quiet) return;
                        std::printf("sweep: %lld scenarios in %.1f s\n", static_cast<long long>(s.scenarios), s.seconds);
                        print_file_line("file", options.output);
                      }});
}

}  // namespace minerisk::cli
