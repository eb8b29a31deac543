#pragma once
// `run` and `update` over MPI (see cluster.hpp), internal to engine/ops. Rank 0's GridOutput
// shares its tiles with share_grid_tiles; every other rank calls serve_grid_tiles in place of
// the operation: it loads the same inputs, builds the same model, and computes the tiles rank 0
// hands out, each compressed as the files store it (RunTileEncoding) and sent as a TileMessage.
#include <functional>
#include <string>
#include <vector>

#include "grid_output.hpp"

namespace minerisk::ops {

/// Rank 0: every tile of `tiles`, supplied here (`supply`) or computed on another rank, given
/// to `take` with its index.
void share_grid_tiles(TileSupplier& supplier, const RunFileWriter& writer, const Scenario& scenario,
                      const RunOptions& options, const std::string& command, const Grid& grid, size_t evidence_layers,
                      const std::vector<kernels::Window>& tiles, const std::function<SuppliedTile(int64_t)>& supply,
                      const std::function<void(int64_t, SuppliedTile)>& take);

/// Another rank: serves rank 0's run or update of `scenario`.
void serve_grid_tiles(const Scenario& scenario, const RunOptions& options);

}  // namespace minerisk::ops
