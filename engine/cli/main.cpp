// The `minerisk` command line: parses arguments, runs a subcommand, maps failures to exit codes
// (2: something the user can fix, 1: an internal error).
#include <CLI/CLI.hpp>

#include <csignal>
#include <cstdio>
#include <iostream>

#include "minerisk/engine/errors.hpp"
#include "minerisk/engine/gdal_support.hpp"
#include "minerisk/engine/run_pipeline.hpp"
#include "minerisk/engine/scenario.hpp"
#include "minerisk/engine/version.hpp"

namespace {

std::atomic<bool> g_cancel{false};
extern "C" void on_signal(int) { g_cancel.store(true); }

std::string joined_command_line(int argc, char** argv) {
  std::string line;
  for (int i = 0; i < argc; ++i) line += (i ? " " : "") + std::string(argv[i]);
  return line;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"minerisk: probability of contamination by mines and unexploded ordnance, from terrain, front lines,\n"
               "finds, minefield records and clearance, as georeferenced grids (HDF5 / netCDF-4, CF-1.8)."};
  app.name("minerisk");
  app.set_version_flag("--version", std::string("minerisk ") + minerisk::kVersion);
  app.require_subcommand(1);
  app.footer("Exit codes: 0 success, 1 internal error, 2 bad input (the message says what to fix).\n"
             "Run 'minerisk SUBCOMMAND --help' for a subcommand's options.");

  minerisk::RunOptions run;
  std::string scenario_path;
  auto* run_cmd = app.add_subcommand("run", "Compute the probability grid of a scenario and write it to HDF5");
  run_cmd->add_option("scenario", scenario_path, "Scenario file (TOML)")->required();
  run_cmd->add_option("-o,--output", run.output, "Output HDF5 file; a quick-look PNG is written beside it")->required();
  run_cmd->add_option("--threads", run.threads, "Worker threads (default: all cores)")->check(CLI::NonNegativeNumber);
  run_cmd->add_option("--tile-size", run.tile_size, "Tile edge in cells (default 512); also the HDF5 chunk size")
      ->check(CLI::Range(16, 16384));
  run_cmd->add_flag("-q,--quiet", run.quiet, "No progress output");
  bool no_picture = false;
  run_cmd->add_flag("--no-picture", no_picture, "Do not write the quick-look PNG");
  run_cmd->footer("Example: minerisk run datasets/sample/scenario.toml -o out/sample.h5");

  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForAllHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForVersion& e) {
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    std::cerr << "minerisk: error: " << e.what() << "; run 'minerisk --help' for usage\n";
    return minerisk::kExitUserError;
  }

  std::signal(SIGINT, on_signal);
  std::signal(SIGTERM, on_signal);
  try {
    if (*run_cmd) {
      minerisk::init_gdal();
      const minerisk::Scenario scenario = minerisk::load_scenario(scenario_path);
      run.quicklook = !no_picture;
      run.command_line = joined_command_line(argc, argv);
      run.cancel = &g_cancel;
      const minerisk::RunSummary summary = minerisk::run_scenario(scenario, run);
      if (!run.quiet) {
        std::fprintf(stderr, "minerisk run: %lld x %lld cells in %.1f s\n", static_cast<long long>(summary.width),
                     static_cast<long long>(summary.height), summary.seconds);
        std::printf("grid: %s\n", summary.output.string().c_str());
        if (!summary.picture.empty()) std::printf("picture: %s\n", summary.picture.string().c_str());
      }
    }
  } catch (const minerisk::UserError& e) {
    std::cerr << "minerisk: error: " << e.what() << "\n";
    return minerisk::kExitUserError;
  } catch (const minerisk::Cancelled& e) {
    std::cerr << "minerisk: " << e.what() << "\n";
    return 130;
  } catch (const std::exception& e) {
    std::cerr << "minerisk: internal error: " << e.what() << "\n";
    return minerisk::kExitInternal;
  }
  return minerisk::kExitOk;
}
