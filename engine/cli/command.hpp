#pragma once
// How subcommands plug into the `minerisk` program: each adds itself to the CLI11 app and
// leaves an action to run when it is the one chosen.
#include <CLI/CLI.hpp>

#include <atomic>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "common_options.hpp"
#include "minerisk/engine/ops/control.hpp"
#include "minerisk/engine/ops/map.hpp"
#include "minerisk/engine/ops/raster_tool.hpp"

namespace minerisk::cli {

struct Command {
  CLI::App* app;
  std::function<void()> action;  // throws UserError for bad input
};

struct Context {
  const std::atomic<bool>* cancel = nullptr;
  std::string command_line;
  const CommonOptions* common = nullptr;  // -q, -v, --config, parsed before any action runs
};

/// The whole command line: the program, every subcommand (each leaving its action in
/// `commands`) and the options they all take (bound to `common`).
void define_program(CLI::App& app, std::vector<Command>& commands, const Context& context, CommonOptions& common);

/// --threads, --tile-size and --overwrite, for every subcommand whose work runs by tiles in
/// parallel (all of them write outputs).
void add_tile_options(CLI::App* cmd, ops::Control& control);
/// Checks of numbers whose messages read well ("must be a number above 0").
CLI::Validator positive_number();
CLI::Validator non_negative_number();
/// The control an operation runs with: the parsed options, plus the program's cancel flag
/// (Ctrl-C), command line and --quiet.
ops::Control control_of(const ops::Control& parsed, const Context& context);

/// The map's options (page, classes, layers), shared by `map` and `report` (map_options.cpp).
void add_map_options(CLI::App* cmd, ops::MapOptions& options, const std::string& default_size, double default_dpi);

/// -of, --co and --compress, for subcommands that write rasters.
void add_output_options(CLI::App* cmd, ops::RasterOutputOptions& output);

void add_run_command(CLI::App& app, std::vector<Command>& commands, const Context& context);
/// An `update` asked for a JSON log (`--log-format json`, `--log-format=json`, any case) whose
/// command line did not parse: the error event goes on stdout too, as for any other error, so a
/// nightly job that reads the log hears of a mistyped option. In update_command.cpp.
void log_update_parse_error(const std::vector<std::string>& args, const std::string& message);
void add_terrain_commands(CLI::App& app, std::vector<Command>& commands, const Context& context);
void add_proximity_command(CLI::App& app, std::vector<Command>& commands, const Context& context);
void add_density_command(CLI::App& app, std::vector<Command>& commands, const Context& context);
void add_focal_command(CLI::App& app, std::vector<Command>& commands, const Context& context);
void add_sweep_command(CLI::App& app, std::vector<Command>& commands, const Context& context);
void add_fit_command(CLI::App& app, std::vector<Command>& commands, const Context& context);
void add_evaluate_command(CLI::App& app, std::vector<Command>& commands, const Context& context);
void add_explain_command(CLI::App& app, std::vector<Command>& commands, const Context& context);
void add_update_command(CLI::App& app, std::vector<Command>& commands, const Context& context);
void add_diff_command(CLI::App& app, std::vector<Command>& commands, const Context& context);
void add_areas_command(CLI::App& app, std::vector<Command>& commands, const Context& context);
void add_map_command(CLI::App& app, std::vector<Command>& commands, const Context& context);
void add_report_command(CLI::App& app, std::vector<Command>& commands, const Context& context);

}  // namespace minerisk::cli
