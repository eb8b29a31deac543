#pragma once
// The target grid every input is brought onto: a CRS, a north-up geotransform and a size.
#include <array>
#include <cstdint>
#include <filesystem>
#include <string>

#include <ogr_spatialref.h>

#include "minerisk/engine/grid_spec.hpp"
#include "minerisk/kernels/grid_frame.hpp"

namespace minerisk {

struct Grid {
  kernels::GridFrame frame;
  std::string crs_wkt;  // WKT1 as GDAL writes it (what GDAL and QGIS read back most reliably)

  int64_t width() const { return frame.width; }
  int64_t height() const { return frame.height; }
  /// The CRS as an object, with x = easting/longitude axis order.
  OGRSpatialReference srs() const;
  /// Extent of the cell edges: xmin, ymin, xmax, ymax.
  std::array<double, 4> bounds() const;
  /// The row and column of the cell holding the point (x, y) in the grid's CRS, or false when
  /// it is off the grid (cells are half-open, as in GDAL: a right or bottom edge is outside).
  /// Compared as doubles first, so a point far away never overflows an integer.
  bool cell_at(double x, double y, int64_t& row, int64_t& col) const;
};

/// The largest grid minerisk takes: 2^36 cells (68.7 billion), and 2^24 (16.8 million) cells
/// along either side. Every allocation proportional to a grid stays within these: per tile,
/// (tile + halos)^2 cells; per grid, the x and y coordinates (one double a column and a row:
/// at most 128 MB each) and the picture (bounded by QuickLook). The operations that hold the
/// whole grid in memory check it first with require_whole_grid_memory.
inline constexpr int64_t kMaxGridCells = int64_t{1} << 36;
inline constexpr int64_t kMaxGridSide = int64_t{1} << 24;

/// Builds a grid from a CRS and geotransform: fills the metric (linear unit, or ellipsoid for
/// a geographic CRS). `what` names the source in error messages. Refuses (UserError) a grid
/// beyond the size limits, a geotransform that is not finite, and a geographic grid reaching
/// beyond +-90 degrees of latitude or spanning more than 360 degrees of longitude.
Grid make_grid(const OGRSpatialReference& srs, const std::array<double, 6>& geotransform, int64_t width,
               int64_t height, const std::string& what);

/// This machine's physical memory in bytes (the limit for holding a whole grid in memory).
int64_t physical_memory_bytes();

/// Throws UserError naming `what` when width x height x `bytes_per_cell` exceeds the physical
/// memory: the operations that keep every cell at once (a proximity transform of a raster, an
/// evaluation, a grid returned to Python) are refused up front instead of failing in new.
void require_whole_grid_memory(const Grid& grid, int64_t bytes_per_cell, const std::string& what);

/// The grid a scenario's [grid] table describes.
Grid grid_from_spec(const GridSpec& spec, const std::filesystem::path& scenario_file);

/// A raster's own grid (for the DEM: the default target grid). `role` names it in errors.
Grid grid_from_raster(const std::filesystem::path& raster, const std::string& role = "terrain.dem");

/// What differs between two grids, in words ("their sizes differ (...)"); "" when they share
/// size, geotransform (to a relative 1e-9) and CRS.
std::string grid_difference(const Grid& a, const Grid& b);

}  // namespace minerisk
