#include "map_composer.hpp"

#include <algorithm>

#include "map_furniture.hpp"
#include "map_legend.hpp"
#include "minerisk/engine/errors.hpp"

namespace minerisk::render {
namespace {

// Context layers are drawn from the widest to the smallest marks: land first, points last.
int drawing_order(ContextKind kind) {
  switch (kind) {
    case ContextKind::cleared: return 0;
    case ContextKind::records: return 1;
    case ContextKind::roads: return 2;
    case ContextKind::front_lines: return 3;
    case ContextKind::finds: return 4;
    case ContextKind::settlements: return 5;
  }
  return 6;
}

}  // namespace

ComposedMap compose_map(const Drawing& page, const MapContent& c) {
  ComposedMap done;
  const PageLayout& p = c.page;
  const MapView& v = c.view;
  const double f = p.font;
  // The footer, down to half the margin (a printer prints to about 4 mm of the edge): the
  // disclaimer whole, the one text that may not lose its end (a long --disclaimer was cut at the
  // page's edge without a word), smaller down to 5 points when it needs to be (a tall narrow
  // page has a large font and a narrow footer); and the provenance above it in what is left,
  // ellipsized when a grid of many inputs lists more than fits (the grid's `inputs` attribute
  // holds them all). Measured before anything is drawn.
  const double footer_room = p.height - p.margin / 2 - p.footer_y;
  const Font provenance_font{f * 0.8};
  const double one_provenance_line = page.measure("minerisk", provenance_font).height;
  const auto room_left = [&](double size) {
    return footer_room - f * 0.3 - page.measure(c.texts.disclaimer, Font{size, true}, p.footer_w).height;
  };
  constexpr double kSmallestDisclaimer = 5.0;  // points
  double disclaimer_size = f * 0.85;
  while (room_left(disclaimer_size) < one_provenance_line && disclaimer_size > kSmallestDisclaimer)
    disclaimer_size = std::max(kSmallestDisclaimer, disclaimer_size - 0.25);
  const Font disclaimer_font{disclaimer_size, true};
  const double provenance_room = room_left(disclaimer_size);
  if (provenance_room < one_provenance_line)
    throw UserError("--disclaimer: with the provenance beneath the map, it runs past the bottom of the page even in "
                    "5-point type; shorten it, or give a wider --size");

  // The title on one line: smaller down to 1.4 times the base size when it is long, and cut
  // with an ellipsis beyond, so that it never runs into the subtitle or the map.
  double title_size = f * 2.0;
  while (title_size > f * 1.4 && page.measure(one_line(c.texts.title), Font{title_size, true}).width > p.title_w) title_size -= f * 0.1;
  page.line(p.title_x, p.title_y, c.texts.title, Font{title_size, true}, kInk, p.title_w);
  page.line(p.title_x, p.title_y + f * 2.7, c.texts.subtitle, Font{f * 1.05}, kInk.with_alpha(0.8), p.title_w);

  // The probability: each image pixel a block of cells; the last row and column of pixels may
  // hold fewer cells than a block and reach past the frame, where the clip cuts them.
  const double px_w = static_cast<double>(v.block) * v.grid.frame.cell_width() * v.points_per_unit_x();
  const double px_h = static_cast<double>(v.block) * v.grid.frame.cell_height() * (v.frame_h / (v.ymax - v.ymin));
  cairo_save(page.cr());
  cairo_rectangle(page.cr(), v.frame_x, v.frame_y, v.frame_w, v.frame_h);
  cairo_clip(page.cr());
  page.image(probability_image(c.probability, v.width_px, v.height_px, c.classes, c.shade), v.frame_x, v.frame_y,
             px_w * v.width_px, px_h * v.height_px);
  cairo_restore(page.cr());
  done.layers.push_back(c.shade.empty() ? "probability" : "probability over hillshade");

  std::vector<ContextLayer> layers = c.context;
  std::stable_sort(layers.begin(), layers.end(),
                   [](const ContextLayer& a, const ContextLayer& b) { return drawing_order(a.kind) < drawing_order(b.kind); });
  std::vector<LegendSymbol> symbols;
  for (const ContextLayer& layer : layers) {
    try {
      const size_t n = draw_context_layer(page, v, layer, f);
      done.layers.push_back(layer.label + " (" + std::to_string(n) + ")");
      symbols.push_back(context_symbol(layer.kind, layer.label));
    } catch (const UserError& e) {
      done.warnings.push_back(layer.label + " not drawn: " + e.what());
    }
  }
  if (!c.areas.empty()) {
    std::set<std::string> classes;
    done.areas = draw_hazard_areas(page, v, c.areas, f, classes);
    done.layers.push_back("hazard areas (" + std::to_string(done.areas) + ")");
    for (LegendSymbol& s : hazard_area_symbols(classes)) symbols.push_back(std::move(s));
  }
  draw_coordinates(page, v, f);

  // The panel, top to bottom: in one column beside the map, or in two below it.
  const double legend_w = p.panel_columns == 2 ? p.panel_w * 0.52 : p.panel_w;
  double y = p.panel_y + (p.panel_columns == 2 ? f : 0);
  y += draw_legend(page, p.panel_x, y, legend_w, c.classes, c.texts.legend_heading, symbols, f,
                   c.texts.probability) + f * 1.5;
  double x = p.panel_x, w = p.panel_w;
  if (p.panel_columns == 2) x = p.panel_x + p.panel_w * 0.56, w = p.panel_w * 0.44, y = p.panel_y + f;
  y += draw_north_arrow(page, v, x + f * 2, y, f * 3.2, f) + f;
  y += draw_scale_bar(page, v, x, y, w, f) + f * 0.6;
  const Font small{f * 0.85};
  y += page.text(x, y, crs_label(v), small, kInk, Align::left, w).height + f * 0.4;
  for (const std::string& line : c.texts.panel_lines) y += page.text(x, y, line, small, kInk, Align::left, w).height + f * 0.25;
  std::vector<std::string> warnings = c.warnings;
  warnings.insert(warnings.end(), done.warnings.begin(), done.warnings.end());
  for (const std::string& warning : warnings)
    y += page.text(x, y, warning, Font{f * 0.8, false, true}, Colour::rgb(160, 20, 20), Align::left, w).height;

  // The footer: provenance, then the disclaimer in bold so nobody misses it.
  const double used = page.text_within(p.footer_x, p.footer_y, c.texts.provenance, provenance_font,
                                       kInk.with_alpha(0.85), p.footer_w, provenance_room).height;
  page.text(p.footer_x, p.footer_y + used + f * 0.3, c.texts.disclaimer, disclaimer_font, kInk, Align::left, p.footer_w);
  return done;
}

}  // namespace minerisk::render
