#include "gpkg_style.hpp"

#include <gdal_priv.h>
#include <ogrsf_frmts.h>

#include <cmath>
#include <cstdio>
#include <ctime>
#include <memory>
#include <stdexcept>
#include <utility>

#include "minerisk/engine/errors.hpp"
#include "minerisk/engine/gdal_support.hpp"
#include "minerisk/engine/ops/areas.hpp"

namespace minerisk {

std::string xml_escape(const std::string& text) {
  std::string out;
  out.reserve(text.size());
  for (const char c : text) {
    switch (c) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '"': out += "&quot;"; break;
      case '\'': out += "&apos;"; break;
      // An XML parser turns a raw tab or line break inside an attribute into a space; a
      // character reference survives.
      case '\t': out += "&#9;"; break;
      case '\n': out += "&#10;"; break;
      case '\r': out += "&#13;"; break;
      default:
        if (static_cast<unsigned char>(c) < 0x20)
          throw std::invalid_argument("a style text holds a control character, which XML 1.0 cannot hold");
        out += c;
    }
  }
  return out;
}

namespace {

constexpr const char* kStylesTable = "layer_styles";
// QGIS's styleName column is 30 characters wide (GDAL warns about longer values).
constexpr std::size_t kStyleNameWidth = 30;
// The outline keeps the fill's hue at this share of its brightness, so touching areas of one
// class stay apart and a half-transparent fill still has a visible edge.
constexpr double kOutlineShade = 0.6;

using Rgba = std::array<uint8_t, 4>;

Rgba outline_of(const Rgba& fill) {
  Rgba out{};
  for (int i = 0; i < 3; ++i) out[i] = static_cast<uint8_t>(std::lround(fill[i] * kOutlineShade));
  out[3] = 255;
  return out;
}

// SLD writes colours as "#rrggbb", the alpha apart as an opacity.
std::string sld_colour(const Rgba& c) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out = "#";
  for (int i = 0; i < 3; ++i) {
    out += kHex[c[i] >> 4];
    out += kHex[c[i] & 0xf];
  }
  return out;
}

std::string opacity(uint8_t alpha) {
  char text[16];
  std::snprintf(text, sizeof text, "%.3g", alpha / 255.0);
  return text;
}

std::string fill_symbol(const std::string& name, const Rgba& fill) {
  std::string out = "   <symbol type=\"fill\" name=\"" + name + "\" alpha=\"1\" clip_to_extent=\"1\" force_rhr=\"0\">\n";
  out += "    <layer class=\"SimpleFill\" enabled=\"1\" locked=\"0\" pass=\"0\">\n";
  out += qml_properties({{"color", qml_colour(fill)},
                         {"style", "solid"},
                         {"outline_color", qml_colour(outline_of(fill))},
                         {"outline_style", "solid"},
                         {"outline_width", "0.4"},
                         {"outline_width_unit", "MM"},
                         {"joinstyle", "bevel"}},
                        "     ");
  out += "    </layer>\n   </symbol>\n";
  return out;
}

}  // namespace

// QML writes colours as "r,g,b,a".
std::string qml_colour(const Rgba& c) {
  return std::to_string(c[0]) + "," + std::to_string(c[1]) + "," + std::to_string(c[2]) + "," + std::to_string(c[3]);
}

// A symbol layer's properties, written both as QGIS 3's <Option> map and as the older <prop>
// list, as QGIS 3.22 itself does: each QGIS version reads one or the other.
std::string qml_properties(const std::vector<std::pair<std::string, std::string>>& props, const std::string& indent) {
  std::string out = indent + "<Option type=\"Map\">\n";
  for (const auto& [k, v] : props)
    out += indent + " <Option type=\"QString\" name=\"" + k + "\" value=\"" + xml_escape(v) + "\"/>\n";
  out += indent + "</Option>\n";
  for (const auto& [k, v] : props) out += indent + "<prop k=\"" + k + "\" v=\"" + xml_escape(v) + "\"/>\n";
  return out;
}

std::string qml_categorized_renderer(const std::string& field, const std::vector<StyleCategory>& categories) {
  std::string out = " <renderer-v2 type=\"categorizedSymbol\" attr=\"" + xml_escape(field) +
                    "\" forceraster=\"0\" symbollevels=\"0\" enableorderby=\"0\">\n  <categories>\n";
  for (std::size_t i = 0; i < categories.size(); ++i)
    out += "   <category render=\"true\" value=\"" + xml_escape(categories[i].value) + "\" symbol=\"" +
           std::to_string(i) + "\" label=\"" + xml_escape(categories[i].label) + "\"/>\n";
  out += "  </categories>\n  <symbols>\n";
  for (std::size_t i = 0; i < categories.size(); ++i) out += fill_symbol(std::to_string(i), categories[i].rgba);
  out += "  </symbols>\n </renderer-v2>\n";
  return out;
}

