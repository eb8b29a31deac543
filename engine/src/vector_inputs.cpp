#include "minerisk/engine/vector_inputs.hpp"

#include <ogrsf_frmts.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <functional>
#include <utility>

#include "minerisk/engine/errors.hpp"
#include "minerisk/engine/gdal_support.hpp"
#include "minerisk/engine/joined.hpp"
#include "minerisk/engine/nearest_name.hpp"
#include "geometry_parts.hpp"

namespace minerisk {
namespace {

// See the reach in visit_layer.
constexpr double kLeastReachMetres = 100e3;

// 100 km in the grid's units, along x and y. On a geographic grid, degrees at its most poleward
// latitude, where a degree of longitude is shortest (23 km at 78 degrees north).
std::pair<double, double> least_reach(const Grid& grid) {
  if (!grid.frame.geographic) return {kLeastReachMetres / grid.frame.linear_unit, kLeastReachMetres / grid.frame.linear_unit};
  const auto b = grid.bounds();
  const double poleward = std::max(std::abs(b[1]), std::abs(b[3]));
  const kernels::MetricScale m = kernels::metres_per_degree(poleward, grid.frame.semi_major, grid.frame.inverse_flattening);
  return {std::min(360.0, kLeastReachMetres / m.x), kLeastReachMetres / m.y};
}

using namespace geometry_parts;

using FeatureVisitor = std::function<void(OGRGeometry& geometry_in_grid_crs, double value, GIntBig fid, OGRFeature& feature)>;

enum class Shape { lines, points, polygons, polygons_or_lines, any };

std::string shape_name(Shape s) {
  switch (s) {
    case Shape::lines: return "lines";
    case Shape::points: return "points";
    case Shape::polygons: return "polygons";
    case Shape::polygons_or_lines: return "polygons or lines";
    case Shape::any: return "points, lines or polygons";
  }
  return "?";
}

bool accepts(Shape s, OGRwkbGeometryType type) {
  const OGRwkbGeometryType flat = wkbFlatten(type);
  const bool line = flat == wkbLineString || flat == wkbMultiLineString || flat == wkbCircularString ||
                    flat == wkbCompoundCurve || flat == wkbMultiCurve;
  const bool point = flat == wkbPoint || flat == wkbMultiPoint;
  const bool polygon = flat == wkbPolygon || flat == wkbMultiPolygon || flat == wkbCurvePolygon || flat == wkbMultiSurface;
  switch (s) {
    case Shape::lines: return line;
    case Shape::points: return point;
    case Shape::polygons: return polygon;
    case Shape::polygons_or_lines: return polygon || line;
    case Shape::any: return polygon || line || point || flat == wkbGeometryCollection;
  }
  return false;
}

// A feature's value from its field. Numbers only: OGR reads the text "abc" as 0, silently, so
// text must be a whole number ("nan" and "inf" parse, and are refused by the range check).
bool field_value(OGRFeature& feature, int field, OGRFieldType type, double& value) {
  if (type != OFTString) {
    value = feature.GetFieldAsDouble(field);
    return true;
  }
  const char* text = feature.GetFieldAsString(field);
  char* end = nullptr;
  value = std::strtod(text, &end);
  while (end && *end == ' ') ++end;
  return end != text && end && *end == '\0';
}

}  // namespace

OGRLayer& chosen_layer(GDALDataset& ds, const VectorInputSpec& spec, const std::string& role) {
  const std::string file = spec.path.string();
  OGRLayer* layer = nullptr;
  if (spec.layer.empty()) {
    if (ds.GetLayerCount() != 1) {
      std::vector<std::string> names;
      for (auto* l : ds.GetLayers()) names.emplace_back(l->GetName());
      const std::string list = joined(names);
      // A scenario names the layer with `layer = "..."`; a tool's INPUT (role "input") with
      // --layer; a command-line option (role --truth, --polygons ...) as PATH:LAYER, or with
      // evaluate's --layer.
      const bool option = role.rfind("--", 0) == 0;
      throw UserError(role + ": '" + file + "' holds " + std::to_string(ds.GetLayerCount()) + " layers (" +
                      (list.empty() ? "none" : list) + "); choose one " +
                      (role == "input"       ? "with --layer NAME"
                       : !option             ? "with layer = \"...\""
                       : role == "--truth" ? "as PATH:LAYER (evaluate: or with --layer)"
                                           : "as PATH:LAYER"));
    }
    layer = ds.GetLayer(0);
  } else {
    layer = ds.GetLayerByName(spec.layer.c_str());
    if (!layer) {
      std::vector<std::string> names;
      for (auto* l : ds.GetLayers()) names.emplace_back(l->GetName());
      throw UserError(role + ": '" + file + "' has no layer '" + spec.layer + "'; " + suggestion(spec.layer, names, "its layers"));
    }
  }
  return *layer;
}

namespace {

// Opens the layer, checks it and calls `visit` for each feature, with its geometry already in
// the grid's CRS (longitudes unwrapped around the grid's, for a geographic grid) and its value
// read from the value field (or the default). Every error or warning OGR raises meanwhile
// stops the read: OGR ends a damaged layer early with only a message, so a read it complained
// about is partial.
// A feature without a geometry (null or empty) is skipped: it marks no place. Unless refused
// (`without_geometry`): a caller that writes or counts a row per feature would lose it silently.
void visit_layer(const VectorInputSpec& spec, const Grid& grid, const std::string& role, Shape shape, bool probability,
                 const FeatureVisitor& visit, WithoutGeometry without_geometry_rule = WithoutGeometry::skip) {
  DatasetPtr ds = open_vector(spec.path, role);
  const GdalErrorTrap trap;
  const std::string file = spec.path.string();
  OGRLayer* layer = &chosen_layer(*ds, spec, role);
  const std::string what = role + ": layer '" + std::string(layer->GetName()) + "' of '" + file + "'";
  const OGRSpatialReference* layer_srs = layer->GetSpatialRef();
  if (!layer_srs || layer_srs->IsEmpty())
    throw UserError(what + " has no CRS; assign one with ogr2ogr -a_srs EPSG:XXXX");
  if (!spec.where.empty())
    if (const std::string problem = set_where_filter(*ds, *layer, spec.where); !problem.empty())
      throw UserError(what + ": the filter where = \"" + spec.where + "\" is not valid OGR SQL (" + problem + ")");

  int field = -1;
  OGRFieldType field_type = OFTReal;
  if (!spec.value_field.empty()) {
    OGRFeatureDefn* defn = layer->GetLayerDefn();
    field = defn->GetFieldIndex(spec.value_field.c_str());
    if (field < 0) {
      std::vector<std::string> names;
      for (int i = 0; i < defn->GetFieldCount(); ++i) names.emplace_back(defn->GetFieldDefn(i)->GetNameRef());
      throw UserError(what + " has no field '" + spec.value_field + "'; " + suggestion(spec.value_field, names, "its fields"));
    }
    field_type = defn->GetFieldDefn(field)->GetType();
    if (field_type != OFTInteger && field_type != OFTInteger64 && field_type != OFTReal && field_type != OFTString)
      throw UserError(what + ": field '" + spec.value_field + "' holds " + OGRFieldDefn::GetFieldTypeName(field_type) +
                      " values, not numbers; give a numeric field");
  }
  const std::string field_name = spec.value_field.empty() ? "the default value" : spec.value_field;

  OGRSpatialReference source(*layer_srs), target = grid.srs();
  source.SetAxisMappingStrategy(OAMS_TRADITIONAL_GIS_ORDER);
  std::unique_ptr<OGRCoordinateTransformation> ct;
  if (!source.IsSame(&target)) {
    ct.reset(OGRCreateCoordinateTransformation(&source, &target));
    if (!ct) throw UserError(what + ": cannot transform its CRS to the grid's; check the layer's CRS");
  }

  // Reach: a layer whose features all lie further from the grid than this is most likely in
  // another CRS than it declares (degrees read as metres land hundreds of kilometres away, as
  // does another UTM zone). The grid's own width and height, and at least 100 km: a small survey
  // grid's nearest front line or road can be kilometres off.
  const auto b = grid.bounds();
  const auto [least_x, least_y] = least_reach(grid);
  const double reach_x = std::max(b[2] - b[0], least_x), reach_y = std::max(b[3] - b[1], least_y);
  const double centre_lon = (b[0] + b[2]) / 2;
  OGREnvelope extent;
  size_t count = 0, without_geometry = 0;
  layer->ResetReading();
  const std::string unreadable = what + " could not be read to its end";
  // Some drivers (GeoPackage, SQLite) only check a filter when they read: an SQL error then is
  // the filter's, not a damaged file's.
  const auto check_reading = [&] {
    if (!spec.where.empty() && trap.first().find("SQL") != std::string::npos)
      throw UserError(what + ": the filter where = \"" + spec.where + "\" is not valid OGR SQL for this layer (GDAL: " +
                      trap.first() + "); check its field names and operators");
    trap.check(unreadable, kDamagedInputAdvice);
  };
  for (auto& feature : *layer) {
    check_reading();  // before a value OGR complained about is used
    OGRGeometry* geometry = feature->GetGeometryRef();
    if (!geometry || geometry->IsEmpty()) {
      if (without_geometry_rule != WithoutGeometry::skip)
        throw UserError(what + ": feature " + std::to_string(feature->GetFID()) + " has no geometry (" +
                        (geometry ? "an empty one" : "null") + "); draw it, or leave it out " +
                        (without_geometry_rule == WithoutGeometry::refuse ? "with a filter (--where)"
                                                                          : "of a copy made with ogr2ogr -where"));
      ++without_geometry;
      continue;
    }
    if (!accepts(shape, geometry->getGeometryType()))
      throw UserError(what + " holds " + OGRGeometryTypeToName(geometry->getGeometryType()) + " geometries (feature " +
                      std::to_string(feature->GetFID()) + "), but " + role + " must be " + shape_name(shape));
    const std::string feature_id = "feature " + std::to_string(feature->GetFID());
    if (!finite_vertices(*geometry))
      throw UserError(what + ": " + feature_id + " has a vertex that is not a finite number; fix its geometry");
    if (ct && geometry->transform(ct.get()) != OGRERR_NONE)
      throw UserError(what + ": " + feature_id + " cannot be transformed to the grid's CRS; check the layer's CRS");
    if (grid.frame.geographic) unwrap_longitudes(*geometry, centre_lon);
    double value = spec.default_value;
    if (field >= 0 && feature->IsFieldSetAndNotNull(field) && !field_value(*feature, field, field_type, value))
      throw UserError(what + ": " + feature_id + " has " + field_name + " = '" + feature->GetFieldAsString(field) +
                      "', not a number; fix the attribute");
    if (!std::isfinite(value) || value < 0 || (probability && value > 1))
      throw UserError(what + ": " + feature_id + " has " + field_name + " = " + number_text(value) +
                      (std::isfinite(value) ? std::string(", outside ") + (probability ? "[0, 1]" : "[0, inf)")
                                            : std::string(", not a finite number")) +
                      "; fix the attribute");
    if (ct && !finite_vertices(*geometry))  // beyond the projection's domain
      throw UserError(what + ": " + feature_id +
                      " does not lie where the grid's CRS is defined; check the layer's CRS");
    OGREnvelope e;
    geometry->getEnvelope(&e);
    extent.Merge(e);
    visit(*geometry, value, feature->GetFID(), *feature);
    ++count;
  }
  check_reading();
  // A scenario's section ("finds", "front_lines") can be removed and has [grid] bounds; a tool's
  // input ("input", "--truth") has a template instead.
  const bool scenario_section = role != "input" && role.rfind("--", 0) != 0;
  if (count == 0)
    throw UserError(what + (spec.where.empty() ? "" : " (with where = \"" + spec.where + "\")") + " has no features" +
                    (without_geometry ? " with a geometry (" + std::to_string(without_geometry) + " without one)" : "") +
                    "; give a layer with " + shape_name(shape) + (scenario_section ? ", or remove [" + role + "]" : ""));
  if (extent.MaxX < b[0] - reach_x || extent.MinX > b[2] + reach_x || extent.MaxY < b[1] - reach_y ||
      extent.MinY > b[3] + reach_y)
    throw UserError(what + " lies far outside the grid; check the layer's CRS and " +
                    (scenario_section ? "the scenario's [grid] bounds" : "the grid's extent (the template's, or the raster's)"));
}

}  // namespace

std::string set_where_filter(GDALDataset& ds, OGRLayer& layer, const std::string& where) {
  const std::string driver = ds.GetDriver() ? ds.GetDriver()->GetDescription() : "";
  if (driver == "GPKG" || driver == "SQLite") {
    // SQLite's quoting: '...' a text, "..." a name, a doubled quote inside either is the quote
    // itself (which this scan reads as leaving and entering again); no backslash escapes.
    char quote = 0;
    for (size_t i = 0; i < where.size(); ++i) {
      const char c = where[i];
      if (quote) {
        if (c == quote) quote = 0;
      } else if (c == '\'' || c == '"') {
        quote = c;
      } else if (c == ';' && where.find_first_not_of(" \t\r\n", i + 1) != std::string::npos) {
        return "a ';' ends the expression before its end: SQLite would ignore what follows it; give one expression";
      }
    }
  }
  if (layer.SetAttributeFilter(where.c_str()) != OGRERR_NONE) return last_gdal_error();
  return "";
}

double nearest_turn(double lon, double anchor) {
  if (std::abs(lon - anchor) <= 180.0) return lon;
  return lon - 360.0 * std::round((lon - anchor) / 360.0);
}

std::vector<kernels::Segment> load_segments(const VectorInputSpec& spec, const Grid& grid, const std::string& role,
                                            std::vector<int64_t>* line_keys) {
  std::vector<kernels::Segment> segments;
  GIntBig sequence = 0;  // for drivers without feature ids (-1): the feature's place in the layer
  visit_layer(spec, grid, role, Shape::lines, false, [&](OGRGeometry& g, double, GIntBig fid, OGRFeature&) {
    LineKeys lk{line_keys, fid >= 0 ? fid : sequence, 0};
    ++sequence;
    add_segments(g, segments, lk);
  });
  return segments;
}

Geometries load_geometries(const VectorInputSpec& spec, const Grid& grid, const std::string& role) {
  Geometries out;
  int64_t feature = 0;
  visit_layer(spec, grid, role, Shape::any, false, [&](OGRGeometry& g, double, GIntBig, OGRFeature&) {
    add_points_as_segments(g, out.segments);
    add_segments(g, out.segments);  // lines, and the rings of polygons
    add_polygons(g, 1.0, out.polygons);
    out.segment_feature.resize(out.segments.size(), feature);
    out.polygon_feature.resize(out.polygons.size(), feature);
    ++feature;
  });
  return out;
}

std::vector<kernels::WeightedPoint> load_points(const VectorInputSpec& spec, const Grid& grid, const std::string& role,
                                                WithoutGeometry without_geometry) {
  std::vector<kernels::WeightedPoint> points;
  visit_layer(
      spec, grid, role, Shape::points, false,
      [&](OGRGeometry& g, double value, GIntBig, OGRFeature&) {
        if (wkbFlatten(g.getGeometryType()) == wkbPoint) {
          points.push_back({g.toPoint()->getX(), g.toPoint()->getY(), value});
        } else {
          for (const OGRPoint* p : *g.toMultiPoint()) points.push_back({p->getX(), p->getY(), value});
        }
      },
      without_geometry);
  return points;
}

std::vector<kernels::Polygon> load_polygons(const VectorInputSpec& spec, const Grid& grid, const std::string& role,
                                            double line_buffer_m) {
  std::vector<kernels::Polygon> polygons;
  const Shape shape = line_buffer_m > 0 ? Shape::polygons_or_lines : Shape::polygons;
  // Buffer distance in CRS units; for a geographic grid, at the grid's middle latitude.
  const kernels::MetricScale scale = grid.frame.scale_at_row(grid.height() / 2);
  const double buffer_units = line_buffer_m / std::sqrt(scale.x * scale.y);
  int64_t record = 0;  // the features in the order read: each record's index
  visit_layer(spec, grid, role, shape, true, [&](OGRGeometry& g, double value, GIntBig fid, OGRFeature&) {
    const OGRwkbGeometryType flat = wkbFlatten(g.getGeometryType());
    const int64_t this_record = record++;
    if (OGR_GT_IsCurve(flat) || flat == wkbMultiLineString || flat == wkbMultiCurve) {
      std::unique_ptr<OGRGeometry> buffered(g.Buffer(buffer_units, 8));
      if (!buffered)
        throw UserError(role + ": line feature " + std::to_string(fid) + " of '" + spec.path.string() +
                        "' cannot be buffered (" + last_gdal_error() + ")");
      add_polygons(*buffered, value, polygons, this_record);
    } else {
      add_polygons(g, value, polygons, this_record);
    }
  });
  return polygons;
}

void visit_polygon_features(const VectorInputSpec& spec, const Grid& grid, const std::string& role,
                            const std::function<void(OGRGeometry&, OGRFeature&)>& visit) {
  visit_layer(
      spec, grid, role, Shape::polygons, false,
      [&](OGRGeometry& g, double, GIntBig, OGRFeature& feature) { visit(g, feature); }, WithoutGeometry::refuse);
}

}  // namespace minerisk
