#pragma once
// The probability in colour (the classes' colours, shaded by the hillshade) and its legend:
// the classes from high to low, bracketed by land-release group, shared by the map and the
// quick-look picture.
#include <functional>
#include <string>
#include <vector>

#include "colour_classes.hpp"
#include "drawing.hpp"

namespace minerisk::render {

/// The colour of land without data (the grid's no-data), and of the frame's ink.
inline const Colour kNoDataColour = Colour::rgb(214, 214, 214);
inline const Colour kInk = Colour::rgb(25, 25, 25);

/// The picture of `probability` (width x height, NaN no data) in the classes' colours. With a
/// `shade` of the same size (0 dark to 1 lit, NaN none), each colour is darkened where the
/// terrain faces away from the sun, so relief reads through the classes.
RgbaImage probability_image(const std::vector<float>& probability, int width, int height, const ColourClasses& classes,
                            const std::vector<float>& shade = {});

/// A symbol of the legend beyond the classes: a context layer or the hazard areas, drawn by
/// `draw` into the swatch box (x, y, w, h).
struct LegendSymbol {
  std::string label;
  std::function<void(const Drawing&, double x, double y, double w, double h)> draw;
};

/// Draws the legend with its top-left corner at (x, y), `width` points wide; returns its height.
/// `land_release` false (a variable that is not a probability): the classes without their
/// land-release groups and thresholds.
double draw_legend(const Drawing& page, double x, double y, double width, const ColourClasses& classes,
                   const std::string& heading, const std::vector<LegendSymbol>& symbols, double font_size,
                   bool land_release = true);

}  // namespace minerisk::render
