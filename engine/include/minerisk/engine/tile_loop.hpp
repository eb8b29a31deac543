#pragma once
// The parallel loop over tiles shared by every operation: oneTBB, a thread limit, progress
// (a bar, lines, or the caller's callback), and cancellation.
#include <atomic>
#include <functional>
#include <string>
#include <vector>

#include "minerisk/kernels/grid_frame.hpp"

namespace minerisk {

/// Called with the fraction of the work done (0 to 1); returning false asks the work to stop,
/// which then ends with Cancelled (like GDAL's progress callbacks).
using ProgressCallback = std::function<bool(double fraction)>;

struct TileLoopOptions {
  int threads = 0;  // 0: all cores
  bool quiet = false;
  std::string label = "minerisk";
  const std::atomic<bool>* cancel = nullptr;
  ProgressCallback progress;  // optional, besides the bar or lines on stderr
  // Each thread takes the next job of the plan, so that jobs finish nearly in order: a caller
  // that writes them in order (TilesInOrder) then holds a few per thread, not half the plan,
  // which TBB's splitting of the range would hand to the second thread from the start.
  bool in_plan_order = false;
};

/// Calls `work(tile)` for every tile, in parallel and in no particular order, with a progress
/// bar or lines. Throws Cancelled when `cancel` is set or `progress` returns false; rethrows the
/// first exception of a tile.
void for_each_tile(const std::vector<kernels::Window>& tiles, const TileLoopOptions& options,
                   const std::function<void(const kernels::Window&)>& work);

/// The same over jobs 0 .. jobs - 1 that are not tiles (an area's band of rows, say).
void for_each_job(int64_t jobs, const TileLoopOptions& options, const std::function<void(int64_t)>& work);

/// The tile sizes every operation accepts; a UserError naming `option` otherwise.
constexpr int64_t kMinTileSize = 16, kMaxTileSize = 16384;
void check_tile_size(int64_t tile_size, const std::string& option = "--tile-size");

/// Refuses a negative thread count (0 means all cores).
void check_threads(int threads, const std::string& option = "--threads");

}  // namespace minerisk
