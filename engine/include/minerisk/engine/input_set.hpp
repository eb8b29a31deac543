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

/// What one evidence layer reads beyond the shared inputs: its own filtered lines or points,
/// another vector layer, or a raster.
struct LayerInputs {
  std::vector<kernels::Segment> segments;    // front_line_distance with a filter, vector_distance
  std::vector<kernels::Polygon> polygons;    // vector_distance: inside a polygon the distance is 0
  std::vector<kernels::WeightedPoint> points;  // find_density with a filter
  std::unique_ptr<RasterSource> raster;      // raster
  bool own_segments = false, own_points = false;
};

struct InputSet {
  Grid grid;
  std::unique_ptr<RasterSource> dem;
  std::vector<kernels::Segment> front_lines;
  std::vector<kernels::WeightedPoint> finds;
  std::vector<kernels::Polygon> cleared;  // value: probability of detection
  std::vector<kernels::Polygon> records;  // value: reliability
  std::vector<InputFile> files;           // provenance, the scenario file first
  std::vector<LayerInputs> layers;        // one per scenario evidence layer, in order
};

/// Loads and checks every input of the scenario. Throws UserError for anything the user can fix.
InputSet load_inputs(const Scenario& scenario);

}  // namespace minerisk
