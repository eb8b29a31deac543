// `minerisk report GRID.nc -o REPORT.html`: one self-contained HTML page of a grid (map, hazard
// areas, model, validation, uncertainty, changes, provenance). The options; the work is ops::report.
#include <cstdio>

#include "command.hpp"
#include "minerisk/engine/ops/report.hpp"

namespace minerisk::cli {

void add_report_command(CLI::App& app, std::vector<Command>& commands, const Context& context) {
  struct Args {
    std::filesystem::path grid, output;
    ops::ReportOptions options;
    ops::Control control;
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
  add_map_options(cmd, o.map, "A4", 120);
  add_tile_options(cmd, a->control);
  cmd->footer("Examples:\n  minerisk report out/sample.nc -o report.html\n"
              "  minerisk areas out/sample.nc -o areas.gpkg\n"
              "  minerisk evaluate out/sample.nc --truth out/sample/truth.gpkg --layer devices -o eval.json\n"
              "  minerisk report out/sample.nc -o report.html --areas areas.gpkg --evaluation eval.json "
              "--title \"Agdam, 5 December\"");
  commands.push_back({cmd, [a, context] {
                        const ops::ReportResult r =
                            ops::report(a->grid, a->output, a->options, control_of(a->control, context));
                        for (const std::string& w : r.warnings) std::fprintf(stderr, "minerisk report: %s\n", w.c_str());
                        if (context.common->quiet) return;
                        std::printf("%s", r.text().c_str());
                      }});
}

}  // namespace minerisk::cli
