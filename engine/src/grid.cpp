#include "minerisk/engine/grid.hpp"

#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <cstdio>

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

bool Grid::cell_at(double x, double y, int64_t& row, int64_t& col) const {
  const auto& gt = frame.geotransform;
  const double c = std::floor((x - gt[0]) / gt[1]), r = std::floor((y - gt[3]) / gt[5]);
  if (!(c >= 0 && r >= 0 && c < static_cast<double>(frame.width) && r < static_cast<double>(frame.height))) return false;
  col = static_cast<int64_t>(c), row = static_cast<int64_t>(r);
  return true;
}

namespace {

std::string cells_text(int64_t width, int64_t height) { return std::to_string(width) + " x " + std::to_string(height); }

// The size limits of grid.hpp, with the product computed without overflow: 2^32 x 2^32 bounds
// wrap to 0 in int64 arithmetic, which passed the old check.
void check_size(int64_t width, int64_t height, const std::string& what) {
  int64_t cells = 0;
  if (width > kMaxGridSide || height > kMaxGridSide || __builtin_mul_overflow(width, height, &cells) ||
      cells > kMaxGridCells)
    throw UserError(what + ": the grid is " + cells_text(width, height) + " cells, more than minerisk handles (" +
                    std::to_string(kMaxGridSide) + " along a side, " + std::to_string(kMaxGridCells) +
                    " in all); use a coarser resolution or a smaller extent");
}

// A geographic grid's cells must be places on the globe: rows beyond a pole would be computed
// with a metric that means nothing there, and distances are measured within the grid's span of
// longitude, right only up to half the globe (kernels::kMaxGeographicSpan).
void check_geographic(const std::array<double, 6>& gt, int64_t width, int64_t height, const std::string& what) {
  const double north = gt[3], south = gt[3] + gt[5] * static_cast<double>(height);
  const double span = gt[1] * static_cast<double>(width);
  constexpr double kSlack = 1e-9;  // degrees: rounding in a geotransform written as text
  char text[160];
  if (north > 90.0 + kSlack || south < -90.0 - kSlack) {
    std::snprintf(text, sizeof text, "latitudes %.10g to %.10g", south, north);
    throw UserError(what + ": the grid spans " + text +
                    ", beyond the pole; a geographic grid must lie within -90 to 90 degrees (crop it, e.g. "
                    "gdal_translate -projwin)");
  }
  // A span may be a hair over 180 from float32 coordinates (a netCDF file's: 200 cells of 0.9
  // degrees came to 180.0000061); a hundred-thousandth of a degree is a metre.
  constexpr double kSpanSlack = 1e-5;
  if (!std::isfinite(gt[0]) || span > kernels::kMaxGeographicSpan + kSpanSlack) {
    std::snprintf(text, sizeof text, "%.15g degrees of longitude", span);
    throw UserError(what + ": the grid spans " + std::string(text) +
                    ", more than the 180 minerisk takes for any grid: its distances and densities are measured within "
                    "the grid's span, and beyond half the globe the shortest way may go round the other side; crop it "
                    "or split it (gdal_translate -projwin)");
  }
}

}  // namespace

int64_t physical_memory_bytes() {
  const long pages = sysconf(_SC_PHYS_PAGES), page = sysconf(_SC_PAGESIZE);
  return pages > 0 && page > 0 ? static_cast<int64_t>(pages) * page : int64_t{1} << 62;
}

void require_whole_grid_memory(const Grid& grid, int64_t bytes_per_cell, const std::string& what) {
  int64_t bytes = 0;
  const int64_t limit = physical_memory_bytes();
  if (!__builtin_mul_overflow(grid.width() * grid.height(), bytes_per_cell, &bytes) && bytes <= limit) return;
  char text[200];
  std::snprintf(text, sizeof text,
                "%s holds the whole grid in memory: %s cells x %lld bytes, more than this machine's %.3g GB",
                what.c_str(), cells_text(grid.width(), grid.height()).c_str(), static_cast<long long>(bytes_per_cell),
                static_cast<double>(limit) / 1e9);
  throw UserError(std::string(text) + "; use a coarser grid or a smaller extent");
}

