// `minerisk report GRID.nc -o REPORT.html`: one self-contained HTML page of a grid (map, hazard
// areas, model, validation, uncertainty, changes, provenance). The options; the work is ops::report.
#include <cstdio>

#include "choices.hpp"
#include "command.hpp"
#include "minerisk/engine/ops/report.hpp"

namespace minerisk::cli {

void add_report_command(CLI::App& app, std::vector<Command>& commands, const Context& context) {
  struct Args {
    std::filesystem::path grid, output;
    ops::ReportOptions options;
    ops::Control control;
    bool no_hillshade = false, no_context = false;
  };
  auto a = std::make_shared<Args>();
  ops::ReportOptions& o = a->options;
  CLI::App* cmd = app.add_subcommand(
      "report", "One self-contained HTML report of a grid, readable on a phone and printable: the map, the ranked "
                "hazard areas, the model, validation, a sweep's uncertainty, an update's changes and the provenance");
  cmd->add_option("grid", a->grid, "The grid: an output of 'minerisk run', 'update' or 'sweep'")->required();
  cmd->add_option("-o,--output", a->output, "The report to write (.html): one file, no network needed")->required();
  cmd->add_option("--areas", o.areas, "Hazard areas from 'minerisk areas' (.gpkg, layer 'areas'): the ranked table, "
                                      "and drawn on the map");
  cmd->add_option("--evaluation", o.evaluation, "The JSON of 'minerisk evaluate GRID --truth ... -o EVAL.json': the "
                                                "validation figures and capture curve");
  cmd->add_option("--title", o.title, "The report's title (default: the scenario's)");
  cmd->add_option("--variable", o.map.variable, "The grid's variable to map (default: probability, or a sweep's mean)");
  auto* map = cmd->add_option_group("Map");
  map->add_option("--size", o.map.size, "The map's page: A0-A5, letter, legal, tabloid or WIDTHxHEIGHT in mm "
                                        "(default A4)");
  map->add_option("--orientation", o.map.orientation, "portrait or landscape (default: whichever shows the map larger)")
      ->transform(choice({"portrait", "landscape"}));
  map->add_option("--dpi", o.map.dpi, "The map's resolution, dots per inch (default 120)")->check(positive_number());
  map->add_option("--breaks", o.map.breaks, "Colour classes below, between and above the thresholds: log or quantile "
                                            "(default log)")->transform(choice({"log", "quantile"}));
  map->add_option("--t1", o.map.t1, "Technical survey from this probability (default 0.05)")->check(non_negative_number());
  map->add_option("--t2", o.map.t2, "Clearance from this probability (default 0.5)")->check(non_negative_number());
  map->add_option("--dem", o.map.dem, "DEM for the hillshade (default: the scenario's)");
  map->add_flag("--no-hillshade", a->no_hillshade, "No hillshade under the probability");
  map->add_option("--roads", o.map.roads, "Roads to draw, PATH or PATH:LAYER (repeat for several)");
  map->add_option("--settlements", o.map.settlements, "Settlements to draw with their names, PATH or PATH:LAYER");
  map->add_flag("--no-context", a->no_context, "Leave the scenario's front lines, finds, cleared land and records out");
  map->add_option("--disclaimer", o.map.disclaimer, "The map's disclaimer (default: the standard one)");
  add_tile_options(cmd, a->control);
  cmd->footer("Examples:\n  minerisk report out/sample.nc -o report.html\n"
              "  minerisk areas out/sample.nc -o areas.gpkg\n"
              "  minerisk evaluate out/sample.nc --truth truth.gpkg -o eval.json\n"
              "  minerisk report out/sample.nc -o report.html --areas areas.gpkg --evaluation eval.json "
              "--title \"Agdam, 5 December\"");
  commands.push_back({cmd, [a, context] {
                        a->options.map.hillshade = !a->no_hillshade;
                        a->options.map.context = !a->no_context;
                        const ops::ReportResult r =
                            ops::report(a->grid, a->output, a->options, control_of(a->control, context));
                        if (context.common->quiet) return;
                        std::printf("%s", r.text().c_str());
                      }});
}

}  // namespace minerisk::cli
