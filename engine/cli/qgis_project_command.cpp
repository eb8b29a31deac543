// `minerisk qgis-project GRID.nc -o PROJECT.qgs [--areas AREAS.gpkg]`: a QGIS project of a
// grid, its evidence layers, its scenario's vectors and the hazard areas, every path relative
// to the project's folder. The options; the work is render::qgis_project_spec and
// render::write_qgis_project (engine/render/qgis_project.hpp).
#include <cstdio>

#include "../render/qgis_project.hpp"
#include "command.hpp"
#include "minerisk/engine/errors.hpp"

namespace minerisk::cli {

void add_qgis_project_command(CLI::App& app, std::vector<Command>& commands, const Context& context) {
  struct Args {
    std::filesystem::path grid, output, areas;
    std::string variable;
    double t1 = 0.05, t2 = 0.5;
    std::vector<std::string> roads, settlements;
    ops::Control control;
  };
  auto a = std::make_shared<Args>();
  CLI::App* cmd = app.add_subcommand(
      "qgis-project", "A QGIS project of a grid: the probability in the map's land-release classes, the evidence "
                      "layers (hidden), the scenario's vectors and the hazard areas by class");
  cmd->add_option("grid", a->grid, "The grid: an output of 'minerisk run' or 'sweep'")->required();
  cmd->add_option("-o,--output", a->output,
                  "The project to write (.qgs); its paths are relative to its folder, so keep it beside the grid")
      ->required();
  cmd->add_option("--areas", a->areas, "Hazard areas from 'minerisk areas' (.gpkg), styled by class with their ranks");
  cmd->add_option("--variable", a->variable, "The grid's variable (default: probability, or a sweep's mean)");
  cmd->add_option("--t1", a->t1, "The technical-survey threshold, a class break (default 0.05)")
      ->check(CLI::Range(0.0, 1.0));
  cmd->add_option("--t2", a->t2, "The clearance threshold, a class break (default 0.5)")->check(CLI::Range(0.0, 1.0));
  cmd->add_option("--roads", a->roads, "Roads to add: PATH or PATH:LAYER (repeatable)");
  cmd->add_option("--settlements", a->settlements, "Settlements to add: PATH or PATH:LAYER (repeatable)");
  cmd->add_flag("--overwrite", a->control.overwrite, "Replace the project if it exists");
  cmd->footer("Example:\n  minerisk qgis-project out/sample.nc --areas out/areas.gpkg -o out/sample.qgs");
  commands.push_back({cmd, [a, context] {
                        if (!(a->t1 > 0 && a->t1 < a->t2 && a->t2 < 1))
                          throw UserError("--t1 and --t2 must satisfy 0 < T1 < T2 < 1");
                        std::vector<std::string> warnings;
                        const render::QgisProjectSpec spec =
                            render::qgis_project_spec(a->grid, a->variable, render::log_classes(a->t1, a->t2),
                                                      a->areas, a->roads, a->settlements, warnings);
                        render::write_qgis_project(a->output, spec, a->control.overwrite);
                        const bool quiet = context.common && context.common->quiet;
                        for (const std::string& w : warnings) std::fprintf(stderr, "warning: %s\n", w.c_str());
                        if (!quiet) std::printf("QGIS project: %s\n", a->output.c_str());
                      }});
}

}  // namespace minerisk::cli
