#pragma once
// --reduce: within each given hazard polygon, the land the model's evidence would release.
#include <vector>

#include <ogr_geometry.h>

#include "areas_inputs.hpp"
#include "areas_polygons.hpp"
#include "minerisk/engine/ops/areas.hpp"

namespace minerisk::ops {

/// Within each given polygon, the part outside the generalised hazard region (the land below
/// T1 as `areas` delineates it), in parts of at least the minimum mapping unit: each area's
/// release_wkb with its hectares and expected contamination, and the summary's totals.
void add_releases(std::vector<AreaFigures>& table, const GivenPolygons& given, const OGRGeometry& hazard,
                  const AreaInputs& in, AreasSummary& summary, const Control& control);

}  // namespace minerisk::ops
