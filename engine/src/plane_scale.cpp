#include "minerisk/engine/plane_scale.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <memory>

#include <ogr_spatialref.h>

namespace minerisk {

namespace {
// Beyond these, the plane's figures are off enough to change a decision, and the note is given.
constexpr double kLengthTolerance = 0.01;
constexpr double kAreaTolerance = 0.02;
// Lengths east-west and north-south this close are said as one (Web Mercator is within 0.5 % of
// conformal); further apart, each is given.
constexpr double kAlike = 0.01;

// Ten cells east and ten north of a projected grid's centre, as the true vectors they span on
// the WGS 84 ellipsoid (metres east and north in its tangent plane there: to within the length
// squared over the Earth's radius squared), beside their length in the grid's plane.
struct CentreSteps {
  double east[2] = {NAN, NAN}, north[2] = {NAN, NAN};
  double plane = NAN;
};

CentreSteps centre_steps(const Grid& grid) {
  CentreSteps steps;
  const double cx = grid.frame.centre_x(grid.width() / 2), cy = grid.frame.centre_y(grid.height() / 2);
  const double step = 10 * std::max(grid.frame.cell_width(), grid.frame.cell_height());
  double x[3] = {cx, cx + step, cx}, y[3] = {cy, cy, cy + step};
  OGRSpatialReference wgs84;
  wgs84.importFromEPSG(4326);
  wgs84.SetAxisMappingStrategy(OAMS_TRADITIONAL_GIS_ORDER);
  const OGRSpatialReference srs = grid.srs();
  std::unique_ptr<OGRCoordinateTransformation> ct(OGRCreateCoordinateTransformation(&srs, &wgs84));
  if (!ct || !ct->Transform(3, x, y)) return steps;
  const auto metres = [&](int k, double out[2]) {
    double dlon = x[k] - x[0];
    dlon -= 360 * std::round(dlon / 360);  // across the antimeridian
    const kernels::MetricScale m = kernels::metres_per_degree((y[0] + y[k]) / 2, 6378137.0, 298.257223563);
    out[0] = dlon * m.x, out[1] = (y[k] - y[0]) * m.y;
  };
  metres(1, steps.east);
  metres(2, steps.north);
  steps.plane = step * grid.frame.linear_unit;
  return steps;
}

bool off_by_more_than(double scale, double tolerance) { return std::isfinite(scale) && std::abs(scale - 1) > tolerance; }
}  // namespace

kernels::MetricScale length_exaggeration(const Grid& grid) {
  if (grid.frame.geographic) return {1.0, 1.0};
  const CentreSteps s = centre_steps(grid);
  const double east = std::hypot(s.east[0], s.east[1]), north = std::hypot(s.north[0], s.north[1]);
  return {east > 0 ? s.plane / east : NAN, north > 0 ? s.plane / north : NAN};
}

double area_exaggeration(const Grid& grid) {
  if (grid.frame.geographic) return 1.0;  // its cells' areas are taken on the ellipsoid
  const CentreSteps s = centre_steps(grid);
  const double true_m2 = std::abs(s.east[0] * s.north[1] - s.east[1] * s.north[0]);
  return true_m2 > 0 ? s.plane * s.plane / true_m2 : NAN;
}

std::string length_scale_note(const Grid& grid) {
  const kernels::MetricScale length = length_exaggeration(grid);
  if (!off_by_more_than(length.x, kLengthTolerance) && !off_by_more_than(length.y, kLengthTolerance)) return "";
  char shows[120];
  if (std::abs(length.x - length.y) < kAlike)
    std::snprintf(shows, sizeof shows, "about %.2f times the true lengths", (length.x + length.y) / 2);
  else
    std::snprintf(shows, sizeof shows, "about %.2f times the true lengths east-west and %.2f times north-south",
                  length.x, length.y);
  return std::string("note: distances, find densities and slopes are measured in the plane of the grid's CRS, which "
                     "at the grid's centre shows ") +
         shows + "; for true metres give [grid] a local UTM zone's crs (or warp the DEM to one with gdalwarp -t_srs)";
}

std::string area_scale_note(const Grid& grid) {
  const double scale = area_exaggeration(grid);
  if (!off_by_more_than(scale, kAreaTolerance)) return "";
  char shows[64];
  std::snprintf(shows, sizeof shows, "%.2f", scale);
  return std::string("note: hectares are counted in the plane of the grid's CRS, which at the grid's centre shows ") +
         shows +
         " times the true area; warp the grid to a local UTM zone or an equal-area CRS (gdalwarp -t_srs) for true "
         "hectares";
}

}  // namespace minerisk
