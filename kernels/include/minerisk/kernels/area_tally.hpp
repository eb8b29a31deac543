#pragma once
// What one hazard area holds: sums over its cells (a mask on a window of the grid) of the
// probability times each cell's area, and of further rasters (evidence, slope, sd, ...),
// accumulated in row-major order in double, so an area's figures are the same bits whatever
// thread computes it. The engine turns the sums into means (areas, engine/ops/areas_figures.cpp).
#include <cstdint>
#include <limits>
#include <span>
#include <vector>

#include "minerisk/kernels/grid_frame.hpp"

namespace minerisk::kernels {

/// A cell's true area in square metres: on a geographic grid from the ellipsoid at its row
/// (GridFrame::scale_at_row), on a projected one in the projection's plane.
double cell_area_m2(const GridFrame& frame, int64_t row);

struct AreaTally {
  explicit AreaTally(size_t further = 0)
      : sum(further, 0.0), area(further, 0.0), minimum(further, std::numeric_limits<double>::infinity()),
        total(further, 0.0) {}
  int64_t cells = 0;            // covered cells with a probability
  double area_m2 = 0;           // their area
  double expected_m2 = 0;       // sum of p x cell area
  double max_p = -std::numeric_limits<double>::infinity();
  // Per further raster, over the covered cells where both it and the probability are numbers:
  std::vector<double> sum;      // sum of value x cell area
  std::vector<double> area;     // sum of cell area (the weight of its mean)
  std::vector<double> minimum;  // least value (+inf when none)
  std::vector<double> total;    // sum of value (counts: true items per cell)

  /// The area-weighted mean of further raster k (NaN where it has no value on the area).
  double mean(size_t k) const;
  /// Adds the sums of `later` (cells after these in row-major order: the next band of rows).
  void merge(const AreaTally& later);
};

/// Sums over the cells of `window` with covered[i] != 0 and a probability (not NaN).
/// `probability` and every raster of `further` hold the window's cells, row-major.
AreaTally tally_area(std::span<const uint8_t> covered, std::span<const float> probability,
                     std::span<const std::span<const float>> further, const Window& window, const GridFrame& frame);

}  // namespace minerisk::kernels
