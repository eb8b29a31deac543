#pragma once
// The command line as plain data, read from the CLI11 tree: what the man page and the bash
// completion are written from (so they need not know CLI11, and cannot drift from the parser).
#include <CLI/CLI.hpp>

#include <string>
#include <vector>

namespace minerisk::cli {

struct OptionModel {
  std::vector<std::string> names;    // "-o", "--output"; a positional's name
  std::string value;                 // what follows the name in the synopsis ("OUTPUT", "KEY VALUE"); "" for a flag
  int values = 0;                    // words taken after the name: 0 for a flag, 2 for --config
  std::string help;                  // the option's help text
  std::vector<std::string> choices;  // the names a choice option takes (--statistic)
  bool positional = false, required = false;
  bool path = false;                 // a text value: a file name, as far as completion goes
};

struct CommandModel {
  std::string name, help, footer;
  std::vector<OptionModel> positionals, options;  // options in the order of --help
};

struct ProgramModel {
  std::string name, summary, description, footer;  // summary: the description's first line
  std::vector<OptionModel> options;                // the program's own (--help, --version)
  std::vector<CommandModel> commands;
};

/// The visible subcommands and options of `app` (hidden ones, in the group "", are left out).
ProgramModel model_of(CLI::App& app);

/// The options every subcommand has (same names and help), in the first subcommand's order.
std::vector<OptionModel> shared_options(const ProgramModel& program);

/// Whether `command` has an option of `shared` (by its names).
bool is_shared(const OptionModel& option, const std::vector<OptionModel>& shared);

}  // namespace minerisk::cli
