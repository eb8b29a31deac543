// -q, -v and --config on every subcommand, and what they do (see common_options.hpp).
#include "common_options.hpp"

#include <cctype>

#include <cpl_conv.h>
#include <cpl_error.h>
#include <cpl_string.h>
#include <gdal.h>
#include <tbb/info.h>

#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include "minerisk/engine/errors.hpp"
#include "minerisk/engine/gdal_support.hpp"
#include "minerisk/engine/version.hpp"

namespace minerisk::cli {
namespace {

const char* const kCommonGroup = "Options of every subcommand";
std::atomic<bool> g_show_warnings{false};

// The engine silences GDAL's own reports (it turns failures into its one-line errors). What it
// cannot judge is tracing: CE_Debug only arrives when CPL_DEBUG is set, that is when the user
// asked for it, so it is printed as gdalinfo would print it. One write a line, so lines from
// worker threads do not mix.
void CPL_STDCALL to_stderr(CPLErr type, CPLErrorNum number, const char* message) {
  std::string line;
  if (type == CE_Debug)
    line = message ? message : "";
  else if (g_show_warnings.load() && type == CE_Warning)
    line = "Warning " + std::to_string(number) + ": " + (message ? message : "");
  else if (g_show_warnings.load() && (type == CE_Failure || type == CE_Fatal))
    line = "ERROR " + std::to_string(number) + ": " + (message ? message : "");
  else
    return;
  line += '\n';
  std::fputs(line.c_str(), stderr);
}

bool configured(const CommonOptions& common, const std::string& key) {
  for (const auto& [k, v] : common.config)
    if (k == key) return true;
  return false;
}

std::string given_value(const CLI::Option& option) {
  if (option.get_expected_max() == 0) return {};  // a flag: its name says it
  std::string text;
  for (const std::string& r : option.results()) text += (text.empty() ? "" : " ") + r;
  return text;
}

}  // namespace

void add_common_options(CLI::App* cmd, CommonOptions& common) {
  CLI::Option* quiet =
      cmd->add_flag("-q,--quiet", common.quiet, "Print nothing but errors (and the result, for explain and diff)")->group(kCommonGroup);
  CLI::Option* verbose =
      cmd->add_flag("-v,--verbose", common.verbose,
                    "Print the arguments as parsed, the GDAL configuration, threads and time taken, and GDAL's debug "
                    "messages (CPL_DEBUG=ON), on stderr")
          ->group(kCommonGroup);
  quiet->excludes(verbose);
  verbose->excludes(quiet);
  // One KEY VALUE pair an occurrence (allow_extra_args(false)): a third word is a positional.
  cmd->add_option("--config", common.config,
                  "Set the GDAL configuration option KEY to VALUE before any work, as GDAL's programs do "
                  "(--config GDAL_CACHEMAX 512); repeatable")
      ->type_name("KEY VALUE")
      ->expected(1)
      ->allow_extra_args(false)
      ->take_all()
      ->group(kCommonGroup);
}

namespace {
// Where the value GDAL uses for `key` was set, for a message: the last --config of it, else the
// environment (a batch job's GDAL_NUM_THREADS=...) or GDAL_CONFIG_FILE's [configoptions].
std::string where_set(const CommonOptions& common, const std::string& key, const std::string& value) {
  for (auto it = common.config.rbegin(); it != common.config.rend(); ++it)
    if (EQUAL(it->first.c_str(), key.c_str())) return "--config " + it->first + " " + it->second;
  return key + "=" + value + " (in the environment, or a GDAL configuration file)";
}

// GDAL reads some configuration only when it first uses it, and complains then, under the read
// of an input: a bad GDAL_CACHEMAX or GDAL_NUM_THREADS (from --config or the environment) was
// said to be a damaged input file. The values in effect are checked before any work, by GDAL's
// rules, and named where they were set.
void check_configuration_values(const CommonOptions& common) {
  {
    const GdalErrorTrap trap;
    GDALGetCacheMax64();  // parses the value, once
    if (trap.raised())
      throw UserError(where_set(common, "GDAL_CACHEMAX", CPLGetConfigOption("GDAL_CACHEMAX", "")) + ": GDAL reports '" +
                      trap.first() + "'; give megabytes (512) or a share of memory (10%)");
  }
  std::vector<std::string> keys = {"GDAL_NUM_THREADS"};
  for (const auto& [key, value] : common.config)
    if (key.size() >= 11 && EQUAL(key.c_str() + key.size() - 11, "NUM_THREADS")) keys.push_back(key);
  for (const std::string& key : keys) {
    const char* value = CPLGetConfigOption(key.c_str(), nullptr);
    // As GDAL 3.6's drivers read it: ALL_CPUS, 0, 1, or a text atoi reads as 2 or more ("02" and
    // "+4" run; "01", "-1", "abc" and 2147483648 get GDAL's warning).
    if (!value || EQUAL(value, "ALL_CPUS") || std::string(value) == "0" || std::string(value) == "1" ||
        std::atoi(value) >= 2)
      continue;
    throw UserError(where_set(common, key, value) + ": not a number of threads GDAL reads; give a whole number "
                    "(without a leading zero), or ALL_CPUS");
  }
}
}  // namespace

void apply_common_options(const CommonOptions& common) {
  // --config takes two words: "--config GDAL_CACHEMAX=64 -q" took -q as the value (and lost it
  // as an option) without a word.
  for (const auto& [key, value] : common.config) {
    if (key.empty() || key.find('=') != std::string::npos)
      throw UserError("--config: '" + key + "' is not a configuration key; give KEY VALUE as two words, as GDAL's "
                      "programs take them (--config GDAL_CACHEMAX 512)");
    if (value.size() > 1 && value[0] == '-' && (std::isalpha(static_cast<unsigned char>(value[1])) || value[1] == '-'))
      throw UserError("--config " + key + ": '" + value + "' is an option, not a value; give KEY VALUE as two words "
                      "(--config GDAL_CACHEMAX 512)");
  }
  for (const auto& [key, value] : common.config) CPLSetConfigOption(key.c_str(), value.c_str());
  if (common.verbose && !configured(common, "CPL_DEBUG")) CPLSetConfigOption("CPL_DEBUG", "ON");
  g_show_warnings = common.verbose;
  // After the configuration (GDAL reads some of it, such as GDAL_SKIP, when registering), then
  // replacing the silent handler init_gdal installs.
  init_gdal();
  CPLSetErrorHandler(to_stderr);
  check_configuration_values(common);
}

void report_start(CLI::App& cmd, const CommonOptions& common) {
  if (!common.verbose) return;
  const std::string who = "minerisk " + cmd.get_name() + ": ";
  std::fprintf(stderr, "%sminerisk %s, GDAL %s, %d threads available\n", who.c_str(), kVersion,
               GDALVersionInfo("RELEASE_NAME"), tbb::info::default_concurrency());
  for (const CLI::Option* option : cmd.get_options()) {
    // The common options are reported as what they set, below.
    if (option->count() == 0 || option->get_group() == kCommonGroup) continue;
    const std::string value = given_value(*option);
    std::fprintf(stderr, "%s%s%s%s\n", who.c_str(), option->get_name().c_str(), value.empty() ? "" : " = ",
                 value.c_str());
  }
  for (const auto& [key, value] : common.config)
    std::fprintf(stderr, "%sGDAL configuration %s = %s\n", who.c_str(), key.c_str(), value.c_str());
  if (!configured(common, "CPL_DEBUG"))
    std::fprintf(stderr, "%sGDAL configuration CPL_DEBUG = ON (--verbose)\n", who.c_str());
}

void report_end(const CLI::App& cmd, double seconds) {
  std::fprintf(stderr, "minerisk %s: done in %.2f s\n", cmd.get_name().c_str(), seconds);
}

}  // namespace minerisk::cli
