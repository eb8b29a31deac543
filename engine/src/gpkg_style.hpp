#pragma once
// A default QGIS style stored inside a GeoPackage, so that a layer dragged into QGIS shows its
// classes in colour with no style file beside it. QGIS keeps such styles in a `layer_styles`
// table (its OGR provider's "Save as default" / "Save in database") and loads the row marked
// useAsDefault when it opens the layer. Internal to the engine.
#include <array>
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

class GDALDataset;

namespace minerisk {

/// One class of a categorized style: the attribute value it matches, the legend label, and the
/// fill colour (red, green, blue, alpha; 0-255). The outline is the same hue, darker and opaque.
struct StyleCategory {
  std::string value;
  std::string label;
  std::array<uint8_t, 4> rgba;
};

/// Stores a default style for `layer` (its geometry column `geometry_column`) in the GeoPackage
/// `gpkg` (open for update, GDAL's GPKG driver): a QGIS categorized renderer on `field`, one
/// category per entry (fill colour rgba, a darker outline), with labels of `label_field` when
/// not empty, as QML (what QGIS reads) and as SLD, in the `layer_styles` table QGIS uses.
///
/// The table is created when absent with QGIS's own columns and types (id, f_table_catalog,
/// f_table_schema, f_table_name, f_geometry_column, styleName, styleQML, styleSLD,
/// useAsDefault, description, owner, ui, update_time); GDAL registers it in gpkg_contents as an
/// attributes table, as it does for QGIS (no gpkg_extensions row is involved). As QGIS does, a
/// style of the same name (the layer's name) is replaced and any other default of the layer
/// stops being the default, so calling this twice leaves one default row.
///
/// std::invalid_argument when the dataset is not a GeoPackage, the layer, its geometry column
/// or a field does not exist, there are no categories, or a text cannot be written in XML 1.0
/// (control characters other than tab and line breaks). UserError when GDAL cannot write the
/// table (read-only file, full disk); the work is then rolled back when this function opened
/// the transaction.
void store_default_style(GDALDataset& gpkg, const std::string& layer, const std::string& geometry_column,
                         const std::string& field, const std::vector<StyleCategory>& categories,
                         const std::string& label_field = "",
                         const std::string& description = "minerisk: a categorized style");

/// The hazard areas' land-release classes as `minerisk areas` styles its GeoPackage and a QGIS
/// project shows them: the `class` field's values (ops/areas.hpp), their labels and colours.
std::vector<StyleCategory> land_release_categories();

// The pieces of QGIS's XML that a style (QML) and a project (.qgs, engine/render/qgis_project)
// share: a layer's <renderer-v2> and <labeling> elements are the same in both.

/// A colour as QML writes it: "r,g,b,a".
std::string qml_colour(const std::array<uint8_t, 4>& rgba);
/// A symbol layer's properties, as QGIS 3's <Option> map and as the older <prop> list (each
/// QGIS version reads one or the other); values escaped, each line starting with `indent`.
std::string qml_properties(const std::vector<std::pair<std::string, std::string>>& props, const std::string& indent);
/// A <renderer-v2> categorized on `field`: one category and one fill symbol (the colour, a
/// darker outline) per entry.
std::string qml_categorized_renderer(const std::string& field, const std::vector<StyleCategory>& categories);
/// A <labeling> element: `label_field` over each polygon's centre, dark grey with a white halo.
std::string qml_labeling(const std::string& label_field);

/// `text` with XML's five special characters escaped, for element text and attribute values
/// alike; tab, line feed and carriage return as character references so that an attribute
/// keeps them. std::invalid_argument for other control characters, which XML 1.0 cannot hold.
std::string xml_escape(const std::string& text);

}  // namespace minerisk
