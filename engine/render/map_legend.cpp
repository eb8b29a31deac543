#include "map_legend.hpp"

#include <cmath>

namespace minerisk::render {
namespace {

uint8_t byte_of(double v) { return static_cast<uint8_t>(std::lround(std::clamp(v, 0.0, 1.0) * 255)); }

const char* group_name(int group) {
  static const char* names[] = {"Cancellation candidate", "Technical survey", "Clearance"};
  return names[group];
}

}  // namespace

RgbaImage probability_image(const std::vector<float>& probability, int width, int height, const ColourClasses& classes,
                            const std::vector<float>& shade) {
  RgbaImage image(width, height);
  for (int y = 0; y < height; ++y)
    for (int x = 0; x < width; ++x) {
      const size_t k = static_cast<size_t>(y) * width + x;
      const int c = classes.class_of(probability[k]);
      const bool shaded = !shade.empty() && !std::isnan(shade[k]);
      if (c < 0 && !shaded && !shade.empty()) continue;  // off the grid and the DEM: left blank
      const Colour base = c < 0 ? kNoDataColour : classes.colours[static_cast<size_t>(c)];
      // A flat cell keeps about 88 % of its colour; a slope facing the sun is lighter, one
      // facing away darker (multiply blending, as cartographers lay a hillshade under colour).
      const double f = shaded ? 0.55 + 0.47 * shade[k] : 1.0;
      uint8_t* px = image.at(x, y);
      px[0] = byte_of(base.r * f), px[1] = byte_of(base.g * f), px[2] = byte_of(base.b * f), px[3] = 255;
    }
  return image;
}

double draw_legend(const Drawing& page, double x, double y, double width, const ColourClasses& classes,
                   const std::string& heading, const std::vector<LegendSymbol>& symbols, double font_size,
                   bool land_release) {
  const Font label{font_size}, bold{font_size * 1.1, true}, small{font_size * 0.85, false, true};
  double cy = y + page.text(x, y, heading, bold, kInk, Align::left, width).height + font_size * 0.5;
  const double swatch_w = font_size * 2.2, swatch_h = font_size * 1.25;
  const double label_x = x + swatch_w + font_size * 0.6, bracket_x = x + width * 0.58;
  // High to low, as risk is read: the darkest class on top.
  int group = -1;
  double group_top = cy;
  for (size_t i = classes.size(); i-- > 0;) {
    if (classes.group_of(i) != group) {
      if (group >= 0) cy += font_size * 0.35;
      group = classes.group_of(i);
      group_top = cy;
    }
    page.fill_rect(x, cy, swatch_w, swatch_h, classes.colours[i]);
    page.stroke_rect(x, cy, swatch_w, swatch_h, kInk.with_alpha(0.5), 0.3);
    page.text(label_x, cy + swatch_h * 0.05, classes.labels[i], label, kInk);
    cy += swatch_h;
    if (land_release && (i == 0 || classes.group_of(i - 1) != group)) {
      // A bracket and the land-release group's name beside its classes.
      page.line(bracket_x, group_top + 1, bracket_x, cy - 1, kInk, 0.6);
      page.text(bracket_x + font_size * 0.4, group_top, group_name(group), Font{font_size * 0.9, true}, kInk, Align::left,
                x + width - bracket_x - font_size * 0.4);
    }
  }
  cy += font_size * 0.4;
  page.fill_rect(x, cy, swatch_w, swatch_h, kNoDataColour);
  page.stroke_rect(x, cy, swatch_w, swatch_h, kInk.with_alpha(0.5), 0.3);
  page.text(label_x, cy + swatch_h * 0.05, "No data", label, kInk);
  cy += swatch_h + font_size * 0.3;
  const std::string method = classes.method == BreakMethod::log ? "log-spaced breaks" : "quantile breaks";
  const std::string thresholds = land_release ? "T1 = " + probability_label(classes.t1) + ", T2 = " +
                                                    probability_label(classes.t2) + "; " : std::string();
  cy += page.text(x, cy, thresholds + method + "; each pixel shows its cells' maximum", small, kInk, Align::left, width).height;
  if (!symbols.empty()) cy += font_size * 0.8;
  for (const LegendSymbol& s : symbols) {
    s.draw(page, x, cy, swatch_w, swatch_h);
    page.text(label_x, cy + swatch_h * 0.05, s.label, label, kInk, Align::left, width - (label_x - x));
    cy += swatch_h + font_size * 0.35;
  }
  return cy - y;
}

}  // namespace minerisk::render
