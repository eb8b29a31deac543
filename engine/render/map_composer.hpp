#pragma once
// Puts a map together on its page: the title, the probability over the hillshade, the context
// layers and the hazard areas, the coordinates, the side panel (legend, north arrow, scale bar,
// CRS, dates) and the footer (provenance, disclaimer). Everything it draws is given: reading
// is done before (ops/map.cpp), so the same content draws a PNG and a PDF alike.
#include <filesystem>
#include <string>
#include <vector>

#include "colour_classes.hpp"
#include "drawing.hpp"
#include "map_page.hpp"
#include "map_vectors.hpp"
#include "map_view.hpp"

namespace minerisk::render {

struct MapTexts {
  std::string title, subtitle;
  std::string legend_heading = "Probability of contamination";
  bool probability = true;  // false: a variable that is not one (no land-release groups in the legend)
  std::vector<std::string> panel_lines;  // under the CRS: dates, the variable, the DEM
  std::string provenance, disclaimer;
};

struct MapContent {
  PageLayout page;
  MapView view;
  ColourClasses classes;
  std::vector<float> probability;  // view.width_px x view.height_px
  std::vector<float> shade;        // the same size, or empty for no hillshade
  ProbabilityHistogram histogram{0.05, 0.5};  // the cells shown (for quantile breaks)
  std::vector<std::string> warnings;  // what could not be drawn, said on the page too
  std::vector<ContextLayer> context;
  std::filesystem::path areas;     // empty: none
  MapTexts texts;
};

struct ComposedMap {
  std::vector<std::string> layers;    // drawn, in order
  std::vector<std::string> warnings;  // context layers that could not be drawn, and why
  size_t areas = 0;
};

ComposedMap compose_map(const Drawing& page, const MapContent& content);

}  // namespace minerisk::render
