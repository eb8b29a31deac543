#pragma once
// The GEOS half of delineating hazard areas (areas_delineate.hpp): the polygonised regions
// generalised one by one in parallel, those that then touch or overlap merged, and the hazard
// region split into clearance and technical-survey pieces, part by part.
#include <memory>
#include <vector>

#include <ogr_geometry.h>

#include "minerisk/engine/grid.hpp"
#include "minerisk/engine/ops/control.hpp"

namespace minerisk::ops {

using GeometryPtr = std::unique_ptr<OGRGeometry>;

/// Each polygon of each set made valid, freed of stair steps (simplified within one cell), then
/// closed by `smooth` and opened by half of it (CRS units; 0: neither), all in one parallel
/// loop; within a set, pieces that then touch or overlap are unioned. Returns each set as valid
/// polygons with disjoint interiors, in the order of their first input.
std::vector<std::vector<GeometryPtr>> generalise_polygons(std::vector<std::vector<GeometryPtr>> sets,
                                                          const Grid& grid, double smooth, const Control& control);

/// Within each hazard polygon, the pieces of the high polygons (clearance) and the rest of it
/// (technical survey), each piece at least `min_area_ha`. Both in hazard-polygon order.
void split_hazard(const std::vector<GeometryPtr>& hazard, const std::vector<GeometryPtr>& high, const Grid& grid,
                  double min_area_ha, std::vector<GeometryPtr>& clearance, std::vector<GeometryPtr>& survey,
                  const Control& control);

}  // namespace minerisk::ops
