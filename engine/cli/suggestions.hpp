#pragma once
// The one-line message for a command line the parser refused, in the manner of mature GIS tools:
// an unknown subcommand or option is named with the nearest valid name ("did you mean"), and
// every message points to the help of the subcommand it is about.
#include <CLI/CLI.hpp>

#include <string>
#include <vector>

namespace minerisk::cli {

/// The message (without the "minerisk: error: " prefix) for `error`, thrown by app.parse(args)
/// where `args` are the program's arguments (argv[1] onwards).
std::string parse_error_message(CLI::App& app, const std::vector<std::string>& args, const CLI::ParseError& error);

}  // namespace minerisk::cli
