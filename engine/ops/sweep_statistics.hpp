#pragma once
// The statistics of a sweep: per cell across scenarios (mean, sd, percentiles, exceedance) and
// per scenario over the region (expected contaminated area, area above thresholds, the top
// share and its overlap with the base's), accumulated tile by tile.
#include <string>
#include <vector>

#include "minerisk/engine/grid.hpp"

namespace minerisk::sweep {

// Histogram bins from which each scenario's top share is found: the high bits of the float
// itself, which order like the probabilities (positive floats) and resolve them to 1/64 of
// their value, without a logarithm per value.
constexpr int kShift = 17;
constexpr int kBins = (0x3F800000 >> kShift) + 1;  // up to the bits of 1.0f
int bin_of(float p);

/// The bin at which the top `wanted` cells of a histogram begin: from the highest bin down.
int top_bin(const std::vector<int64_t>& histogram, int64_t wanted);

/// numpy's default ("linear") percentile, by partial sorting (the values are reordered).
float percentile(std::vector<float>& values, double q);

/// A threshold as it names a variable (CF 2.3 names): 0.5 -> "0p5", 1e-05 -> "1em05".
std::string threshold_name(double t);
/// A threshold as text, the shortest that reads back as the same number (0.1, not 0.1000...01).
std::string threshold_text(double t);

/// Per-scenario sums over the region. Areas are whole thousandths of a square metre per cell:
/// integer sums are exact, so the totals are the same whatever the tiles, threads and order.
struct Totals {
  Totals(size_t scenarios, size_t thresholds);
  void add(const Totals& other);
  /// Every sum in one array (to send to another MPI rank), and the sums of such an array added.
  std::vector<int64_t> flat() const;
  void add_flat(const std::vector<int64_t>& sums);

  std::vector<int64_t> expected_milli_m2;               // per scenario, then the base
  std::vector<std::vector<int64_t>> above_milli_m2;     // [threshold][scenario]
  std::vector<std::vector<int64_t>> histogram;          // [scenario][bin]
  std::vector<std::vector<int64_t>> in_base_top;        // [scenario][bin], cells in the base's top
  int64_t base_top = 0;                                 // cells in the base's top
};

/// One tile's statistics across scenarios, per cell (NaN where the DEM has no data).
struct CellStatistics {
  std::vector<float> mean, sd, p05, p50, p95;
  std::vector<std::vector<float>> above;  // per threshold: share of scenarios above it
};

/// `probabilities` holds each scenario's probabilities on `tile`, then the base's last. Adds
/// the tile's sums to `totals`; cells whose base bin is at least `base_top_bin` are the base's top.
CellStatistics cell_statistics(const std::vector<std::vector<float>>& probabilities, const kernels::Window& tile,
                               const Grid& grid, const std::vector<double>& thresholds, int base_top_bin,
                               Totals& totals);

}  // namespace minerisk::sweep
