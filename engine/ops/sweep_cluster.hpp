#pragma once
// `sweep` over MPI (see cluster.hpp), internal to engine/ops. Both passes share their tiles
// among the ranks. Pass 0 sums the base's histogram on each rank; pass 1 sends each tile's
// stored chunks to rank 0, and each rank's per-scenario totals once it is done (integer sums:
// the same in any order). When the scenarios outnumber the tiles, pass 1 hands out blocks of
// scenarios of a tile instead, so that every rank has work: their probabilities come back to
// rank 0, which takes each tile's statistics once all its blocks are in.
#include <functional>
#include <vector>

#include "sweep_tiles.hpp"

namespace minerisk::sweep {

/// Rank 0: pass 0 over every rank; `local(index)` for the tiles here, and the other ranks' sums
/// added to `sums`.
void share_base_pass(const SweepSpec& spec, const SweepTiles& work, const SweepOptions& options,
                     const std::function<void(int64_t)>& local, BaseSums& sums);

/// What rank 0 does with a tile in pass 1.
struct StatisticsPass {
  std::function<void(int64_t tile)> whole_tile;  // computes the tile here, statistics and all
  /// A tile computed on another rank: its chunks, in stored_values' order.
  std::function<void(int64_t tile, std::vector<std::vector<std::byte>> chunks)> computed_elsewhere;
  /// A tile's probabilities (every scenario, then the base), for its statistics here.
  std::function<void(int64_t tile, std::vector<std::vector<float>> probabilities)> statistics;
  /// The features of a tile here (kept from pass 0, or computed).
  std::function<TileFeatures(int64_t tile)> features;
};

/// Rank 0: pass 1 over every rank; the other ranks' totals added to `totals`.
void share_statistics_pass(const SweepTiles& work, const SweepOptions& options, int base_top_bin,
                           const StatisticsPass& pass, Totals& totals);

/// Another rank: serves both passes of rank 0's sweep.
void serve_sweep(const SweepSpec& spec, const SweepOptions& options);

}  // namespace minerisk::sweep
