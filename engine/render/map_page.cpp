#include "map_page.hpp"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <cstdlib>
#include <map>

#include "minerisk/engine/errors.hpp"
#include "minerisk/engine/names_in_any_case.hpp"

namespace minerisk::render {
namespace {

constexpr double kPointsPerMm = 72.0 / 25.4;

PageLayout layout_of(double width_mm, double height_mm) {
  PageLayout p;
  p.width = width_mm * kPointsPerMm, p.height = height_mm * kPointsPerMm;
  // 8 pt on A3, scaled with the page's diagonal so an A0 print reads from further away.
  const double a3_diagonal = std::hypot(297.0, 420.0);
  p.font = std::clamp(8.0 * std::hypot(width_mm, height_mm) / a3_diagonal, 6.0, 16.0);
  p.margin = 10 * kPointsPerMm;
  const double f = p.font, gap = 4 * kPointsPerMm;
  const double title_h = 4.4 * f, footer_h = 5.2 * f, coordinate_w = 6.5 * f, coordinate_h = 2.4 * f;
  p.title_x = p.margin, p.title_y = p.margin, p.title_w = p.width - 2 * p.margin;
  p.footer_x = p.margin, p.footer_y = p.height - p.margin - footer_h + 0.6 * f, p.footer_w = p.width - 2 * p.margin;
  if (height_mm > width_mm) {
    p.panel_columns = 2;
    p.panel_h = 34 * f;
    p.panel_x = p.margin, p.panel_w = p.width - 2 * p.margin;
    p.panel_y = p.height - p.margin - footer_h - p.panel_h;
    p.map_x = p.margin + coordinate_w, p.map_y = p.margin + title_h + 0.8 * f;
    p.map_w = p.width - p.margin - f - p.map_x;
    p.map_h = p.panel_y - coordinate_h - p.map_y;
    return p;
  }
  p.panel_w = std::max(55 * kPointsPerMm, 0.2 * p.width);
  p.panel_x = p.width - p.margin - p.panel_w, p.panel_y = p.margin + title_h;
  p.panel_h = p.height - p.panel_y - p.margin - footer_h;
  p.map_x = p.margin + coordinate_w, p.map_y = p.margin + title_h + 0.8 * f;
  p.map_w = p.panel_x - gap - p.map_x - f;
  p.map_h = p.height - p.margin - footer_h - coordinate_h - p.map_y;
  return p;
}

// The side of the map frame of `aspect` fitted in the page's map box: its area.
double frame_area(const PageLayout& p, double aspect) {
  const double w = std::min(p.map_w, p.map_h * aspect);
  return w * w / aspect;
}

}  // namespace

std::pair<double, double> page_size_mm(const std::string& size) {
  static const std::map<std::string, std::pair<double, double>> named = {
      {"a0", {841, 1189}},       {"a1", {594, 841}},        {"a2", {420, 594}},         {"a3", {297, 420}},
      {"a4", {210, 297}},        {"a5", {148, 210}},        {"letter", {215.9, 279.4}}, {"legal", {215.9, 355.6}},
      {"tabloid", {279.4, 431.8}}};
  const std::string key = lower_case(size);
  if (auto it = named.find(key); it != named.end()) return it->second;
  // W x H in millimetres.
  const size_t x = key.find('x');
  const bool plain = key.find_first_not_of("0123456789.x") == std::string::npos && key.find('x', x + 1) == std::string::npos;
  if (x != std::string::npos && plain) {
    char* end = nullptr;
    const double w = std::strtod(key.c_str(), &end);
    const bool w_ok = end == key.c_str() + x;
    const double h = std::strtod(key.c_str() + x + 1, &end);
    if (w_ok && *end == '\0' && w >= 50 && h >= 50 && w <= 5000 && h <= 5000) return {w, h};
  }
  throw UserError("--size '" + size + "' is not a page size: give A0 to A5, letter, legal, tabloid, or WIDTHxHEIGHT in "
                  "millimetres from 50 to 5000 (e.g. 600x400)");
}

PageLayout page_layout(const std::string& size, const std::string& orientation, double aspect) {
  const auto [a, b] = page_size_mm(size);
  const double shorter = std::min(a, b), longer = std::max(a, b);
  const PageLayout portrait = layout_of(shorter, longer), landscape = layout_of(longer, shorter);
  // A size given as W x H keeps its orientation unless one is asked for.
  const std::string asked = orientation.empty() ? "" : choice_in_any_case(orientation, {"portrait", "landscape"}, "--orientation");
  const bool given_as_numbers = size.find_first_of("xX") != std::string::npos && std::isdigit(static_cast<unsigned char>(size[0]));
  PageLayout chosen = frame_area(landscape, aspect) >= frame_area(portrait, aspect) ? landscape : portrait;
  if (asked == "portrait") chosen = portrait;
  else if (asked == "landscape") chosen = landscape;
  else if (given_as_numbers) chosen = layout_of(a, b);
  // The panel and the margins take their room first: what is left must hold a map.
  if (chosen.map_w < 60 * kPointsPerMm || chosen.map_h < 60 * kPointsPerMm)
    throw UserError("--size '" + size + "' leaves no room for the map beside its legend and panel: give A5 "
                    "(148 x 210 mm) or larger");
  return chosen;
}

}  // namespace minerisk::render
