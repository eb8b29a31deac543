// The record of the grid a GeoPackage of hazard areas was made from, and its check
// (areas_source.hpp).
#include "areas_source.hpp"

#include <gdal_priv.h>
#include <ogrsf_frmts.h>

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <tuple>
#include <memory>
#include <vector>

#include "minerisk/engine/errors.hpp"
#include "minerisk/engine/gdal_support.hpp"
#include "minerisk/engine/grid_file_reader.hpp"
#include "minerisk/engine/tool_provenance.hpp"
#include "minerisk/engine/ops/areas.hpp"
#include "minerisk/engine/vector_inputs.hpp"

namespace minerisk::ops {
namespace {

constexpr const char* kRunIdKey = "MINERISK_GRID_RUN_ID";
constexpr const char* kVariableKey = "MINERISK_GRID_VARIABLE";
constexpr const char* kT1Key = "MINERISK_T1";
constexpr const char* kT2Key = "MINERISK_T2";

// The areas' extent in the grid's CRS, or false when it cannot be had (no CRS, no feature, no
// transformation).
bool extent_in_grid_crs(OGRLayer& layer, const Grid& grid, OGREnvelope& out) {
  OGREnvelope e;
  if (layer.GetFeatureCount(TRUE) == 0 || layer.GetExtent(&e, TRUE) != OGRERR_NONE) return false;
  const OGRSpatialReference* source = layer.GetSpatialRef();
  if (!source || source->IsEmpty()) return false;
  OGRSpatialReference from(*source), to = grid.srs();
  from.SetAxisMappingStrategy(OAMS_TRADITIONAL_GIS_ORDER);
  if (from.IsSame(&to)) {
    out = e;
    return true;
  }
  const std::unique_ptr<OGRCoordinateTransformation> ct(OGRCreateCoordinateTransformation(&from, &to));
  return ct && ct->TransformBounds(e.MinX, e.MinY, e.MaxX, e.MaxY, &out.MinX, &out.MinY, &out.MaxX, &out.MaxY, 21);
}

}  // namespace

void record_areas_source(GDALDataset& gpkg, const std::string& run_id, const std::string& variable,
                         const std::string& inputs_record, double t1, double t2) {
  gpkg.SetMetadataItem(kToolInputsKey, inputs_record.c_str());
  // The fewest digits that read back as the same double (0.1), as map and report compare them.
  for (const auto& [key, value] : {std::pair{kT1Key, t1}, std::pair{kT2Key, t2}})
    gpkg.SetMetadataItem(key, exact_number_text(value).c_str());
  if (!run_id.empty()) gpkg.SetMetadataItem(kRunIdKey, run_id.c_str());
  if (!variable.empty()) gpkg.SetMetadataItem(kVariableKey, variable.c_str());
}

namespace {

// The areas' GeoPackage, or null when it cannot be opened: an unreadable file is the areas'
// reader's to name, not these checks' (which run under a GdalErrorTrap for that reason).
DatasetPtr open_areas(const std::filesystem::path& gpkg) {
  init_gdal();
  DatasetPtr ds(GDALDataset::Open(gpkg.c_str(), GDAL_OF_VECTOR | GDAL_OF_READONLY));
  CPLErrorReset();  // a failed open is the areas' reader's to report, not a later check's
  return ds;
}

void check_source(GDALDataset& ds, const std::filesystem::path& gpkg, const GridFileReader& reader,
                  const std::string& option) {
  OGRLayer* layer = ds.GetLayerByName("areas");
  CPLErrorReset();
  if (!layer) return;
  const std::string what = option + ": '" + gpkg.string() + "'";
  const std::string advice = "; make this grid's areas: minerisk areas GRID -o AREAS.gpkg";
  const char* recorded = ds.GetMetadataItem(kRunIdKey);
  const std::string run_id = reader.attribute("run_id");
  if (recorded && *recorded && !run_id.empty()) {
    if (run_id != recorded)
      throw UserError(what + " holds the areas of another grid (run_id " + recorded + "; this grid's is " + run_id +
                      ")" + advice);
    // A sweep's file holds several variables under one run_id: p95's areas are not mean's.
    const char* variable = ds.GetMetadataItem(kVariableKey);
    const std::string shown = reader.variable();
    if (variable && *variable && !shown.empty() && shown != variable)
      throw UserError(what + " holds the areas of the variable '" + std::string(variable) + "', and this shows '" + shown +
                      "'; make its areas (minerisk areas GRID --variable " + shown + " -o AREAS.gpkg) or show the one "
                      "they were made from (--variable " + variable + ")");
    return;
  }
  // Without both run ids (another program's raster, or areas of an earlier version): at least
  // the places must be this grid's.
  OGREnvelope e;
  if (!extent_in_grid_crs(*layer, reader.grid(), e)) return;
  const auto b = reader.grid().bounds();
  // On a geographic grid, longitudes a whole turn apart are one place (areas across the
  // antimeridian come back from a reprojection at -179.9 for a grid at 180.1): the areas are
  // moved by whole turns to lie nearest the grid, as the vector inputs are.
  double turn = 0;
  if (reader.grid().frame.geographic) {
    const double centre = (e.MinX + e.MaxX) / 2;
    turn = nearest_turn(centre, (b[0] + b[2]) / 2) - centre;
  }
  if (e.MaxX + turn < b[0] || e.MinX + turn > b[2] || e.MaxY < b[1] || e.MinY > b[3])
    throw UserError(what + " holds areas that lie wholly outside the grid (another grid's areas?)" + advice);
}

void take_thresholds(GDALDataset& ds, const std::filesystem::path& gpkg, double& t1, double& t2) {
  for (const auto& [key, value, name, option] :
       {std::tuple{kT1Key, &t1, "T1", "--t1"}, std::tuple{kT2Key, &t2, "T2", "--t2"}}) {
    const char* text = ds.GetMetadataItem(key);
    if (!text) continue;  // another program's areas, or an earlier version's
    char* end = nullptr;
    const double recorded = std::strtod(text, &end);
    // Edited by hand into something no threshold: said, not taken as "not recorded" (which
    // would draw the defaults beside the other recorded threshold).
    if (end == text || *end != '\0' || !(recorded >= kMinT1 && recorded < 1))
      throw UserError("--areas: '" + gpkg.string() + "' records " + key + " = '" + text + "', not a threshold from " +
                      "0.0001 to below 1; make the areas again with minerisk areas");
    if (std::isnan(*value)) {
      *value = recorded;
    } else if (std::abs(*value - recorded) > 1e-12 * std::max(1.0, std::abs(recorded))) {
      throw UserError(std::string(option) + " " + number_text(*value) + ": the areas in '" + gpkg.string() +
                      "' were classed at " + name + " " + number_text(recorded) +
                      ", and the map's classes would disagree with their class column; leave " + option +
                      " out to draw the grid in their classes, or make the areas again with " + option + " " +
                      number_text(*value));
    }
  }
}

}  // namespace

void check_areas_source(const std::filesystem::path& gpkg, const GridFileReader& reader, const std::string& option) {
  const GdalErrorTrap quiet;
  if (const DatasetPtr ds = open_areas(gpkg)) check_source(*ds, gpkg, reader, option);
}

void check_areas_and_take_thresholds(const std::filesystem::path& gpkg, const GridFileReader& reader, double& t1,
                                     double& t2) {
  const GdalErrorTrap quiet;
  if (const DatasetPtr ds = open_areas(gpkg)) {
    check_source(*ds, gpkg, reader, "--areas");
    take_thresholds(*ds, gpkg, t1, t2);
  }
}

}  // namespace minerisk::ops
