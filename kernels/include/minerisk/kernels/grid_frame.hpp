#pragma once
// Where the cells of a raster lie in the world, and how long a CRS unit is in metres.
//
// Kernels work on windows of a grid. A window is addressed in *global* cell indices, and a
// cell's centre is always computed from its global index (never from a window origin), so a
// cell gets bit-identical coordinates whatever tile it falls in. That is what makes results
// independent of the tile size.
#include <array>
#include <cstdint>

namespace minerisk::kernels {

/// A rectangle of cells in global grid indices. It may reach outside the grid (halos).
struct Window {
  int64_t col0 = 0, row0 = 0, width = 0, height = 0;
  int64_t cells() const { return width * height; }
  Window grown(int64_t halo) const { return {col0 - halo, row0 - halo, width + 2 * halo, height + 2 * halo}; }
  bool operator==(const Window&) const = default;
};

/// Metres per CRS unit along x and along y at one row.
struct MetricScale {
  double x = 1.0, y = 1.0;
};

/// The widest span of longitude a geographic grid may have. Distances are measured within the
/// grid's span (degrees scaled to metres at each row); beyond half the globe the shortest way
/// between two places may go round the other side, which no kernel computes, so a grid from
/// -180 to 180 put the cells on either side of its seam 40,000 km apart.
inline constexpr double kMaxGeographicSpan = 180.0;

/// A north-up grid: geotransform, size and the metric of its CRS.
struct GridFrame {
  std::array<double, 6> geotransform{0, 1, 0, 0, 0, -1};  // GDAL order; [2] and [4] are 0
  int64_t width = 0, height = 0;
  bool geographic = false;           // CRS in degrees of latitude/longitude
  double linear_unit = 1.0;          // metres per CRS unit, for projected CRS
  double semi_major = 6378137.0;     // ellipsoid, for geographic CRS
  double inverse_flattening = 298.257223563;

  double centre_x(int64_t col) const { return geotransform[0] + (static_cast<double>(col) + 0.5) * geotransform[1]; }
  double centre_y(int64_t row) const { return geotransform[3] + (static_cast<double>(row) + 0.5) * geotransform[5]; }
  double cell_width() const { return geotransform[1]; }
  double cell_height() const { return -geotransform[5]; }  // positive for north-up

  /// Metres per CRS unit at the centre latitude of `row`. For a geographic CRS this is the
  /// length of one degree of longitude (x) and latitude (y) on the ellipsoid at that latitude.
  MetricScale scale_at_row(int64_t row) const;
};

/// Metres per degree of longitude and of latitude at geodetic latitude `lat_deg` on an
/// ellipsoid (prime-vertical and meridional radii of curvature).
MetricScale metres_per_degree(double lat_deg, double semi_major, double inverse_flattening);

}  // namespace minerisk::kernels