// Labels over each area's centre in dark grey with a white halo, readable on every fill.
std::string qml_labeling(const std::string& label_field) {
  return " <labeling type=\"simple\">\n  <settings calloutType=\"simple\">\n"
         "   <text-style fieldName=\"" + xml_escape(label_field) + "\" isExpression=\"0\" fontSize=\"10\""
         " fontSizeUnit=\"Point\" textColor=\"50,50,50,255\" textOpacity=\"1\">\n"
         "    <text-buffer bufferDraw=\"1\" bufferSize=\"1\" bufferSizeUnits=\"MM\" bufferColor=\"255,255,255,255\""
         " bufferOpacity=\"1\" bufferNoFill=\"1\"/>\n"
         "   </text-style>\n"
         "   <placement placement=\"1\" centroidInside=\"1\" centroidWhole=\"0\" fitInPolygonOnly=\"0\"/>\n"
         "   <rendering drawLabels=\"1\" obstacle=\"1\" displayAll=\"0\" upsidedownLabels=\"0\"/>\n"
         "  </settings>\n </labeling>\n";
}

std::vector<StyleCategory> land_release_categories() {
  return {{ops::kCancellation, "cancellation (non-technical survey)", {166, 217, 106, 128}},
          {ops::kTechnicalSurvey, "technical survey", {253, 174, 97, 200}},
          {ops::kClearance, "clearance", {215, 25, 28, 200}},
          {ops::kNoData, "no data (no cell of the grid)", {160, 160, 160, 128}}};
}

