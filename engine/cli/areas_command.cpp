// `minerisk areas GRID.nc -o AREAS.gpkg`: hazard areas in land-release classes, ranked, within
// a budget; or the same figures for existing polygons. The options; the work is ops::areas.
#include <cmath>
#include <cstdio>
#include <cstdlib>

#include "choices.hpp"
#include "command.hpp"
#include "minerisk/engine/ops/areas.hpp"

namespace minerisk::cli {

void add_areas_command(CLI::App& app, std::vector<Command>& commands, const Context& context) {
  struct Args {
    std::filesystem::path grid, output;
    ops::AreasOptions options;
    ops::Control control;
  };
  auto a = std::make_shared<Args>();
  ops::AreasOptions& o = a->options;
  CLI::App* cmd = app.add_subcommand(
      "areas", "Hazard areas from a probability grid: land-release classes, minimum mapping unit, figures, ranks "
               "and the best set within a budget, as a styled GeoPackage");
  cmd->add_option("grid", a->grid, "The probability grid: an output of 'minerisk run' or 'sweep' (or any grid GDAL "
                                   "reads)")->required();
  cmd->add_option("-o,--output", a->output, "The GeoPackage to write (.gpkg): layer 'areas' (and 'releases' with "
                                            "--reduce), styled by class for QGIS")->required();
  cmd->add_option("--variable", o.variable, "The grid's variable (default: probability, or a sweep's mean)");
  auto* thresholds = cmd->add_option_group("Classes");
  thresholds->add_option("--t1", o.t1, "Technical survey from this probability; below it, a candidate for "
                                       "cancellation (default 0.05)")->check(a_number());
  thresholds->add_option("--t2", o.t2, "Clearance from this probability (default 0.5)")->check(a_number());
  thresholds->add_option("--capture-t1", o.capture_t1, "Instead of --t1: the threshold above which the cells hold "
                                                       "this share of the expected contamination (e.g. 0.9)")->check(a_number());
  thresholds->add_option("--capture-t2", o.capture_t2, "Instead of --t2: the same for clearance (e.g. 0.5)")->check(a_number());
  thresholds->add_option("--min-area", o.min_area_ha, "Minimum mapping unit, hectares (default 0.5)")->check(a_number());
  thresholds->add_option("--smooth", o.smooth_m, "Generalisation distance, metres: notches and spurs narrower "
                                                 "than it go (default: two cells; 0 for none)")->check(a_number());
  auto* context_group = cmd->add_option_group("Context");
  context_group->add_option("--dem", o.dem, "DEM for the mean slope (default: the grid's scenario's)");
  context_group->add_option("--access", o.access, "Roads or settlements, PATH or PATH:LAYER (repeat for several): "
                                                  "each area's distance to the nearest");
  context_group->add_option("--impact", o.impact, "Raster of people or land use near the land: each area's mean");
  context_group->add_option("--cost", o.cost, "Raster of cost per hectare: each area's cost (for --budget)");
  context_group->add_option("--truth", o.truth, "True items (points), PATH or PATH:LAYER: each area's count and the "
                                                "capture by rank");
  auto* ranking = cmd->add_option_group("Priority and budget");
  ranking->add_option("--impact-weight", o.impact_weight, "Weight of the impact against the density (default 0)")->check(a_number());
  ranking->add_option("--area-weight", o.area_weight, "Weight against large areas (default 0)")->check(a_number());
  ranking->add_option("--slope-weight", o.slope_weight, "Weight against steep areas (default 0)")->check(a_number());
  ranking->add_option("--access-weight", o.access_weight, "Weight against remote areas (default 0)")->check(a_number());
  ranking->add_option("--budget-ha", o.budget_ha, "Select the best areas within this many hectares")->check(a_number());
  ranking->add_option("--budget", o.budget, "Select the best areas within this much --cost")->check(a_number());
  auto* existing = cmd->add_option_group("Existing polygons");
  existing->add_option("--polygons", o.polygons, "Score these hazard polygons (PATH or PATH:LAYER, e.g. an IMSMA "
                                                 "export) instead of delineating; their attributes are kept");
  existing->add_option("--where", o.where, "OGR SQL filter on --polygons");
  existing->add_flag("--reduce", o.reduce, "With --polygons: the part of each the model would release (layer "
                                           "'releases')");
  cmd->add_option("--csv", o.csv, "Also write the table as CSV");
  cmd->add_option("--json", o.json, "Also write the summary and the table as JSON");
  add_tile_options(cmd, a->control);
  cmd->footer("Examples:\n  minerisk areas out/sample.nc -o areas.gpkg\n"
              "  minerisk areas out/sample.nc -o areas.gpkg --min-area 1 --budget-ha 200 --csv areas.csv\n"
              "  minerisk areas out/sample.nc -o sha.gpkg --polygons imsma.gpkg:hazards --reduce");
  commands.push_back({cmd, [a, context] {
                        const ops::AreasResult r =
                            ops::areas(a->grid, a->output, a->options, control_of(a->control, context));
                        if (context.common->quiet) return;  // the files say it all
                        std::printf("%s", r.text().c_str());
                      }});
}

}  // namespace minerisk::cli
