// The `minerisk` program's command line as one CLI11 tree: its description, every subcommand
// with its own options, and the options all of them share. main() parses with it, and the man
// page and the bash completion are written from it, so they list exactly what the parser takes.
#include <set>
#include <string>

#include "command.hpp"
#include "minerisk/engine/version.hpp"

namespace minerisk::cli {
namespace {

// CLI11 reads a whole number with a leading 0 as octal ("--tile-size 0100" is 64, "--repeats 010"
// is 8) and takes 0x, 0o and 0b prefixes. Nobody means that on this command line, and GDAL's
// programs read decimal, so every whole-number option takes decimal digits (and a sign), its
// leading zeros dropped before CLI11 converts and range-checks it.
CLI::Validator decimal_whole_number() {
  return CLI::Validator(
      [](std::string& text) -> std::string {
        const size_t sign = !text.empty() && (text[0] == '+' || text[0] == '-') ? 1 : 0;
        if (text.size() == sign || text.find_first_not_of("0123456789", sign) != std::string::npos)
          return "'" + text + "' is not a whole number; write it in decimal digits";
        size_t first = sign;
        while (first + 1 < text.size() && text[first] == '0') ++first;
        // Beyond 18 digits a 64-bit conversion saturates, and the range check would name a number
        // the user never typed.
        if (text.size() - first > 18) return "'" + text + "' is too large a number";
        text = text.substr(0, sign) + text.substr(first);
        return "";
      },
      "", "decimal");  // no description: --help and the man page show the option as before
}

// CLI11 converts "" to 0 for a real number: diff --threshold "" counted every change as a rise,
// and explain's x "" was 0, "outside the grid". An empty number is a mistake to name.
CLI::Validator non_empty_number() {
  return CLI::Validator([](const std::string& text) { return text.empty() ? std::string("'' is not a number") : std::string(); },
                        "", "non-empty number");
}

// The options naming a file. Given as "" they were taken as not given (fit --labels "" fitted on
// the scenario's labels, --report "" wrote no report); an empty path is a mistake to name.
bool names_a_file(const CLI::Option& option) {
  static const std::set<std::string> files = {
      "output", "report", "design", "model", "curves", "labels", "zones", "truth", "picture", "like", "nearest-value",
      "timings", "dem", "roads", "settlements", "areas", "evaluation", "qgis-project", "access", "cost", "impact",
      "csv", "json", "polygons",
      // positionals: a subcommand's input or grid given as "" was named '' ("': scenario file not found")
      "scenario", "input", "grid", "old", "new", "sweep"};
  for (const std::string& name : option.get_lnames())
    if (files.count(name)) return true;
  return option.get_positional() && files.count(option.get_name(true, false));
}

CLI::Validator non_empty_path(bool required) {
  const std::string message =
      std::string("the path is empty; give a file's path") + (required ? "" : " (or leave the option out)");
  return CLI::Validator([message](const std::string& text) { return text.empty() ? message : std::string(); }, "",
                        "non-empty path");
}

// Every option of every subcommand, and of the option groups within them ("Existing polygons"
// of areas): CLI11 keeps a group's options in the group, which get_options() does not list.
void check_numbers_and_paths(CLI::App& app) {
  for (CLI::App* sub : app.get_subcommands([](CLI::App*) { return true; })) {
    for (CLI::Option* option : sub->get_options()) {
      const std::string type = option->get_type_name();
      if (type.rfind("INT", 0) == 0 || type.rfind("UINT", 0) == 0) option->transform(decimal_whole_number());
      if (type.rfind("FLOAT", 0) == 0) option->check(non_empty_number());
      if (names_a_file(*option)) option->check(non_empty_path(option->get_required()));
    }
    check_numbers_and_paths(*sub);
  }
}

}  // namespace

void define_program(CLI::App& app, std::vector<Command>& commands, const Context& context, CommonOptions& common) {
  app.description(
      "minerisk: the probability of contamination by mines and unexploded ordnance, as georeferenced grids.\n"
      "It combines terrain, front lines, finds, minefield records and clearance into grids (HDF5 / netCDF-4,\n"
      "CF-1.8), calibrates and evaluates them, and offers its kernels as file-to-file raster tools.");
  app.name("minerisk");
  app.set_version_flag("--version", std::string("minerisk ") + kVersion);
  app.require_subcommand(1);
  app.footer("Exit codes: 0 success, 1 internal error, 2 bad input (the message says what to fix), 3 busy\n"
             "(update: another update holds the output's lock), 130 interrupted.\n"
             "Run 'minerisk SUBCOMMAND --help' for a subcommand's options.");

  add_run_command(app, commands, context);
  add_terrain_commands(app, commands, context);
  add_proximity_command(app, commands, context);
  add_density_command(app, commands, context);
  add_focal_command(app, commands, context);
  add_fit_command(app, commands, context);
  add_sweep_command(app, commands, context);
  add_evaluate_command(app, commands, context);
  add_explain_command(app, commands, context);
  add_diff_command(app, commands, context);
  add_areas_command(app, commands, context);
  add_map_command(app, commands, context);
  add_report_command(app, commands, context);
  add_update_command(app, commands, context);
  for (CLI::App* sub : app.get_subcommands([](CLI::App*) { return true; })) add_common_options(sub, common);
  check_numbers_and_paths(app);
}

}  // namespace minerisk::cli
