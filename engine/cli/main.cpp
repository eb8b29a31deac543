// The `minerisk` command line: parses arguments, runs the chosen subcommand, and maps failures
// to exit codes (2: something the user can fix, 1: an internal error, 130: interrupted).
#include <CLI/CLI.hpp>

#include <csignal>
#include <filesystem>
#include <iostream>

#include "command.hpp"
#include "minerisk/engine/errors.hpp"
#include "minerisk/engine/gdal_support.hpp"
#include "minerisk/engine/version.hpp"

namespace {

std::atomic<bool> g_cancel{false};
extern "C" void on_signal(int) { g_cancel.store(true); }

std::string joined_command_line(int argc, char** argv) {
  std::string line;
  for (int i = 0; i < argc; ++i) {
    if (i) line += ' ';
    line += argv[i];
  }
  return line;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"minerisk: probability of contamination by mines and unexploded ordnance, from terrain, front lines,\n"
               "finds, minefield records and clearance, as georeferenced grids (HDF5 / netCDF-4, CF-1.8);\n"
               "and its kernels as file-to-file raster tools."};
  app.name("minerisk");
  app.set_version_flag("--version", std::string("minerisk ") + minerisk::kVersion);
  app.require_subcommand(1);
  app.footer("Exit codes: 0 success, 1 internal error, 2 bad input (the message says what to fix), 130 interrupted.\n"
             "Run 'minerisk SUBCOMMAND --help' for a subcommand's options.");

  const minerisk::cli::Context context{&g_cancel, joined_command_line(argc, argv)};
  std::vector<minerisk::cli::Command> commands;
  minerisk::cli::add_run_command(app, commands, context);
  minerisk::cli::add_terrain_commands(app, commands, context);
  minerisk::cli::add_proximity_command(app, commands, context);
  minerisk::cli::add_density_command(app, commands, context);
  minerisk::cli::add_focal_command(app, commands, context);
  minerisk::cli::add_fit_command(app, commands, context);
  minerisk::cli::add_sweep_command(app, commands, context);
  minerisk::cli::add_evaluate_command(app, commands, context);
  minerisk::cli::add_explain_command(app, commands, context);

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
    minerisk::init_gdal();
    for (const auto& command : commands)
      if (command.app->parsed()) command.action();
  } catch (const minerisk::UserError& e) {
    std::cerr << "minerisk: error: " << e.what() << "\n";
    return minerisk::kExitUserError;
  } catch (const std::filesystem::filesystem_error& e) {
    // A path the user gave that the system refuses to look at (a name too long, a folder
    // that cannot be entered): theirs to fix, named with the system's reason.
    std::cerr << "minerisk: error: '" << e.path1().string() << "': " << e.code().message()
              << "; check the path\n";
    return minerisk::kExitUserError;
  } catch (const minerisk::Cancelled& e) {
    std::cerr << "minerisk: " << e.what() << "\n";
    return minerisk::kExitInterrupted;
  } catch (const std::exception& e) {
    std::cerr << "minerisk: internal error: " << e.what() << "\n";
    return minerisk::kExitInternal;
  }
  return minerisk::kExitOk;
}
