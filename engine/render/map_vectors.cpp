#include "map_vectors.hpp"

#include <ogrsf_frmts.h>

#include <algorithm>
#include <array>
#include <cmath>
#include <memory>

#include "minerisk/engine/errors.hpp"
#include "minerisk/engine/gdal_support.hpp"
#include "minerisk/engine/vector_inputs.hpp"

namespace minerisk::render {
namespace {

struct Symbol {
  Colour stroke, fill;
  double width = 0.8;   // points
  std::vector<double> dash;  // points; empty: solid
  double marker = 0;   // radius of a point's marker; 0 for lines and polygons
};

Symbol symbol_of(ContextKind kind) {
  switch (kind) {
    case ContextKind::front_lines: return {Colour::rgb(40, 40, 60), {0, 0, 0, 0}, 1.6, {6, 1.5, 1.5, 1.5}};
    case ContextKind::finds: return {Colour::rgb(255, 255, 255), Colour::rgb(20, 20, 20), 0.3, {}, 0.95};
    case ContextKind::cleared: return {Colour::rgb(26, 120, 60), Colour::rgb(26, 152, 80, 0.22), 0.8, {}};
    case ContextKind::records: return {Colour::rgb(118, 42, 131), {0, 0, 0, 0}, 0.9, {3, 1.5}};
    case ContextKind::roads: return {Colour::rgb(90, 90, 90), {0, 0, 0, 0}, 0.7, {}};
    case ContextKind::settlements: return {Colour::rgb(20, 20, 20), Colour::rgb(255, 255, 255), 0.9, {}, 2.2};
  }
  return {};
}

// A transform from the layer's CRS into the grid's; none when they are the same or the layer
// has none (then its coordinates are taken as the grid's).
std::unique_ptr<OGRCoordinateTransformation> transform_of(OGRLayer& layer, const OGRSpatialReference& grid_srs) {
  const OGRSpatialReference* srs = layer.GetSpatialRef();
  if (!srs || srs->IsSame(&grid_srs)) return nullptr;
  OGRSpatialReference from(*srs);
  from.SetAxisMappingStrategy(OAMS_TRADITIONAL_GIS_ORDER);
  return std::unique_ptr<OGRCoordinateTransformation>(OGRCreateCoordinateTransformation(&from, &grid_srs));
}

// Only the features near the view are read: the view's bounds in the layer's CRS.
void filter_to_view(OGRLayer& layer, const MapView& view, OGRCoordinateTransformation* to_grid) {
  double x0 = view.xmin, y0 = view.ymin, x1 = view.xmax, y1 = view.ymax;
  if (to_grid) {
    std::unique_ptr<OGRCoordinateTransformation> back(to_grid->GetInverse());
    if (!back || !back->TransformBounds(view.xmin, view.ymin, view.xmax, view.ymax, &x0, &y0, &x1, &y1, 21)) return;
  }
  // A view across the antimeridian (longitudes past 180) holds features stored at -180..-179:
  // no rectangle in the layer's own longitudes covers both sides, so none filters them.
  const bool across_antimeridian = view.grid.frame.geographic && (view.xmax > 180 || view.xmin < -180);
  if (!across_antimeridian) layer.SetSpatialFilterRect(x0, y0, x1, y1);
}

// A vertex in page points. On a geographic grid a longitude is taken within 180° of the view's
// middle, so a layer in -180..180 lands on a grid that crosses the antimeridian (179..181).
void page_point(const MapView& view, double x, double y, double& px, double& py) {
  if (view.grid.frame.geographic) {
    const double middle = (view.xmin + view.xmax) / 2;
    while (x < middle - 180) x += 360;
    while (x >= middle + 180) x -= 360;
  }
  px = view.page_x(x), py = view.page_y(y);
}

void add_path(cairo_t* cr, const MapView& view, const OGRGeometry& g, std::vector<std::pair<double, double>>& points) {
  double px, py;
  switch (wkbFlatten(g.getGeometryType())) {
    case wkbPoint: {
      const auto& p = *g.toPoint();
      page_point(view, p.getX(), p.getY(), px, py);
      points.emplace_back(px, py);
      break;
    }
    case wkbLineString:
    case wkbLinearRing: {
      const auto& line = *g.toSimpleCurve();
      for (int i = 0; i < line.getNumPoints(); ++i) {
        page_point(view, line.getX(i), line.getY(i), px, py);
        i == 0 ? cairo_move_to(cr, px, py) : cairo_line_to(cr, px, py);
      }
      if (wkbFlatten(g.getGeometryType()) == wkbLinearRing) cairo_close_path(cr);
      break;
    }
    case wkbPolygon:
      for (const OGRLinearRing* ring : *g.toPolygon()) {
        add_path(cr, view, *ring, points);
        cairo_close_path(cr);
      }
      break;
    default:
      if (OGR_GT_IsSubClassOf(g.getGeometryType(), wkbGeometryCollection)) {
        for (const OGRGeometry* part : *g.toGeometryCollection()) add_path(cr, view, *part, points);
      } else if (g.hasCurveGeometry()) {
        std::unique_ptr<OGRGeometry> linear(g.getLinearGeometry());
        if (linear) add_path(cr, view, *linear, points);
      }
  }
}

void stroke_and_fill(cairo_t* cr, const Symbol& s) {
  cairo_set_fill_rule(cr, CAIRO_FILL_RULE_EVEN_ODD);
  cairo_set_line_join(cr, CAIRO_LINE_JOIN_ROUND);
  cairo_set_line_cap(cr, CAIRO_LINE_CAP_ROUND);
  if (s.fill.a > 0) {
    cairo_set_source_rgba(cr, s.fill.r, s.fill.g, s.fill.b, s.fill.a);
    cairo_fill_preserve(cr);
  }
  cairo_set_source_rgba(cr, s.stroke.r, s.stroke.g, s.stroke.b, s.stroke.a);
  cairo_set_line_width(cr, s.width);
  cairo_set_dash(cr, s.dash.data(), static_cast<int>(s.dash.size()), 0);
  cairo_stroke(cr);
  cairo_set_dash(cr, nullptr, 0, 0);
}

// Points are squares: a PDF writes a square as one operator and a circle as four curves, which
// made the 55,000 finds of a national map take two seconds more to write than all else.
void add_marker(cairo_t* cr, const Symbol& s, double x, double y) {
  cairo_rectangle(cr, x - s.marker, y - s.marker, 2 * s.marker, 2 * s.marker);
}

void paint_markers(cairo_t* cr, const Symbol& s) {
  cairo_set_fill_rule(cr, CAIRO_FILL_RULE_WINDING);
  cairo_set_source_rgba(cr, s.fill.r, s.fill.g, s.fill.b, s.fill.a);
  cairo_fill_preserve(cr);
  cairo_set_source_rgba(cr, s.stroke.r, s.stroke.g, s.stroke.b, s.stroke.a);
  cairo_set_line_width(cr, s.width);
  cairo_stroke(cr);
}

OGRLayer* layer_of(GDALDataset& ds, const VectorInputSpec& spec, const std::string& role) {
  OGRLayer* layer = &chosen_layer(ds, spec, role);
  if (!spec.where.empty())
    if (const std::string problem = set_where_filter(ds, *layer, spec.where); !problem.empty())
      throw UserError(role + ": the filter '" + spec.where + "' is not valid OGR SQL for " + spec.path.string() + " (" +
                      problem + ")");
  return layer;
}

// The name a settlement is labelled with: a field called name (any case), else none.
int name_field(OGRLayer& layer) {
  OGRFeatureDefn* defn = layer.GetLayerDefn();
  for (int i = 0; i < defn->GetFieldCount(); ++i)
    if (EQUAL(defn->GetFieldDefn(i)->GetNameRef(), "name")) return i;
  return -1;
}

// Clips drawing to the map frame for the life of the object.
struct FrameClip {
  cairo_t* cr;
  FrameClip(cairo_t* c, const MapView& v) : cr(c) {
    cairo_save(cr);
    cairo_rectangle(cr, v.frame_x, v.frame_y, v.frame_w, v.frame_h);
    cairo_clip(cr);
    cairo_new_path(cr);
  }
  ~FrameClip() { cairo_restore(cr); }
};

}  // namespace

size_t draw_context_layer(const Drawing& page, const MapView& view, const ContextLayer& context, double font_size) {
  DatasetPtr ds = open_vector(context.spec.path, context.label);
  OGRLayer* layer = layer_of(*ds, context.spec, context.label);
  const OGRSpatialReference grid_srs = view.grid.srs();
  const auto to_grid = transform_of(*layer, grid_srs);
  filter_to_view(*layer, view, to_grid.get());
  const Symbol s = symbol_of(context.kind);
  const int name = context.kind == ContextKind::settlements ? name_field(*layer) : -1;
  cairo_t* cr = page.cr();
  const FrameClip clip(cr, view);
  size_t drawn = 0;
  std::vector<std::pair<double, double>> points;
  std::vector<std::pair<std::pair<double, double>, std::string>> names;
  for (auto& feature : *layer) {
    const OGRGeometry* g = feature->GetGeometryRef();
    if (!g || g->IsEmpty()) continue;
    std::unique_ptr<OGRGeometry> copy(g->clone());
    if (to_grid && copy->transform(to_grid.get()) != OGRERR_NONE) continue;
    const size_t before = points.size();
    add_path(cr, view, *copy, points);
    if (name >= 0 && points.size() > before && feature->IsFieldSetAndNotNull(name))
      names.push_back({points[before], feature->GetFieldAsString(name)});
    ++drawn;
  }
  stroke_and_fill(cr, s);
  // Every marker in one path, filled and outlined once: 55,000 finds draw in a blink and make
  // a small PDF.
  for (const auto& [x, y] : points) add_marker(cr, s, x, y);
  if (!points.empty()) paint_markers(cr, s);
  for (const auto& [at, text] : names)
    page.halo_text(at.first + s.marker + 1.5, at.second - font_size * 0.7, text, Font{font_size * 0.95}, kInk,
                   Colour::rgb(255, 255, 255, 0.85));
  return drawn;
}

void check_context_layer(const VectorInputSpec& spec, const std::string& role, bool points) {
  DatasetPtr ds = open_vector(spec.path, role);
  OGRLayer* layer = layer_of(*ds, spec, role);
  // A layer of a declared type must be of the kind asked for (settlements are points, roads
  // lines); one of unknown type is taken as it comes.
  const OGRwkbGeometryType type = wkbFlatten(layer->GetGeomType());
  const bool is_points = type == wkbPoint || type == wkbMultiPoint;
  if (type != wkbUnknown && type != wkbNone && is_points != points)
    throw UserError(role + ": layer '" + std::string(layer->GetName()) + "' of " + spec.path.string() + " holds " +
                    OGRGeometryTypeToName(type) + (points ? "s; give a point layer" : "s; give a line layer"));
}

LegendSymbol context_symbol(ContextKind kind, const std::string& label) {
  return {label, [kind](const Drawing& page, double x, double y, double w, double h) {
            const Symbol s = symbol_of(kind);
            cairo_t* cr = page.cr();
            if (s.marker > 0) {
              add_marker(cr, s, x + w / 2, y + h / 2);
              paint_markers(cr, s);
            } else if (s.fill.a > 0) {
              cairo_rectangle(cr, x + 1, y + 1, w - 2, h - 2);
              stroke_and_fill(cr, s);
            } else {
              cairo_move_to(cr, x, y + h / 2);
              cairo_line_to(cr, x + w, y + h / 2);
              stroke_and_fill(cr, s);
            }
          }};
}

namespace {

// Hazard areas are outlines over the colours (a fill would hide the probability beneath):
// clearance solid black, technical survey dashed blue, given polygons the model would cancel
// dotted grey; each on a white casing so it reads on dark and light classes alike.
Symbol area_symbol(const std::string& cls) {
  if (cls == "clearance") return {Colour::rgb(15, 15, 15), {0, 0, 0, 0}, 1.3, {}};
  if (cls == "technical_survey") return {Colour::rgb(31, 78, 156), {0, 0, 0, 0}, 1.1, {4, 1.6}};
  return {Colour::rgb(110, 110, 110), {0, 0, 0, 0}, 0.9, {1, 1.6}};
}

void draw_area_outline(cairo_t* cr, const Symbol& s) {
  cairo_path_t* path = cairo_copy_path(cr);
  cairo_set_source_rgba(cr, 1, 1, 1, 0.9);
  cairo_set_line_width(cr, s.width + 1.4);
  cairo_set_line_join(cr, CAIRO_LINE_JOIN_ROUND);
  cairo_stroke(cr);
  cairo_append_path(cr, path);
  cairo_path_destroy(path);
  stroke_and_fill(cr, s);
}

}  // namespace

size_t draw_hazard_areas(const Drawing& page, const MapView& view, const std::filesystem::path& areas, double font_size,
                         std::set<std::string>& classes) {
  DatasetPtr ds = open_vector(areas, "--areas");
  OGRLayer* layer = ds->GetLayerByName("areas");
  if (!layer)
    throw UserError("--areas: " + areas.string() + " has no layer 'areas': give a GeoPackage written by 'minerisk areas'");
  const int cls = layer->GetLayerDefn()->GetFieldIndex("class"), rank = layer->GetLayerDefn()->GetFieldIndex("rank");
  if (cls < 0 || rank < 0)
    throw UserError("--areas: the layer 'areas' of " + areas.string() + " has no 'class' or 'rank' field: give a "
                    "GeoPackage written by 'minerisk areas'");
  const OGRSpatialReference grid_srs = view.grid.srs();
  const auto to_grid = transform_of(*layer, grid_srs);
  filter_to_view(*layer, view, to_grid.get());
  cairo_t* cr = page.cr();
  const FrameClip clip(cr, view);
  struct Label {
    int64_t rank;
    double x, y;
  };
  std::vector<Label> labels;
  std::vector<std::pair<double, double>> unused;
  size_t drawn = 0;
  for (auto& feature : *layer) {
    const OGRGeometry* g = feature->GetGeometryRef();
    if (!g || g->IsEmpty()) continue;
    std::unique_ptr<OGRGeometry> copy(g->clone());
    if (to_grid && copy->transform(to_grid.get()) != OGRERR_NONE) continue;
    add_path(cr, view, *copy, unused);
    draw_area_outline(cr, area_symbol(feature->GetFieldAsString(cls)));
    classes.insert(feature->GetFieldAsString(cls));
    ++drawn;
    if (!feature->IsFieldSetAndNotNull(rank)) continue;
    std::unique_ptr<OGRGeometry> inside(OGRGeometry::FromHandle(OGR_G_PointOnSurface(OGRGeometry::ToHandle(copy.get()))));
    if (!inside || inside->IsEmpty() || wkbFlatten(inside->getGeometryType()) != wkbPoint) continue;
    double px, py;
    page_point(view, inside->toPoint()->getX(), inside->toPoint()->getY(), px, py);
    labels.push_back({feature->GetFieldAsInteger64(rank), px, py});
  }
  // The best-ranked first, each where it does not cover a label already placed, at most 80:
  // the labels a planner reads first are never lost in a crowd of lower ranks.
  std::sort(labels.begin(), labels.end(), [](const Label& a, const Label& b) { return a.rank < b.rank; });
  const Font font{font_size * 0.9, true};
  std::vector<std::array<double, 4>> placed;  // x0, y0, x1, y1
  for (const Label& l : labels) {
    if (placed.size() >= 80) break;
    const std::string text = std::to_string(l.rank);
    const TextSize size = page.measure(text, font);
    const std::array<double, 4> box{l.x - size.width / 2 - 1, l.y - size.height / 2 - 1, l.x + size.width / 2 + 1,
                                    l.y + size.height / 2 + 1};
    const auto overlaps = [&box](const std::array<double, 4>& o) {
      return box[0] < o[2] && o[0] < box[2] && box[1] < o[3] && o[1] < box[3];
    };
    if (std::any_of(placed.begin(), placed.end(), overlaps)) continue;
    placed.push_back(box);
    page.halo_text(l.x, l.y - size.height / 2, text, font, kInk, Colour::rgb(255, 255, 255, 0.9), Align::centre);
  }
  return drawn;
}

std::vector<LegendSymbol> hazard_area_symbols(const std::set<std::string>& classes) {
  std::vector<LegendSymbol> symbols;
  std::vector<std::pair<std::string, std::string>> entries = {{"clearance", "Hazard area: clearance (with rank)"},
                                                              {"technical_survey", "Hazard area: technical survey"}};
  // Given polygons the model would cancel, or on no data, are drawn dotted: named when drawn.
  const bool other = std::any_of(classes.begin(), classes.end(),
                                 [](const std::string& c) { return c != "clearance" && c != "technical_survey"; });
  if (other) entries.push_back({"cancellation", "Hazard area: cancellation or no data"});
  // (A pair, not a structured binding: clang 14 cannot capture one in a lambda.)
  for (const auto& entry : entries)
    symbols.push_back({entry.second, [cls = entry.first](const Drawing& page, double x, double y, double w, double h) {
                         cairo_t* cr = page.cr();
                         cairo_rectangle(cr, x + 1.5, y + 1.5, w - 3, h - 3);
                         draw_area_outline(cr, area_symbol(cls));
                       }});
  return symbols;
}

}  // namespace minerisk::render
