#pragma once
// The options every subcommand takes, as GDAL's programs do: -q/--quiet, -v/--verbose and
// --config KEY VALUE (a GDAL configuration option, repeatable).
#include <CLI/CLI.hpp>

#include <string>
#include <utility>
#include <vector>

namespace minerisk::cli {

struct CommonOptions {
  bool quiet = false;    // no progress and no summary lines: errors only (results still print)
  bool verbose = false;  // what the subcommand runs with, GDAL's debug messages, the time taken
  std::vector<std::pair<std::string, std::string>> config;  // --config KEY VALUE, in order
};

/// Adds -q/--quiet, -v/--verbose (refused together) and --config to `cmd`, bound to `common`
/// (one struct for all subcommands: only the chosen one is parsed).
void add_common_options(CLI::App* cmd, CommonOptions& common);

/// Before any work: sets the GDAL configuration options in the order given (--verbose also sets
/// CPL_DEBUG=ON unless --config says otherwise), registers GDAL's drivers and sends GDAL's debug
/// messages (and with --verbose its warnings) to stderr as GDAL's own programs print them.
void apply_common_options(const CommonOptions& common);

/// --verbose: the versions, the chosen subcommand's arguments as parsed, the GDAL configuration
/// set and the threads it may use, one line each on stderr.
void report_start(CLI::App& cmd, const CommonOptions& common);
/// --verbose: the time the subcommand took.
void report_end(const CLI::App& cmd, double seconds);

}  // namespace minerisk::cli