namespace {

std::string style_qml(const std::string& field, const std::vector<StyleCategory>& categories,
                      const std::string& label_field) {
  std::string out = "<!DOCTYPE qgis PUBLIC 'http://mrcc.com/qgis.dtd' 'SYSTEM'>\n";
  // The version is the QGIS release whose format this follows; QGIS upgrades older formats on
  // reading, so claiming an older one would make it rewrite what is already current.
  out += "<qgis version=\"3.22.0\" styleCategories=\"Symbology|Labeling\" labelsEnabled=\"";
  out += label_field.empty() ? "0" : "1";
  out += "\">\n" + qml_categorized_renderer(field, categories);
  if (!label_field.empty()) out += qml_labeling(label_field);
  out += " <layerGeometryType>2</layerGeometryType>\n</qgis>\n";  // 2: polygons
  return out;
}

std::string style_sld(const std::string& layer, const std::string& field, const std::vector<StyleCategory>& categories,
                      const std::string& label_field) {
  std::string out =
      "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
      "<StyledLayerDescriptor xmlns=\"http://www.opengis.net/sld\" version=\"1.1.0\""
      " xmlns:ogc=\"http://www.opengis.net/ogc\" xmlns:xlink=\"http://www.w3.org/1999/xlink\""
      " xmlns:xsi=\"http://www.w3.org/2001/XMLSchema-instance\" xmlns:se=\"http://www.opengis.net/se\""
      " xsi:schemaLocation=\"http://www.opengis.net/sld http://schemas.opengis.net/sld/1.1.0/StyledLayerDescriptor.xsd\">\n"
      " <NamedLayer>\n  <se:Name>" + xml_escape(layer) + "</se:Name>\n  <UserStyle>\n   <se:Name>" +
      xml_escape(layer) + "</se:Name>\n   <se:FeatureTypeStyle>\n";
  for (const StyleCategory& c : categories) {
    out += "    <se:Rule>\n     <se:Name>" + xml_escape(c.label) + "</se:Name>\n"
           "     <se:Description><se:Title>" + xml_escape(c.label) + "</se:Title></se:Description>\n"
           "     <ogc:Filter><ogc:PropertyIsEqualTo><ogc:PropertyName>" + xml_escape(field) +
           "</ogc:PropertyName><ogc:Literal>" + xml_escape(c.value) + "</ogc:Literal></ogc:PropertyIsEqualTo></ogc:Filter>\n"
           "     <se:PolygonSymbolizer>\n"
           "      <se:Fill>\n"
           "       <se:SvgParameter name=\"fill\">" + sld_colour(c.rgba) + "</se:SvgParameter>\n"
           "       <se:SvgParameter name=\"fill-opacity\">" + opacity(c.rgba[3]) + "</se:SvgParameter>\n"
           "      </se:Fill>\n"
           "      <se:Stroke>\n"
           "       <se:SvgParameter name=\"stroke\">" + sld_colour(outline_of(c.rgba)) + "</se:SvgParameter>\n"
           "       <se:SvgParameter name=\"stroke-width\">1.5</se:SvgParameter>\n"
           "       <se:SvgParameter name=\"stroke-linejoin\">bevel</se:SvgParameter>\n"
           "      </se:Stroke>\n"
           "     </se:PolygonSymbolizer>\n    </se:Rule>\n";
  }
  if (!label_field.empty())
    out += "    <se:Rule>\n     <se:TextSymbolizer>\n"
           "      <se:Label><ogc:PropertyName>" + xml_escape(label_field) + "</ogc:PropertyName></se:Label>\n"
           "      <se:Font><se:SvgParameter name=\"font-size\">13</se:SvgParameter></se:Font>\n"
           "      <se:Halo><se:Radius>2</se:Radius><se:Fill><se:SvgParameter name=\"fill\">#ffffff</se:SvgParameter></se:Fill></se:Halo>\n"
           "      <se:Fill><se:SvgParameter name=\"fill\">#323232</se:SvgParameter></se:Fill>\n"
           "     </se:TextSymbolizer>\n    </se:Rule>\n";
  out += "   </se:FeatureTypeStyle>\n  </UserStyle>\n </NamedLayer>\n</StyledLayerDescriptor>\n";
  return out;
}

// An OGR SQL string literal (attribute filters): single quotes doubled.
std::string sql_literal(const std::string& text) {
  std::string out = "'";
  for (const char c : text) {
    if (c == '\'') out += '\'';
    out += c;
  }
  return out + "'";
}

// The first `width` characters of UTF-8 `text`, never splitting a character.
std::string utf8_prefix(const std::string& text, std::size_t width) {
  std::size_t count = 0, end = 0;
  for (; end < text.size(); ++end) {
    if ((static_cast<unsigned char>(text[end]) & 0xC0) == 0x80) continue;  // continuation byte
    if (count++ == width) break;
  }
  return text.substr(0, end);
}

struct FeatureDeleter {
  void operator()(OGRFeature* f) const { OGRFeature::DestroyFeature(f); }
};
using FeaturePtr = std::unique_ptr<OGRFeature, FeatureDeleter>;

[[noreturn]] void write_failed(GDALDataset& gpkg, const std::string& what) {
  throw UserError("cannot " + what + " in " + gpkg.GetDescription() + ": GDAL reports '" + last_gdal_error() +
                  "'; check that the file is writable and the disk not full");
}

struct Column {
  const char* name;
  OGRFieldType type;
  int width;  // 0: unlimited
};
constexpr Column kColumns[] = {
    {"f_table_catalog", OFTString, 256}, {"f_table_schema", OFTString, 256}, {"f_table_name", OFTString, 256},
    {"f_geometry_column", OFTString, 256}, {"styleName", OFTString, 30},     {"styleQML", OFTString, 0},
    {"styleSLD", OFTString, 0},            {"useAsDefault", OFTInteger, 0},  {"description", OFTString, 0},
    {"owner", OFTString, 30},              {"ui", OFTString, 30},            {"update_time", OFTDateTime, 0}};

// The table as QGIS's OGR provider creates it (QgsOgrProviderMetadata::saveStyle): FID `id`,
// the same names, types and widths, useAsDefault a boolean and update_time defaulting to now.
OGRLayer& styles_table(GDALDataset& gpkg) {
  if (OGRLayer* existing = gpkg.GetLayerByName(kStylesTable)) {
    // Another program's table of the same name would take rows with columns silently missing.
    for (const Column& column : kColumns)
      if (existing->GetLayerDefn()->GetFieldIndex(column.name) < 0)
        throw UserError(std::string("the layer_styles table in ") + gpkg.GetDescription() + " has no column " +
                        column.name + "; it is not QGIS's table of styles");
    return *existing;
  }
  char** options = CSLSetNameValue(nullptr, "FID", "id");
  OGRLayer* table = gpkg.CreateLayer(kStylesTable, nullptr, wkbNone, options);
  CSLDestroy(options);
  if (!table) write_failed(gpkg, "create the layer_styles table");
  for (const Column& column : kColumns) {
    OGRFieldDefn definition(column.name, column.type);
    definition.SetWidth(column.width);
    if (column.type == OFTInteger) definition.SetSubType(OFSTBoolean);
    if (column.type == OFTDateTime) definition.SetDefault("CURRENT_TIMESTAMP");
    if (table->CreateField(&definition) != OGRERR_NONE) write_failed(gpkg, "create the layer_styles table");
  }
  return *table;
}

void require_field(OGRLayer& target, const std::string& layer, const std::string& field) {
  if (target.GetLayerDefn()->GetFieldIndex(field.c_str()) < 0)
    throw std::invalid_argument("layer '" + layer + "' has no field '" + field + "' to style");
}

void set_now(OGRFeature& row, const char* column) {
  const std::time_t now = std::time(nullptr);
  std::tm utc{};
  gmtime_r(&now, &utc);
  row.SetField(column, utc.tm_year + 1900, utc.tm_mon + 1, utc.tm_mday, utc.tm_hour, utc.tm_min,
               static_cast<float>(utc.tm_sec), 100);  // 100: UTC
}

// Writes the row: unsets the layer's other defaults and replaces a style of the same name, as
// QGIS does, so the table ends with exactly one default for the layer.
void write_row(GDALDataset& gpkg, OGRLayer& table, const std::string& layer, const std::string& geometry_column,
               const std::string& description,
               const std::string& name, const std::string& qml, const std::string& sld) {
  const std::string of_layer = "f_table_schema = '' AND f_table_name = " + sql_literal(layer) +
                               " AND f_geometry_column = " + sql_literal(geometry_column);
  // Collected before writing: changing rows while a filtered read is open on them is undefined.
  std::vector<FeaturePtr> rows;
  if (table.SetAttributeFilter(of_layer.c_str()) != OGRERR_NONE) write_failed(gpkg, "read the layer_styles table");
  table.ResetReading();
  while (OGRFeature* row = table.GetNextFeature()) rows.emplace_back(row);
  table.SetAttributeFilter(nullptr);

  FeaturePtr mine;
  for (FeaturePtr& row : rows) {
    if (name == row->GetFieldAsString("styleName")) {
      mine = std::move(row);
    } else if (row->GetFieldAsInteger("useAsDefault") != 0) {
      row->SetField("useAsDefault", 0);
      if (table.SetFeature(row.get()) != OGRERR_NONE) write_failed(gpkg, "update the layer_styles table");
    }
  }
  const bool is_new = !mine;
  if (is_new) {
    mine.reset(OGRFeature::CreateFeature(table.GetLayerDefn()));
    mine->SetField("f_table_catalog", "");
    mine->SetField("f_table_schema", "");  // QGIS looks for '' (not NULL) in OGR files
    mine->SetField("f_table_name", layer.c_str());
    mine->SetField("f_geometry_column", geometry_column.c_str());
    mine->SetField("styleName", name.c_str());
    mine->SetField("owner", "");
  }
  mine->SetField("styleQML", qml.c_str());
  mine->SetField("styleSLD", sld.c_str());
  mine->SetField("useAsDefault", 1);
  mine->SetField("description", description.c_str());
  set_now(*mine, "update_time");
  const OGRErr written = is_new ? table.CreateFeature(mine.get()) : table.SetFeature(mine.get());
  if (written != OGRERR_NONE) write_failed(gpkg, "write the layer_styles table");
}

}  // namespace

