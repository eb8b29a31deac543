// What the QGIS project of a map holds, from the map's content and the grid's evidence file
// (qgis_project.hpp).
#include <ogrsf_frmts.h>

#include <algorithm>
#include <cmath>
#include <system_error>

#include "minerisk/engine/errors.hpp"
#include "minerisk/engine/gdal_support.hpp"
#include "minerisk/engine/grid_file_reader.hpp"
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

QgisGeometry default_geometry(ContextKind kind) {
  switch (kind) {
    case ContextKind::finds:
    case ContextKind::settlements: return QgisGeometry::point;
    case ContextKind::cleared:
    case ContextKind::records: return QgisGeometry::polygon;
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
  v.geometry = geometry_of(layer->GetGeomType(), default_geometry(v.kind));
  if (const OGRSpatialReference* srs = layer->GetSpatialRef()) {
    char* wkt = nullptr;
    if (srs->exportToWkt(&wkt) == OGRERR_NONE && wkt) v.crs_wkt = wkt;
    CPLFree(wkt);
  }
  return true;
}

}  // namespace

QgisProjectSpec qgis_project_of_map(const fs::path& grid, const std::string& variable, const MapContent& content,
                                    std::vector<std::string>& warnings) {
  init_gdal();
  const GridFileReader reader(grid, variable);
  QgisProjectSpec spec;
  spec.title = content.texts.title;
  spec.grid = grid;
  spec.variable = reader.variable();
  spec.grid_name = spec.variable.empty() || spec.variable == "probability" ? "Probability" : spec.variable;
  spec.crs_wkt = reader.grid().crs_wkt;
  spec.extent = reader.grid().bounds();
  spec.classes = content.classes;

  if (!reader.evidence_names().empty()) {
    std::error_code error;
    if (fs::is_regular_file(reader.evidence_file(), error)) {
      for (const std::string& name : reader.evidence_names()) {
        const auto [min, max] = estimated_range("NETCDF:\"" + reader.evidence_file().string() + "\":" + name);
        spec.evidence.push_back({reader.evidence_file(), name, name, min, max});
      }
    } else {
      warnings.push_back("the QGIS project has no evidence layers: " + reader.evidence_file().string() +
                         " is not beside the grid");
    }
  }

  for (const ContextLayer& c : content.context) {
    QgisVectorLayer v{c.spec.path, c.spec.layer, c.spec.where, c.label, c.kind, default_geometry(c.kind), ""};
    if (describe(v, warnings)) spec.vectors.push_back(v);
  }
  // Points over lines over outlines, so that none hides another.
  std::stable_sort(spec.vectors.begin(), spec.vectors.end(),
                   [](const QgisVectorLayer& a, const QgisVectorLayer& b) { return a.geometry < b.geometry; });
  spec.areas = content.areas;
  return spec;
}

}  // namespace minerisk::render
