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
};

/// Builds a grid from a CRS and geotransform: fills the metric (linear unit, or ellipsoid for
/// a geographic CRS). `what` names the source in error messages.
Grid make_grid(const OGRSpatialReference& srs, const std::array<double, 6>& geotransform, int64_t width,
               int64_t height, const std::string& what);

/// The grid a scenario's [grid] table describes.
Grid grid_from_spec(const GridSpec& spec, const std::filesystem::path& scenario_file);

/// A raster's own grid (for the DEM: the default target grid). `role` names it in errors.
Grid grid_from_raster(const std::filesystem::path& raster, const std::string& role = "terrain.dem");

}  // namespace minerisk