void store_default_style(GDALDataset& gpkg, const std::string& layer, const std::string& geometry_column,
                         const std::string& field, const std::vector<StyleCategory>& categories,
                         const std::string& label_field, const std::string& description) {
  GDALDriver* driver = gpkg.GetDriver();
  if (!driver || std::string(driver->GetDescription()) != "GPKG")
    throw std::invalid_argument(std::string("not a GeoPackage: ") + gpkg.GetDescription());
  OGRLayer* target = gpkg.GetLayerByName(layer.c_str());
  if (!target) throw std::invalid_argument("no layer '" + layer + "' in " + gpkg.GetDescription());
  // QGIS finds a layer's styles by its geometry column's name, so a wrong name would store a
  // style that is never loaded.
  if (geometry_column != target->GetGeometryColumn())
    throw std::invalid_argument("layer '" + layer + "' has geometry column '" + target->GetGeometryColumn() +
                                "', not '" + geometry_column + "'");
  require_field(*target, layer, field);
  if (!label_field.empty()) require_field(*target, layer, label_field);
  if (categories.empty()) throw std::invalid_argument("a categorized style needs at least one category");

  // Built (and so checked) before anything is written.
  const std::string qml = style_qml(field, categories, label_field);
  const std::string sld = style_sld(layer, field, categories, label_field);

  OGRLayer& table = styles_table(gpkg);
  // One transaction, so a failure leaves the previous default in place; a caller's own
  // transaction, if one is open, covers the work instead.
  const bool own_transaction = gpkg.StartTransaction() == OGRERR_NONE;
  try {
    write_row(gpkg, table, layer, geometry_column, description, utf8_prefix(layer, kStyleNameWidth), qml, sld);
  } catch (...) {
    if (own_transaction) gpkg.RollbackTransaction();
    throw;
  }
  if (own_transaction && gpkg.CommitTransaction() != OGRERR_NONE) write_failed(gpkg, "write the layer_styles table");
}

}  // namespace minerisk
