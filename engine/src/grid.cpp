#include "minerisk/engine/grid.hpp"

#include <cmath>

#include "minerisk/engine/errors.hpp"
#include "minerisk/engine/gdal_support.hpp"

namespace fs = std::filesystem;

namespace minerisk {

OGRSpatialReference Grid::srs() const {
  OGRSpatialReference srs;
  srs.importFromWkt(crs_wkt.c_str());
  srs.SetAxisMappingStrategy(OAMS_TRADITIONAL_GIS_ORDER);
  return srs;
}

std::array<double, 4> Grid::bounds() const {
  const auto& gt = frame.geotransform;
  const double x1 = gt[0] + gt[1] * static_cast<double>(frame.width);
  const double y1 = gt[3] + gt[5] * static_cast<double>(frame.height);
  return {std::min(gt[0], x1), std::min(gt[3], y1), std::max(gt[0], x1), std::max(gt[3], y1)};
}

Grid make_grid(const OGRSpatialReference& srs, const std::array<double, 6>& gt, int64_t width, int64_t height,
               const std::string& what) {
  if (gt[2] != 0.0 || gt[4] != 0.0)
    throw UserError(what + ": the raster is rotated or sheared; warp it to a north-up grid first (gdalwarp)");
  if (!(gt[1] > 0) || !(gt[5] < 0))
    throw UserError(what + ": the grid is not north-up (pixel width must be positive and height negative); "
                           "warp it first (gdalwarp)");
  if (width <= 0 || height <= 0) throw UserError(what + ": the grid has no cells");
  Grid g;
  g.frame.geotransform = gt;
  g.frame.width = width;
  g.frame.height = height;
  g.frame.geographic = srs.IsGeographic();
  g.frame.linear_unit = g.frame.geographic ? 1.0 : srs.GetLinearUnits();
  OGRErr err = OGRERR_NONE;
  g.frame.semi_major = srs.GetSemiMajor(&err);
  g.frame.inverse_flattening = srs.GetInvFlattening(&err);
  char* wkt = nullptr;
  srs.exportToWkt(&wkt);
  g.crs_wkt = wkt ? wkt : "";
  CPLFree(wkt);
  return g;
}

Grid grid_from_spec(const GridSpec& spec, const fs::path& scenario_file) {
  init_gdal();
  OGRSpatialReference srs;
  if (srs.SetFromUserInput(spec.crs.c_str()) != OGRERR_NONE)
    throw UserError(scenario_file.string() + ": key 'grid.crs' is not a CRS GDAL knows ('" + spec.crs +
                    "'); use a code such as \"EPSG:32638\" or a WKT string");
  srs.SetAxisMappingStrategy(OAMS_TRADITIONAL_GIS_ORDER);
  const auto width = static_cast<int64_t>(std::llround((spec.xmax - spec.xmin) / spec.resolution_x));
  const auto height = static_cast<int64_t>(std::llround((spec.ymax - spec.ymin) / spec.resolution_y));
  if (width <= 0 || height <= 0)
    throw UserError(scenario_file.string() + ": key 'grid.resolution' is larger than the bounds; the grid has no cells");
  if (width * height > int64_t{1} << 36)
    throw UserError(scenario_file.string() + ": key 'grid.resolution' gives " + std::to_string(width) + " x " +
                    std::to_string(height) + " cells, more than minerisk handles; use a coarser resolution");
  return make_grid(srs, {spec.xmin, spec.resolution_x, 0.0, spec.ymax, 0.0, -spec.resolution_y}, width, height,
                   scenario_file.string() + " [grid]");
}

Grid grid_from_raster(const fs::path& dem, const std::string& role) {
  DatasetPtr ds = open_raster(dem, role);
  const OGRSpatialReference* srs = ds->GetSpatialRef();
  if (!srs || srs->IsEmpty())
    throw UserError(role + ": raster '" + dem.string() + "' has no CRS; assign one with gdal_edit.py -a_srs EPSG:XXXX" +
                    (role == "terrain.dem" ? ", or set [grid] crs in the scenario" : ""));
  std::array<double, 6> gt{};
  if (ds->GetGeoTransform(gt.data()) != CE_None)
    throw UserError(role + ": raster '" + dem.string() + "' has no geotransform; georeference it first");
  OGRSpatialReference copy(*srs);
  copy.SetAxisMappingStrategy(OAMS_TRADITIONAL_GIS_ORDER);
  return make_grid(copy, gt, ds->GetRasterXSize(), ds->GetRasterYSize(), role + " '" + dem.string() + "'");
}

}  // namespace minerisk
