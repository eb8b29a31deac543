#include "map_furniture.hpp"

#include <ogr_spatialref.h>

#include <cmath>
#include <cstdint>
#include <cstdio>
#include <memory>

#include "map_legend.hpp"
#include "minerisk/kernels/grid_frame.hpp"

namespace minerisk::render {
namespace {

// The round interval (1, 2 or 5 times a power of ten) nearest above span / count.
double nice_step(double span, double count) {
  const double raw = span / count, decade = std::pow(10.0, std::floor(std::log10(raw)));
  for (double m : {1.0, 2.0, 5.0, 10.0})
    if (m * decade >= raw) return m * decade;
  return 10 * decade;
}

// Degrees: the round interval among minutes and degrees a graticule uses.
double nice_degrees(double span, double count) {
  const double raw = span / count;
  for (double d : {1 / 60.0, 2 / 60.0, 5 / 60.0, 10 / 60.0, 15 / 60.0, 0.5, 1.0, 2.0, 5.0, 10.0, 15.0, 30.0, 45.0})
    if (d >= raw * 0.999) return d;
  return 90;
}

std::string degrees_label(double value, bool longitude) {
  if (longitude) value = std::fmod(std::fmod(value + 180, 360) + 360, 360) - 180;  // wrap to -180..180
  const double a = std::fabs(value);
  int d = static_cast<int>(std::floor(a + 1e-9));
  int m = static_cast<int>(std::lround((a - d) * 60));
  if (m == 60) ++d, m = 0;
  char text[48];
  const char* hemisphere = longitude ? (value < 0 ? "W" : "E") : (value < 0 ? "S" : "N");
  if (longitude && (d == 180 || (d == 0 && m == 0))) hemisphere = "";
  if (!longitude && d == 0 && m == 0) hemisphere = "";
  if (m == 0)
    std::snprintf(text, sizeof text, "%d\u00b0%s", d, hemisphere);
  else
    std::snprintf(text, sizeof text, "%d\u00b0%02d\u2032%s", d, m, hemisphere);
  return text;
}

}  // namespace

std::string grouped(double value) {
  char digits[64];
  std::snprintf(digits, sizeof digits, "%.0f", std::fabs(value));
  std::string s = digits, out;
  for (size_t i = 0; i < s.size(); ++i) {
    if (i > 0 && (s.size() - i) % 3 == 0) out += "\u2009";
    out += s[i];
  }
  return (value < -0.5 ? "\u2212" : "") + out;
}

void draw_coordinates(const Drawing& page, const MapView& view, double font_size) {
  const bool geographic = view.grid.frame.geographic;
  const double across = view.frame_w / (font_size * 12), down = view.frame_h / (font_size * 8);
  const double dx = geographic ? nice_degrees(view.xmax - view.xmin, std::max(2.0, across))
                               : nice_step(view.xmax - view.xmin, std::max(2.0, across));
  const double dy = geographic ? nice_degrees(view.ymax - view.ymin, std::max(2.0, down))
                               : nice_step(view.ymax - view.ymin, std::max(2.0, down));
  const Font font{font_size * 0.8};
  const Colour line = Colour::rgb(60, 60, 60, 0.35);
  const double tick = font_size * 0.5;
  // Lines by index, so that a line on the frame's edge is neither lost nor doubled by rounding.
  const auto first = [](double from, double step) { return static_cast<int64_t>(std::ceil(from / step - 1e-9)); };
  const auto last = [](double to, double step) { return static_cast<int64_t>(std::floor(to / step + 1e-9)); };
  for (int64_t i = first(view.xmin, dx); i <= last(view.xmax, dx); ++i) {
    const double x = static_cast<double>(i) * dx, px = view.page_x(x);
    page.line(px, view.frame_y, px, view.frame_y + view.frame_h, line, 0.3);
    page.line(px, view.frame_y + view.frame_h, px, view.frame_y + view.frame_h + tick, kInk, 0.5);
    page.line(px, view.frame_y, px, view.frame_y - tick, kInk, 0.5);
    const std::string label = geographic ? degrees_label(x, true) : grouped(x) + " E";
    page.text(px, view.frame_y + view.frame_h + tick + 1, label, font, kInk, Align::centre);
  }
  for (int64_t i = first(view.ymin, dy); i <= last(view.ymax, dy); ++i) {
    const double y = static_cast<double>(i) * dy, py = view.page_y(y);
    page.line(view.frame_x, py, view.frame_x + view.frame_w, py, line, 0.3);
    page.line(view.frame_x - tick, py, view.frame_x, py, kInk, 0.5);
    page.line(view.frame_x + view.frame_w, py, view.frame_x + view.frame_w + tick, py, kInk, 0.5);
    const std::string label = geographic ? degrees_label(y, false) : grouped(y) + " N";
    page.text(view.frame_x - tick - 1.5, py - font_size * 0.55, label, font, kInk, Align::right);
  }
  page.stroke_rect(view.frame_x, view.frame_y, view.frame_w, view.frame_h, kInk, 0.8);
}

double metres_per_point(const MapView& view) {
  const kernels::GridFrame& f = view.grid.frame;
  double metres_per_unit = f.linear_unit;
  if (f.geographic)
    metres_per_unit = kernels::metres_per_degree((view.ymin + view.ymax) / 2, f.semi_major, f.inverse_flattening).x;
  return metres_per_unit / view.points_per_unit_x();
}

double draw_scale_bar(const Drawing& page, const MapView& view, double x, double y, double width, double font_size) {
  const double per_point = metres_per_point(view);
  // The longest round length (1, 2 or 5 times a power of ten) within three quarters of the box.
  const double target = width * 0.75 * per_point, decade = std::pow(10.0, std::floor(std::log10(target)));
  double length_m = decade;
  for (double m : {2.0, 5.0})
    if (m * decade <= target) length_m = m * decade;
  const double length_pt = length_m / per_point, segment = length_pt / 4, h = font_size * 0.45;
  const bool km = length_m >= 1000;
  const auto label = [km](double m) {
    char text[32];
    std::snprintf(text, sizeof text, "%g", km ? m / 1000 : m);
    return std::string(text);
  };
  const Font font{font_size * 0.85};
  for (int i = 0; i < 4; ++i) {
    page.fill_rect(x + i * segment, y, segment, h, i % 2 ? Colour::rgb(255, 255, 255) : kInk);
    page.stroke_rect(x + i * segment, y, segment, h, kInk, 0.4);
  }
  page.text(x, y + h + 1, "0", font, kInk, Align::centre);
  page.text(x + length_pt / 2, y + h + 1, label(length_m / 2), font, kInk, Align::centre);
  page.text(x + length_pt, y + h + 1, label(length_m) + (km ? " km" : " m"), font, kInk, Align::left);
  // Paper metres to ground metres, rounded to three significant digits.
  const double ratio = per_point * 72 / 0.0254, step = std::pow(10.0, std::floor(std::log10(ratio)) - 2);
  const double used = h + 1 + font_size * 1.3;
  page.text(x, y + used, "Scale 1:" + grouped(std::round(ratio / step) * step) + " as printed", font, kInk);
  return used + font_size * 1.3;
}

double true_north_angle(const MapView& view) {
  if (view.grid.frame.geographic) return 0;
  OGRSpatialReference srs = view.grid.srs();
  std::unique_ptr<OGRSpatialReference> geographic(srs.CloneGeogCS());
  if (!geographic) return 0;
  geographic->SetAxisMappingStrategy(OAMS_TRADITIONAL_GIS_ORDER);
  std::unique_ptr<OGRCoordinateTransformation> to_geo(OGRCreateCoordinateTransformation(&srs, geographic.get()));
  std::unique_ptr<OGRCoordinateTransformation> to_grid(OGRCreateCoordinateTransformation(geographic.get(), &srs));
  if (!to_geo || !to_grid) return 0;
  double x = (view.xmin + view.xmax) / 2, y = (view.ymin + view.ymax) / 2;
  double lon = x, lat = y;
  if (!to_geo->Transform(1, &lon, &lat)) return 0;
  // A step north, or within 0.01° of the pole a step south whose direction is reversed: a step
  // past the pole would point the arrow south.
  const bool near_pole = lat + 0.01 >= 90;
  double nx = lon, ny = near_pole ? lat - 0.01 : lat + 0.01;
  if (!to_grid->Transform(1, &nx, &ny)) return 0;
  return near_pole ? std::atan2(x - nx, y - ny) * 180 / M_PI : std::atan2(nx - x, ny - y) * 180 / M_PI;
}

double draw_north_arrow(const Drawing& page, const MapView& view, double x, double y, double size, double font_size) {
  const double angle = true_north_angle(view);
  cairo_t* cr = page.cr();
  const double label_h = page.text(x, y, "N", Font{font_size * 1.1, true}, kInk, Align::centre).height;
  cairo_save(cr);
  cairo_translate(cr, x, y + label_h + size / 2);
  cairo_rotate(cr, angle * M_PI / 180);
  // A two-tone arrowhead: the dark half on the right, as north arrows are drawn.
  cairo_move_to(cr, 0, -size / 2);
  cairo_line_to(cr, size * 0.28, size / 2);
  cairo_line_to(cr, 0, size * 0.3);
  cairo_close_path(cr);
  page.set_colour(kInk);
  cairo_fill(cr);
  cairo_move_to(cr, 0, -size / 2);
  cairo_line_to(cr, -size * 0.28, size / 2);
  cairo_line_to(cr, 0, size * 0.3);
  cairo_close_path(cr);
  cairo_set_source_rgb(cr, 1, 1, 1);
  cairo_fill_preserve(cr);
  page.set_colour(kInk);
  cairo_set_line_width(cr, 0.6);
  cairo_stroke(cr);
  cairo_restore(cr);
  double used = label_h + size + font_size * 0.3;
  if (std::fabs(angle) >= 0.05) {
    char note[96];
    std::snprintf(note, sizeof note, "True north, %.1f\u00b0 %s of grid north", std::fabs(angle), angle > 0 ? "east" : "west");
    used += page.text(x, y + used, note, Font{font_size * 0.75, false, true}, kInk, Align::centre).height;
  }
  return used;
}

std::string crs_label(const MapView& view) {
  const OGRSpatialReference srs = view.grid.srs();
  std::string label = srs.GetName() ? srs.GetName() : "unnamed CRS";
  const char* authority = srs.GetAuthorityName(nullptr);
  const char* code = srs.GetAuthorityCode(nullptr);
  if (authority && code) label += std::string(" (") + authority + ":" + code + ")";
  return label;
}

}  // namespace minerisk::render
