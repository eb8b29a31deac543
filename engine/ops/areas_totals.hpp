#pragma once
// Sums over the whole grid for `minerisk areas`: the land and its expected contamination, the
// rest outside the areas, and the thresholds that capture a share of it. Each is a tally of the
// cells a rule keeps, in bands of rows in parallel (for_each_job: --threads and Ctrl-C apply)
// merged in row order, so the same bits for any thread count.
#include <span>
#include <vector>

#include "minerisk/engine/grid.hpp"
#include "minerisk/engine/ops/control.hpp"
#include "minerisk/engine/tile_loop.hpp"
#include "minerisk/kernels/area_tally.hpp"

namespace minerisk::ops {

/// The tally of the cells i (row-major over the grid) for which keep(i) is true.
template <class Keep>
kernels::AreaTally tally_grid(std::span<const float> probability, const Grid& grid, const Control& control,
                              Keep&& keep) {
  constexpr int64_t kBandRows = 256;
  const int64_t bands = (grid.height() + kBandRows - 1) / kBandRows;
  std::vector<kernels::AreaTally> tallies(static_cast<size_t>(bands));
  TileLoopOptions loop = control.loop("");
  loop.quiet = true;  // a pass of seconds at most: no progress lines of its own
  loop.progress = nullptr;
  for_each_job(bands, loop, [&](int64_t b) {
    const kernels::Window w{0, b * kBandRows, grid.width(), std::min(kBandRows, grid.height() - b * kBandRows)};
    const size_t first = static_cast<size_t>(w.row0 * grid.width());
    std::vector<uint8_t> kept(static_cast<size_t>(w.cells()));
    for (size_t i = 0; i < kept.size(); ++i) kept[i] = keep(first + i) ? 1 : 0;
    tallies[static_cast<size_t>(b)] =
        kernels::tally_area(kept, probability.subspan(first, kept.size()), {}, w, grid.frame);
  });
  kernels::AreaTally total;
  for (const kernels::AreaTally& t : tallies) total.merge(t);
  return total;
}

/// The largest threshold whose cells (p >= it) hold at least `share` of `total_m2`, the grid's
/// expected contamination: a bisection over the bit patterns of the non-negative floats, which
/// order as the floats do, so the threshold is exact.
float threshold_for_share(std::span<const float> probability, const Grid& grid, double share, double total_m2,
                          const Control& control);

}  // namespace minerisk::ops
