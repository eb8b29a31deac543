#pragma once
// Everything a scenario names, opened, checked and brought onto one target grid.
#include <memory>
#include <vector>

#include "minerisk/engine/raster_source.hpp"
#include "minerisk/engine/grid.hpp"
#include "minerisk/engine/provenance.hpp"
#include "minerisk/engine/scenario.hpp"
#include "minerisk/kernels/line_distance.hpp"
#include "minerisk/kernels/point_density.hpp"
#include "minerisk/kernels/polygon_coverage.hpp"

namespace minerisk {

struct InputSet {
  Grid grid;
  std::unique_ptr<RasterSource> dem;
  std::vector<kernels::Segment> front_lines;
  std::vector<kernels::WeightedPoint> finds;
  std::vector<kernels::Polygon> cleared;  // value: probability of detection
  std::vector<kernels::Polygon> records;  // value: reliability
  std::vector<InputFile> files;           // provenance, the scenario file first
};

/// Loads and checks every input of the scenario. Throws UserError for anything the user can fix.
InputSet load_inputs(const Scenario& scenario);

}  // namespace minerisk
