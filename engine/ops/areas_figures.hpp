#pragma once
// An area's figures from its cells: which cells are its own (centre inside the polygon, the rule
// the model's clearance uses, so polygons that share an edge never share a cell), then sums over
// them of the probability and of every further raster, band by band of rows, in parallel over
// (area, band) and merged in band order, so the figures are the same for any thread count.
#include <cstdint>
#include <vector>

#include <ogr_geometry.h>

#include "areas_inputs.hpp"
#include "minerisk/engine/ops/areas.hpp"
#include "minerisk/kernels/area_tally.hpp"

namespace minerisk::ops {

/// Where each further raster is in a tally (-1: not given).
struct TallyChannels {
  int slope = -1, sd = -1, p95 = -1, access = -1, impact = -1, cost = -1, items = -1;
  int count = 0;  // evidence layers first, at 0 .. evidence.size() - 1
};
TallyChannels tally_channels(const AreaInputs& in);

/// One tally per shape (a Polygon or MultiPolygon in the grid's CRS).
std::vector<kernels::AreaTally> tally_areas(const std::vector<const OGRGeometry*>& shapes, const AreaInputs& in,
                                            const Control& control);

/// Counts in `coverage` (the grid's cells, row-major) the shapes covering each cell, up to 255:
/// the same cells tally_areas sums, without reading any raster.
void mark_coverage(const std::vector<const OGRGeometry*>& shapes, const Grid& grid, std::vector<uint8_t>& coverage,
                   const Control& control);

/// The figures of one tally (all but id, class, shape, priority, rank and share).
void fill_figures(const kernels::AreaTally& t, const TallyChannels& c, const AreaInputs& in, AreaFigures& f);

}  // namespace minerisk::ops
