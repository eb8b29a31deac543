// The map's options (page, classes, layers), shared by `minerisk map` and `minerisk report`:
// the same names, help and checks in both (the checks themselves are ops::map's, so a bad
// value gets the same message from either command and from Python).
#include "choices.hpp"
#include "command.hpp"
#include "minerisk/engine/ops/map.hpp"

namespace minerisk::cli {

void add_map_options(CLI::App* cmd, ops::MapOptions& o, const std::string& default_size, double default_dpi) {
  auto* page = cmd->add_option_group("Page");
  page->add_option("--size", o.size, "Page size: A0 to A5, letter, legal, tabloid, or WIDTHxHEIGHT in mm (default " +
                                         default_size + ")");
  page->add_option("--orientation", o.orientation, "portrait or landscape (default: whichever shows the map larger)")
      ->transform(choice({"portrait", "landscape"}));
  page->add_option("--dpi", o.dpi, "Dots per inch of a PNG, and of the raster layers in a PDF: 30 to 1200 (default " +
                                       std::to_string(static_cast<int>(default_dpi)) + ")");
  page->add_option("--disclaimer", o.disclaimer, "Replace the standard disclaimer (e.g. in the briefing's language)");
  auto* classes = cmd->add_option_group("Classes");
  classes->add_option("--breaks", o.breaks, "log (1-2-5 steps) or quantile (equal land per class) between the "
                                            "land-release thresholds (default log)")
      ->transform(choice({"log", "quantile"}));
  classes->add_option("--t1", o.t1, "Technical survey from this probability (default: that of --areas, else 0.05 as 'minerisk areas')")
      ->check(a_number());
  classes->add_option("--t2", o.t2, "Clearance from this probability (default: that of --areas, else 0.5)")->check(a_number());
  auto* layers = cmd->add_option_group("Layers");
  layers->add_option("--dem", o.dem, "DEM for the hillshade (default: the grid's scenario's)");
  layers->add_flag("--no-hillshade", [&o](int64_t) { o.hillshade = false; }, "Draw no hillshade");
  layers->add_flag("--no-context", [&o](int64_t) { o.context = false; },
                   "Leave out the scenario's front lines, finds, cleared land and records");
  layers->add_option("--roads", o.roads, "Roads, PATH or PATH:LAYER (repeat for several)");
  layers->add_option("--settlements", o.settlements, "Settlements (points), PATH or PATH:LAYER, labelled by a 'name' "
                                                     "field (repeat for several)");
}

}  // namespace minerisk::cli
