// `minerisk map GRID.nc -o MAP.pdf|png`: a printable map of a probability grid. The options;
// the work is ops::map.
#include <cstdio>

#include "command.hpp"
#include "minerisk/engine/byte_text.hpp"
#include "minerisk/engine/ops/map.hpp"

namespace minerisk::cli {

void add_map_command(CLI::App& app, std::vector<Command>& commands, const Context& context) {
  struct Args {
    std::filesystem::path grid, output;
    ops::MapOptions options;
    ops::Control control;
  };
  auto a = std::make_shared<Args>();
  ops::MapOptions& o = a->options;
  CLI::App* cmd = app.add_subcommand(
      "map", "A map to print and brief from (PDF or PNG): the probability in land-release classes over a hillshade, "
             "the scenario's front lines, finds, cleared land and records, the hazard areas with their ranks, "
             "coordinates, scale bar, north arrow, legend, provenance and disclaimer");
  cmd->add_option("grid", a->grid, "The probability grid: an output of 'minerisk run' or 'sweep' (or any grid GDAL "
                                   "reads)")->required();
  cmd->add_option("-o,--output", a->output, "The map to write: .pdf (vectors and text stay sharp) or .png (needed "
                                            "unless --qgis-project is given)");
  cmd->add_option("--areas", o.areas, "Hazard areas from 'minerisk areas' (.gpkg), drawn by class with their ranks");
  cmd->add_option("--qgis-project", o.qgis_project,
                  "Also write a QGIS project (.qgs) of the same layers: the probability in the map's classes, the "
                  "evidence layers (hidden), the scenario's vectors and the areas by class; its paths are relative to "
                  "its folder, so keep it beside the grid");
  cmd->add_option("--variable", o.variable, "The grid's variable (default: probability, or a sweep's mean)");
  cmd->add_option("--extent", o.extent, "Show only XMIN YMIN XMAX YMAX (in the grid's CRS)")->expected(4);
  cmd->add_option("--title", o.title, "Title (default: the scenario's)");
  add_map_options(cmd, o, "A3", 150);
  add_tile_options(cmd, a->control);
  cmd->footer("Examples:\n  minerisk map out/sample.nc -o out/sample_map.pdf --areas out/sample_areas.gpkg\n"
              "  minerisk map out/sample.nc -o map.png --size A4 --dpi 200 --breaks quantile\n"
              "  minerisk map out/sample.nc -o detail.pdf --extent 650000 4400000 655000 4405000\n"
              "  minerisk map out/sample.nc --qgis-project out/sample.qgs --areas out/sample_areas.gpkg");
  commands.push_back({cmd, [a, context] {
                        const ops::MapResult r = ops::map(a->grid, a->output, a->options, control_of(a->control, context));
                        for (const std::string& w : r.warnings) std::fprintf(stderr, "minerisk map: %s\n", w.c_str());
                        if (context.common->verbose)
                          for (const auto& [stage, seconds] : r.seconds)
                            std::fprintf(stderr, "minerisk map: %s %.2f s\n", stage.c_str(), seconds);
                        if (context.common->quiet) return;
                        if (!r.qgis_project.empty()) std::printf("map: wrote the QGIS project %s\n", visible_text(r.qgis_project.string()).c_str());
                        if (r.output.empty()) return;
                        std::printf("map: wrote %s (%.0f x %.0f mm", visible_text(r.output.string()).c_str(), r.page_width_mm, r.page_height_mm);
                        if (r.width_px > 0) std::printf(", %d x %d pixels", r.width_px, r.height_px);
                        std::printf("; each map pixel %lld x %lld cells)\n", static_cast<long long>(r.cells_per_pixel),
                                    static_cast<long long>(r.cells_per_pixel));
                        for (const std::string& layer : r.layers) std::printf("  drawn: %s\n", layer.c_str());
                      }});
}

}  // namespace minerisk::cli