Grid make_grid(const OGRSpatialReference& srs, const std::array<double, 6>& gt, int64_t width, int64_t height,
               const std::string& what) {
  if (gt[2] != 0.0 || gt[4] != 0.0)
    throw UserError(what + ": the raster is rotated or sheared; warp it to a north-up grid first (gdalwarp)");
  if (!(gt[1] > 0) || !(gt[5] < 0))
    throw UserError(what + ": the grid is not north-up (pixel width must be positive and height negative); "
                           "warp it first (gdalwarp)");
  if (width <= 0 || height <= 0) throw UserError(what + ": the grid has no cells");
  for (double v : gt)
    if (!std::isfinite(v))
      throw UserError(what + ": the geotransform holds a number that is not finite; georeference it again");
  check_size(width, height, what);
  if (srs.IsGeographic()) check_geographic(gt, width, height, what);
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
  // In double first: llround of a count beyond int64 is undefined.
  const double cols = std::round((spec.xmax - spec.xmin) / spec.resolution_x);
  const double rows = std::round((spec.ymax - spec.ymin) / spec.resolution_y);
  if (!(cols >= 1) || !(rows >= 1))
    throw UserError(scenario_file.string() + ": key 'grid.resolution' is larger than the bounds; the grid has no cells");
  // Both make the cell count: a typo in either bounds or resolution is as likely.
  const std::string what = scenario_file.string() + ": keys 'grid.bounds' and 'grid.resolution'";
  if (cols > static_cast<double>(kMaxGridSide) || rows > static_cast<double>(kMaxGridSide)) {
    // Every digit up to 1e21 (16777217 is past the limit; 1.67772e+07 reads as below it), then
    // 1e+299, not 300 digits; past a double's range, no count at all.
    const auto count = [](double n) { return std::isfinite(n) ? exact_number_text(n) : std::string("more than 1.8e+308"); };
    const std::string text = count(cols) + " x " + count(rows);
    throw UserError(what + ": the grid is " + text + " cells, more than minerisk handles (" +
                    std::to_string(kMaxGridSide) + " along a side); use a coarser resolution or a smaller extent");
  }
  const auto width = static_cast<int64_t>(cols), height = static_cast<int64_t>(rows);
  check_size(width, height, what);
  return make_grid(srs, {spec.xmin, spec.resolution_x, 0.0, spec.ymax, 0.0, -spec.resolution_y}, width, height,
                   scenario_file.string() + " [grid]");
}

Grid grid_from_raster(const fs::path& dem, const std::string& role) {
  DatasetPtr ds = open_raster(dem, role);
  refuse_gcp_only(*ds, role + ": raster '" + dem.string() + "'");
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

static std::string crs_name(const Grid& grid) {
  const OGRSpatialReference srs = grid.srs();
  const char* name = srs.GetName();
  const char* code = srs.GetAuthorityCode(nullptr);
  const char* authority = srs.GetAuthorityName(nullptr);
  if (authority && code) return std::string(authority) + ":" + code;
  return name ? name : "unnamed";
}

std::string grid_difference(const Grid& a, const Grid& b) {
  if (a.width() != b.width() || a.height() != b.height())
    return "their sizes differ (" + std::to_string(a.width()) + " x " + std::to_string(a.height()) + " and " +
           std::to_string(b.width()) + " x " + std::to_string(b.height()) + " cells)";
  const auto& ga = a.frame.geotransform;
  const auto& gb = b.frame.geotransform;
  for (size_t i = 0; i < ga.size(); ++i)
    if (std::fabs(ga[i] - gb[i]) > 1e-9 * std::max({1.0, std::fabs(ga[i]), std::fabs(gb[i])}))
      return "their geotransforms differ (origin " + number_text(ga[0]) + ", " + number_text(ga[3]) + " with cells " +
             number_text(ga[1]) + " x " + number_text(-ga[5]) + "; and origin " + number_text(gb[0]) + ", " + number_text(gb[3]) +
             " with cells " + number_text(gb[1]) + " x " + number_text(-gb[5]) + ")";
  const OGRSpatialReference sa = a.srs(), sb = b.srs();
  if (!sa.IsSame(&sb)) return "their CRS differ (" + crs_name(a) + " and " + crs_name(b) + ")";
  return "";
}

}  // namespace minerisk
