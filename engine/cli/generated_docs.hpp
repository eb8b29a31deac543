#pragma once
// The man page and the bash completion, written from the program's own CLI11 definitions
// (`minerisk --generate-man` and `--generate-bash-completion`, run by the build).
#include <CLI/CLI.hpp>

#include <ostream>
#include <string>

namespace minerisk::cli {

/// minerisk.1 in roff (man(7) macros): every subcommand with its synopsis, arguments, options
/// (choices listed), and examples; the options all subcommands share once.
void write_man_page(CLI::App& app, const std::string& version, std::ostream& out);

/// A bash completion script: subcommands, each one's options, the names of choice options,
/// files for positional arguments and path options. Needs only bash (not bash-completion).
void write_bash_completion(CLI::App& app, std::ostream& out);

/// For argv[1] == "--generate-man" or "--generate-bash-completion": writes it to argv[2] (or
/// stdout without one) and returns the exit code; -1 when argv asks for neither.
int generate_docs(CLI::App& app, int argc, char** argv);

}  // namespace minerisk::cli
