#include "qgis_project.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <cstdio>
#include <stdexcept>
#include <utility>

#include "../src/gpkg_style.hpp"
#include "minerisk/engine/output_set.hpp"

namespace minerisk::render {
namespace {

namespace fs = std::filesystem;
using Props = std::vector<std::pair<std::string, std::string>>;

const std::string kEvidenceGroup = "Evidence layers";

std::string esc(const std::string& text) { return xml_escape(text); }

std::string number(double v, int digits = 17) {
  if (std::isinf(v)) return v > 0 ? "inf" : "-inf";
  char text[40];
  std::snprintf(text, sizeof text, "%.*g", digits, v);
  return text;
}

// A path as QGIS writes it with relative paths on: "./sample.nc", "../data/region.gpkg";
// absolute only when no relative path leads there (another drive, a URL-like name).
std::string relative_path(const fs::path& file, const fs::path& folder) {
  const fs::path target = fs::absolute(file).lexically_normal();
  std::error_code ec;
  fs::path rel = fs::relative(target, fs::absolute(folder), ec);
  if (ec || rel.empty()) return target.generic_string();
  const std::string text = rel.generic_string();
  if (text == ".." || text.rfind("../", 0) == 0) return text;
  return "./" + text;
}

std::string gdal_source(const fs::path& file, const std::string& variable, const fs::path& folder) {
  const std::string path = relative_path(file, folder);
  // GDAL's netCDF subdataset name; QGIS resolves the quoted path against the project's folder.
  return variable.empty() ? path : "NETCDF:\"" + path + "\":" + variable;
}

// QGIS's OGR layer name: the path, then "|layername=" and "|subset=" (the filter, to the end).
std::string ogr_source(const fs::path& file, const std::string& layer, const fs::path& folder,
                       const std::string& where = "") {
  std::string source = relative_path(file, folder);
  if (!layer.empty()) source += "|layername=" + layer;
  if (!where.empty()) source += "|subset=" + where;
  return source;
}

std::string colour_hex(const Colour& c) {
  char text[8];
  const auto byte = [](double v) { return static_cast<int>(std::lround(std::clamp(v, 0.0, 1.0) * 255)); };
  std::snprintf(text, sizeof text, "#%02x%02x%02x", byte(c.r), byte(c.g), byte(c.b));
  return text;
}

// A CRS as QGIS reads it back: the WKT alone is enough (QgsCoordinateReferenceSystem::readXml).
std::string spatialrefsys(const std::string& wkt, const std::string& indent) {
  return indent + "<spatialrefsys nativeFormat=\"Wkt\">\n" + indent + " <wkt>" + esc(wkt) + "</wkt>\n" + indent +
         "</spatialrefsys>\n";
}

// ---- raster layers ----

struct RampItem {
  double value;
  Colour colour;
  std::string label;
};

// A single-band pseudocolour renderer: "DISCRETE" (each item's colour up to its value, the map's
// classes) or "INTERPOLATED" (a continuous ramp). No-data stays transparent (the provider's
// no-data value, used as the source gives it).
std::string pseudocolour_pipe(const std::string& ramp_type, const std::vector<RampItem>& items, double min, double max) {
  std::string out = "   <pipe>\n    <rasterrenderer type=\"singlebandpseudocolor\" band=\"1\" opacity=\"1\" alphaBand=\"-1\""
                    " nodataColor=\"\" classificationMin=\"" + number(min) + "\" classificationMax=\"" + number(max) +
                    "\">\n     <rasterTransparency/>\n"
                    "     <minMaxOrigin><limits>None</limits><extent>WholeRaster</extent><statAccuracy>Estimated</statAccuracy>"
                    "<cumulativeCutLower>0.02</cumulativeCutLower><cumulativeCutUpper>0.98</cumulativeCutUpper>"
                    "<stdDevFactor>2</stdDevFactor></minMaxOrigin>\n"
                    "     <rastershader>\n      <colorrampshader colorRampType=\"" + ramp_type +
                    "\" classificationMode=\"1\" clip=\"0\" minimumValue=\"" + number(min) + "\" maximumValue=\"" +
                    number(max) + "\" labelPrecision=\"4\">\n";
  for (const RampItem& item : items)
    out += "       <item alpha=\"" + std::to_string(std::lround(std::clamp(item.colour.a, 0.0, 1.0) * 255)) +
           "\" value=\"" + number(item.value) + "\" label=\"" + esc(item.label) + "\" color=\"" +
           colour_hex(item.colour) + "\"/>\n";
  out += "      </colorrampshader>\n     </rastershader>\n    </rasterrenderer>\n"
         "    <brightnesscontrast brightness=\"0\" contrast=\"0\" gamma=\"1\"/>\n"
         "    <huesaturation saturation=\"0\" grayscaleMode=\"0\" colorizeOn=\"0\" colorizeRed=\"255\" colorizeGreen=\"128\""
         " colorizeBlue=\"128\" colorizeStrength=\"100\"/>\n"
         "    <rasterresampler maxOversampling=\"2\"/>\n   </pipe>\n";
  return out;
}

std::string raster_layer(const std::string& id, const std::string& name, const std::string& source,
                         const std::string& wkt, const std::string& pipe) {
  return "  <maplayer type=\"raster\" hasScaleBasedVisibilityFlag=\"0\" styleCategories=\"AllStyleCategories\""
         " minScale=\"1e+08\" maxScale=\"0\" autoRefreshEnabled=\"0\" autoRefreshTime=\"0\" refreshOnNotifyEnabled=\"0\""
         " refreshOnNotifyMessage=\"\">\n"
         "   <id>" + esc(id) + "</id>\n   <datasource>" + esc(source) + "</datasource>\n   <layername>" + esc(name) +
         "</layername>\n   <srs>\n" + spatialrefsys(wkt, "    ") + "   </srs>\n   <provider>gdal</provider>\n" + pipe +
         "   <blendMode>0</blendMode>\n  </maplayer>\n";
}

// The largest float32 below `bound`: a probability (float32) at or above the bound is above it,
// and one below is at or below it.
double largest_float_below(double bound) {
  float f = static_cast<float>(bound);
  if (static_cast<double>(f) >= bound) f = std::nextafter(f, -std::numeric_limits<float>::infinity());
  return f;
}

// The map's classes, as the map's legend shows them: class k up to the next class's lower
// bound, the last one without end. QGIS's discrete ramp gives a value the first item whose value
// is at or above it, where the map (ColourClasses::class_of) and areas start a class at its
// bound: each item ends at the largest float32 below the next bound, so p = 0.5 is clearance
// in both (it was technical survey in QGIS).
std::vector<RampItem> class_items(const ColourClasses& classes) {
  std::vector<RampItem> items;
  for (size_t k = 0; k < classes.size(); ++k) {
    const double upper = k + 1 < classes.size() ? largest_float_below(classes.lower[k + 1]) : INFINITY;
    items.push_back({upper, classes.colours[k], classes.labels[k]});
  }
  return items;
}

// Viridis's anchors (matplotlib's perceptually uniform ramp, readable in grey and by the
// common colour vision deficiencies) spread over [min, max].
std::vector<RampItem> viridis_items(double min, double max) {
  static const Colour anchors[] = {Colour::rgb(68, 1, 84), Colour::rgb(59, 82, 139), Colour::rgb(33, 145, 140),
                                   Colour::rgb(94, 201, 98), Colour::rgb(253, 231, 37)};
  std::vector<RampItem> items;
  for (int i = 0; i < 5; ++i) {
    const double v = min + (max - min) * i / 4.0;
    items.push_back({v, anchors[i], number(v, 3)});
  }
  return items;
}

// ---- vector layers ----

struct VectorLook {
  std::string colour;   // "r,g,b,a"
  double width = 0.5;   // line or outline, mm
  double size = 2;      // markers, mm
  bool dashed = false;
  std::string marker = "circle";
};

VectorLook look_of(ContextKind kind) {
  switch (kind) {
    case ContextKind::front_lines: return {"35,35,35,255", 0.9, 2.0, false, "circle"};
    case ContextKind::finds: return {"20,20,20,255", 0.4, 1.6, false, "circle"};
    case ContextKind::cleared: return {"26,150,65,255", 0.6, 2.0, false, "circle"};
    case ContextKind::records: return {"118,42,131,255", 0.6, 2.0, true, "circle"};
    case ContextKind::roads: return {"140,100,60,255", 0.35, 1.6, false, "circle"};
    case ContextKind::settlements: return {"0,0,0,255", 0.3, 2.2, false, "square"};
  }
  throw std::invalid_argument("unknown kind of context layer");
}

const char* geometry_name(QgisGeometry g) {
  switch (g) {
    case QgisGeometry::point: return "Point";
    case QgisGeometry::line: return "Line";
    case QgisGeometry::polygon: return "Polygon";
  }
  throw std::invalid_argument("unknown geometry type");
}

// One symbol in the look of the layer's kind for its geometry: markers for points, lines for
// lines, outlines (no fill, so the probability shows through) for polygons.
std::string single_symbol_renderer(QgisGeometry geometry, const VectorLook& look) {
  std::string type, cls;
  Props props;
  const std::string style = look.dashed ? "dash" : "solid";
  switch (geometry) {
    case QgisGeometry::point:
      type = "marker", cls = "SimpleMarker";
      props = {{"name", look.marker}, {"color", look.colour}, {"outline_color", "255,255,255,255"},
               {"outline_style", "solid"}, {"outline_width", "0.2"}, {"outline_width_unit", "MM"},
               {"size", number(look.size)}, {"size_unit", "MM"}};
      break;
    case QgisGeometry::line:
      type = "line", cls = "SimpleLine";
      props = {{"line_color", look.colour}, {"line_style", style}, {"line_width", number(look.width)},
               {"line_width_unit", "MM"}, {"capstyle", "round"}, {"joinstyle", "round"}};
      break;
    case QgisGeometry::polygon:
      type = "fill", cls = "SimpleFill";
      props = {{"color", "0,0,0,0"}, {"style", "no"}, {"outline_color", look.colour}, {"outline_style", style},
               {"outline_width", number(look.width)}, {"outline_width_unit", "MM"}, {"joinstyle", "bevel"}};
      break;
  }
  return " <renderer-v2 type=\"singleSymbol\" forceraster=\"0\" symbollevels=\"0\" enableorderby=\"0\">\n  <symbols>\n"
         "   <symbol type=\"" + type + "\" name=\"0\" alpha=\"1\" clip_to_extent=\"1\" force_rhr=\"0\">\n"
         "    <layer class=\"" + cls + "\" enabled=\"1\" locked=\"0\" pass=\"0\">\n" +
         qml_properties(props, "     ") + "    </layer>\n   </symbol>\n  </symbols>\n </renderer-v2>\n";
}

std::string vector_layer(const std::string& id, const std::string& name, const std::string& source,
                         QgisGeometry geometry, const std::string& wkt, const std::string& renderer,
                         const std::string& labeling) {
  return "  <maplayer type=\"vector\" geometry=\"" + std::string(geometry_name(geometry)) + "\" labelsEnabled=\"" +
         (labeling.empty() ? "0" : "1") + "\" hasScaleBasedVisibilityFlag=\"0\" styleCategories=\"AllStyleCategories\""
         " minScale=\"1e+08\" maxScale=\"0\" autoRefreshEnabled=\"0\" autoRefreshTime=\"0\" refreshOnNotifyEnabled=\"0\""
         " refreshOnNotifyMessage=\"\" readOnly=\"0\" simplifyDrawingHints=\"1\" simplifyDrawingTol=\"1\""
         " simplifyLocal=\"1\" simplifyMaxScale=\"1\" simplifyAlgorithm=\"0\">\n"
         "   <id>" + esc(id) + "</id>\n   <datasource>" + esc(source) + "</datasource>\n   <layername>" + esc(name) +
         "</layername>\n   <srs>\n" + spatialrefsys(wkt, "    ") + "   </srs>\n"
         "   <provider encoding=\"UTF-8\">ogr</provider>\n" + renderer + labeling +
         "   <blendMode>0</blendMode>\n   <featureBlendMode>0</featureBlendMode>\n   <layerOpacity>1</layerOpacity>\n"
         "  </maplayer>\n";
}

// ---- the layer tree ----

struct TreeEntry {
  std::string id, name, source, provider;
  bool checked = true;
};

std::string tree_layer(const TreeEntry& e, const std::string& indent) {
  return indent + "<layer-tree-layer id=\"" + esc(e.id) + "\" name=\"" + esc(e.name) + "\" source=\"" + esc(e.source) +
         "\" providerKey=\"" + e.provider + "\" checked=\"" + (e.checked ? "Qt::Checked" : "Qt::Unchecked") +
         "\" expanded=\"" + (e.checked ? "1" : "0") + "\" legend_exp=\"\">\n" + indent + " <customproperties/>\n" +
         indent + "</layer-tree-layer>\n";
}

}  // namespace

std::string qgis_project_xml(const QgisProjectSpec& spec, const fs::path& project_folder) {
  const ColourClasses& classes = spec.classes;
  if (classes.size() == 0 || classes.colours.size() != classes.size() || classes.labels.size() != classes.size())
    throw std::invalid_argument("a QGIS project needs the map's colour classes, each with a colour and a label");
  std::vector<TreeEntry> top, evidence;
  std::string layers;

  // Drawn top to bottom as listed: the vectors (points first), the areas (their ranks are labels,
  // drawn over everything), the probability; the evidence last.
  for (size_t i = 0; i < spec.vectors.size(); ++i) {
    const QgisVectorLayer& v = spec.vectors[i];
    const TreeEntry e{"minerisk_vector_" + std::to_string(i), v.name, ogr_source(v.file, v.layer, project_folder, v.where),
                      "ogr"};
    layers += vector_layer(e.id, e.name, e.source, v.geometry, v.crs_wkt.empty() ? spec.crs_wkt : v.crs_wkt,
                           single_symbol_renderer(v.geometry, look_of(v.kind)), "");
    top.push_back(e);
  }
  if (!spec.areas.empty()) {
    const TreeEntry e{"minerisk_areas", "Hazard areas", ogr_source(spec.areas, "areas", project_folder), "ogr"};
    // The GeoPackage's own colours, but light fills: here the areas lie over the probability,
    // which their outlines must not hide (the outline stays the class's, opaque).
    std::vector<StyleCategory> categories = land_release_categories();
    for (StyleCategory& c : categories) c.rgba[3] = 60;
    layers += vector_layer(e.id, e.name, e.source, QgisGeometry::polygon, spec.crs_wkt,
                           qml_categorized_renderer("class", categories), qml_labeling("rank"));
    top.push_back(e);
  }
  {
    const TreeEntry e{"minerisk_probability", spec.grid_name, gdal_source(spec.grid, spec.variable, project_folder),
                      "gdal"};
    layers += raster_layer(e.id, e.name, e.source, spec.crs_wkt,
                           pseudocolour_pipe("DISCRETE", class_items(classes), 0, 1));
    top.push_back(e);
  }
  for (size_t i = 0; i < spec.evidence.size(); ++i) {
    const QgisRasterLayer& r = spec.evidence[i];
    const double min = std::isfinite(r.min) ? r.min : 0;
    const double max = std::isfinite(r.max) && r.max > min ? r.max : min + 1;
    const TreeEntry e{"minerisk_evidence_" + std::to_string(i), r.name, gdal_source(r.file, r.variable, project_folder),
                      "gdal", false};
    layers += raster_layer(e.id, e.name, e.source, spec.crs_wkt,
                           pseudocolour_pipe("INTERPOLATED", viridis_items(min, max), min, max));
    evidence.push_back(e);
  }

  std::string out = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
                    "<!DOCTYPE qgis PUBLIC 'http://mrcc.com/qgis.dtd' 'SYSTEM'>\n"
                    "<qgis projectname=\"" + esc(spec.title) + "\" version=\"3.22.0-Białowieża\">\n"
                    " <homePath path=\"\"/>\n <title>" + esc(spec.title) + "</title>\n"
                    " <projectCrs>\n" + spatialrefsys(spec.crs_wkt, "  ") + " </projectCrs>\n"
                    " <layer-tree-group>\n  <customproperties/>\n";
  for (const TreeEntry& e : top) out += tree_layer(e, "  ");
  if (!evidence.empty()) {
    out += "  <layer-tree-group name=\"" + esc(kEvidenceGroup) + "\" checked=\"Qt::Unchecked\" expanded=\"0\">\n"
           "   <customproperties/>\n";
    for (const TreeEntry& e : evidence) out += tree_layer(e, "   ");
    out += "  </layer-tree-group>\n";
  }
  out += "  <custom-order enabled=\"0\"/>\n </layer-tree-group>\n";
  const auto& x = spec.extent;
  out += " <mapcanvas name=\"theMapCanvas\" annotationsVisible=\"1\">\n  <extent>\n   <xmin>" + number(x[0]) +
         "</xmin>\n   <ymin>" + number(x[1]) + "</ymin>\n   <xmax>" + number(x[2]) + "</xmax>\n   <ymax>" +
         number(x[3]) + "</ymax>\n  </extent>\n  <rotation>0</rotation>\n  <destinationsrs>\n" +
         spatialrefsys(spec.crs_wkt, "   ") + "  </destinationsrs>\n  <rendermaptile>0</rendermaptile>\n </mapcanvas>\n";
  out += " <projectlayers>\n" + layers + " </projectlayers>\n <layerorder>\n";
  for (const auto* list : {&top, &evidence})
    for (const TreeEntry& e : *list) out += "  <layer id=\"" + esc(e.id) + "\"/>\n";
  out += " </layerorder>\n"
         // QGIS reads <projectCrs> only when the project says projections are on: without it the
         // project has no CRS, and a layer in another CRS is drawn unprojected, off the map.
         " <properties>\n  <Paths>\n   <Absolute type=\"bool\">false</Absolute>\n  </Paths>\n"
         "  <SpatialRefSys>\n   <ProjectionsEnabled type=\"int\">1</ProjectionsEnabled>\n  </SpatialRefSys>\n"
         " </properties>\n"
         " <projectMetadata>\n  <identifier></identifier>\n  <parentidentifier></parentidentifier>\n"
         "  <language></language>\n  <type></type>\n  <title>" + esc(spec.title) + "</title>\n  <abstract></abstract>\n"
         "  <links/>\n  <author>minerisk</author>\n </projectMetadata>\n</qgis>\n";
  return out;
}

void write_qgis_project(const fs::path& path, const QgisProjectSpec& spec, bool overwrite) {
  // Every file the project names is an input: the project never replaces one of them.
  std::vector<fs::path> inputs{spec.grid};
  if (!spec.areas.empty()) inputs.push_back(spec.areas);
  for (const QgisRasterLayer& r : spec.evidence) inputs.push_back(r.file);
  for (const QgisVectorLayer& v : spec.vectors) inputs.push_back(v.file);
  OutputSet outputs(inputs, overwrite);
  const size_t k = outputs.add(path);
  outputs.write_text(k, qgis_project_xml(spec, fs::absolute(path).parent_path()));
  outputs.commit(nullptr);
}

}  // namespace minerisk::render
