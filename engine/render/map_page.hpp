#pragma once
// The printed page: its size (ISO A0-A5, US letter, legal, tabloid, or any W x H in mm), its
// orientation, and where the title, the map, the side panel and the footer go on it.
#include <string>

namespace minerisk::render {

struct PageLayout {
  double width = 0, height = 0;  // points
  double font = 8;               // the base font size, points; larger on larger pages
  double margin = 0;
  // Boxes, points from the top-left: (x, y, w, h).
  double title_x = 0, title_y = 0, title_w = 0;
  double map_x = 0, map_y = 0, map_w = 0, map_h = 0;          // the box the map frame is fitted in
  double panel_x = 0, panel_y = 0, panel_w = 0, panel_h = 0;  // legend, north arrow, scale bar
  // A landscape page has the panel beside the map, in one column; a portrait page below it, in
  // two (the legend, then the north arrow, scale bar and notes).
  int panel_columns = 1;
  double footer_x = 0, footer_y = 0, footer_w = 0;            // provenance and disclaimer
};

/// Width and height in millimetres of a named size ("A3", "letter", "420x297"), as given
/// (portrait for the named ones). A UserError naming the sizes known otherwise.
std::pair<double, double> page_size_mm(const std::string& size);

/// The layout of a page `size` in `orientation` ("portrait", "landscape", or "" for whichever
/// gives a map of `aspect` (width / height) the larger frame).
PageLayout page_layout(const std::string& size, const std::string& orientation, double aspect);

}  // namespace minerisk::render
