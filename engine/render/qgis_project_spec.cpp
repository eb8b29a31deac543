// What a QGIS project of a grid holds, read from the grid, its evidence file, the scenario it
// was computed from and the hazard areas (qgis_project.hpp).
#include <ogrsf_frmts.h>

#include <cmath>
#include <system_error>

#include <toml++/toml.h>

#include "../ops/areas_inputs.hpp"
#include "minerisk/engine/errors.hpp"
#include "minerisk/engine/gdal_support.hpp"
#include "minerisk/engine/grid_file_reader.hpp"
#include "minerisk/engine/toml_reader.hpp"
#include "qgis_project.hpp"

namespace minerisk::render {
namespace {

namespace fs = std::filesystem;

// GDAL's estimate of a variable's range (it samples blocks rather than reading every cell),
// unpacked by the band's scale and offset as QGIS shows the values. NaN when there is none.
std::pair<double, double> estimated_range(const std::string& dataset) {
  GdalErrorTrap trap;
  DatasetPtr ds(static_cast<GDALDataset*>(GDALOpenEx(dataset.c_str(), GDAL_OF_RASTER | GDAL_OF_READONLY, nullptr,
                                                      nullptr, nullptr)));
  if (!ds || ds->GetRasterCount() < 1) return {NAN, NAN};
  GDALRasterBand* band = ds->GetRasterBand(1);
  double minmax[2] = {NAN, NAN};
  if (band->ComputeRasterMinMax(TRUE, minmax) != CE_None) return {NAN, NAN};
  int has = 0;
  const double scale = band->GetScale(&has);
  const double offset = band->GetOffset(&has);
  double a = minmax[0] * scale + offset, b = minmax[1] * scale + offset;
  if (a > b) std::swap(a, b);
  return {a, b};
}

QgisGeometry geometry_of(OGRwkbGeometryType type, QgisGeometry fallback) {
  switch (wkbFlatten(type)) {
    case wkbPoint:
    case wkbMultiPoint: return QgisGeometry::point;
    case wkbLineString:
    case wkbMultiLineString:
    case wkbCircularString:
    case wkbCompoundCurve:
    case wkbMultiCurve: return QgisGeometry::line;
    case wkbPolygon:
    case wkbMultiPolygon:
    case wkbCurvePolygon:
    case wkbMultiSurface: return QgisGeometry::polygon;
    default: return fallback;
  }
}

QgisGeometry default_geometry(QgisVectorRole role) {
  switch (role) {
    case QgisVectorRole::finds:
    case QgisVectorRole::settlements: return QgisGeometry::point;
    case QgisVectorRole::cleared:
    case QgisVectorRole::records: return QgisGeometry::polygon;
    default: return QgisGeometry::line;
  }
}

// The layer opened by OGR for its geometry type, CRS and name; false (and a warning) when it
// cannot be opened, so the project never holds a layer QGIS would show as broken.
bool describe(QgisVectorLayer& v, std::vector<std::string>& warnings) {
  GdalErrorTrap trap;
  DatasetPtr ds(static_cast<GDALDataset*>(
      GDALOpenEx(v.file.c_str(), GDAL_OF_VECTOR | GDAL_OF_READONLY, nullptr, nullptr, nullptr)));
  OGRLayer* layer = nullptr;
  if (ds) layer = v.layer.empty() ? (ds->GetLayerCount() == 1 ? ds->GetLayer(0) : nullptr)
                                  : ds->GetLayerByName(v.layer.c_str());
  if (!layer) {
    warnings.push_back(v.name + ": cannot open " + v.file.string() + (v.layer.empty() ? "" : " layer " + v.layer) +
                       "; left out of the QGIS project");
    return false;
  }
  v.geometry = geometry_of(layer->GetGeomType(), default_geometry(v.role));
  if (const OGRSpatialReference* srs = layer->GetSpatialRef()) {
    char* wkt = nullptr;
    if (srs->exportToWkt(&wkt) == OGRERR_NONE && wkt) v.crs_wkt = wkt;
    CPLFree(wkt);
  }
  return true;
}

// The scenario's vector inputs, as its resolved TOML (every path absolute) names them.
void scenario_vectors(const std::string& toml_text, std::vector<QgisVectorLayer>& out) {
  if (toml_text.empty()) return;
  toml::table scenario;
  try {
    scenario = parse_toml_text(toml_text, "the grid's scenario");
  } catch (const UserError&) {
    return;  // not TOML: no vectors to take
  }
  const struct {
    const char* key;
    const char* name;
    QgisVectorRole role;
  } inputs[] = {{"finds", "Finds", QgisVectorRole::finds},  // points on top, outlines below
                {"front_lines", "Front lines", QgisVectorRole::front_lines},
                {"records", "Records", QgisVectorRole::records},
                {"cleared", "Cleared land", QgisVectorRole::cleared}};
  for (const auto& input : inputs) {
    const std::string path = scenario[input.key]["path"].value_or(std::string());
    if (path.empty()) continue;
    out.push_back({path, scenario[input.key]["layer"].value_or(std::string()), input.name, input.role,
                   default_geometry(input.role), ""});
  }
}

}  // namespace

QgisProjectSpec qgis_project_spec(const fs::path& grid, const std::string& variable, const ColourClasses& classes,
                                  const fs::path& areas, const std::vector<std::string>& roads,
                                  const std::vector<std::string>& settlements, std::vector<std::string>& warnings) {
  init_gdal();
  const GridFileReader reader(grid, variable);
  QgisProjectSpec spec;
  spec.grid = grid;
  spec.variable = reader.variable();
  spec.grid_name = spec.variable.empty() || spec.variable == "probability" ? "Probability" : spec.variable;
  spec.crs_wkt = reader.grid().crs_wkt;
  spec.extent = reader.grid().bounds();
  spec.classes = classes;
  spec.title = grid.stem().string();
  if (!reader.scenario_toml().empty()) {
    try {
      const toml::table scenario = parse_toml_text(reader.scenario_toml(), "the grid's scenario");
      spec.title = scenario["title"].value_or(spec.title);
    } catch (const UserError&) {
    }
  }

  if (!reader.evidence_names().empty()) {
    std::error_code error;
    if (fs::is_regular_file(reader.evidence_file(), error)) {
      for (const std::string& name : reader.evidence_names()) {
        const auto [min, max] =
            estimated_range("NETCDF:\"" + reader.evidence_file().string() + "\":" + name);
        spec.evidence.push_back({reader.evidence_file(), name, name, min, max});
      }
    } else {
      warnings.push_back("the evidence file " + reader.evidence_file().string() +
                         " is not beside the grid; the QGIS project has no evidence layers");
    }
  }

  std::vector<QgisVectorLayer> vectors;
  scenario_vectors(reader.scenario_toml(), vectors);
  for (const std::string& name : roads) {
    const VectorInputSpec s = ops::vector_spec(name, "--roads");
    vectors.push_back({s.path, s.layer, "Roads", QgisVectorRole::roads, QgisGeometry::line, ""});
  }
  for (const std::string& name : settlements) {
    const VectorInputSpec s = ops::vector_spec(name, "--settlements");
    vectors.push_back({s.path, s.layer, "Settlements", QgisVectorRole::settlements, QgisGeometry::point, ""});
  }
  for (QgisVectorLayer& v : vectors)
    if (describe(v, warnings)) spec.vectors.push_back(v);

  if (!areas.empty()) {
    GdalErrorTrap trap;
    DatasetPtr ds(static_cast<GDALDataset*>(
        GDALOpenEx(areas.c_str(), GDAL_OF_VECTOR | GDAL_OF_READONLY, nullptr, nullptr, nullptr)));
    if (!ds || !ds->GetLayerByName("areas"))
      throw UserError("--areas: " + areas.string() + " is not a GeoPackage of `minerisk areas` (no layer 'areas')");
    spec.areas = areas;
  }
  return spec;
}

}  // namespace minerisk::render
