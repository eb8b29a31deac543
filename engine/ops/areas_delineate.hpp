#pragma once
// Hazard areas from a probability grid, through GDAL and GEOS only: cells classed by the two
// thresholds, regions under the minimum mapping unit merged into their neighbours (GDAL's
// sieve, as gdal_sieve.py), the regions above T1 and above T2 polygonised (GDALPolygonize,
// 8-connected), then generalised with GEOS through OGR: simplified to remove the cells'
// stair steps, and a closing and an opening by the smoothing distance (buffers with round
// joins) to fill notches and cut spurs narrower than it. Clearance areas are the parts above
// T2 inside the hazard region; technical-survey areas the rest of it, so the two share their
// edges and never overlap, and parts of one class are parts of one valid multipolygon.
#include <memory>
#include <span>
#include <string>
#include <vector>

#include <ogr_geometry.h>

#include "minerisk/engine/grid.hpp"
#include "minerisk/engine/ops/control.hpp"

namespace minerisk::ops {

struct DelineationOptions {
  double t1 = 0.05, t2 = 0.5;  // probability thresholds
  double min_area_ha = 0.5;    // minimum mapping unit
  double smooth_m = 20;        // closing and opening distance, metres (0: none)
};

struct DelineatedArea {
  std::string land_class;  // kTechnicalSurvey or kClearance
  std::unique_ptr<OGRGeometry> shape;  // a Polygon in the grid's CRS
};

struct Delineation {
  std::vector<DelineatedArea> areas;     // clearance areas first, each class in polygonising order
  std::unique_ptr<OGRGeometry> hazard;   // the land above T1 as generalised: the hazard parts the areas split
};

/// The areas of `probability` (the grid's cells, row-major, NaN: no data).
Delineation delineate(std::span<const float> probability, const Grid& grid, const DelineationOptions& options,
                      const Control& control);

/// A polygon's area in hectares: in the projection's plane, or on a geographic grid with the
/// metres per degree at its centroid's latitude (close for areas of a few kilometres).
double shape_hectares(const OGRGeometry& shape, const Grid& grid);

/// The polygons of `geometry` (a Polygon, a MultiPolygon or a collection holding them), each
/// at least `min_area_ha`; lines and points (left by an intersection) are dropped.
std::vector<std::unique_ptr<OGRGeometry>> polygon_parts(const OGRGeometry* geometry, const Grid& grid,
                                                        double min_area_ha);
/// The same, every polygon whatever its area.
std::vector<std::unique_ptr<OGRGeometry>> polygon_parts(const OGRGeometry* geometry);

/// Metres as the grid's CRS units (degrees on a geographic grid, at its centre latitude).
double metres_as_crs_units(double metres, const Grid& grid);

}  // namespace minerisk::ops
