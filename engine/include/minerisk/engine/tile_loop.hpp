#pragma once
// The parallel loop over tiles shared by `run` and the raster tools: oneTBB, a thread limit,
// progress, and cancellation.
#include <atomic>
#include <functional>
#include <string>
#include <vector>

#include "minerisk/kernels/grid_frame.hpp"

namespace minerisk {

struct TileLoopOptions {
  int threads = 0;  // 0: all cores
  bool quiet = false;
  std::string label = "minerisk";
  const std::atomic<bool>* cancel = nullptr;
};

/// Calls `work(tile)` for every tile, in parallel and in no particular order, with a progress
/// bar or lines. Throws Cancelled when `cancel` is set; rethrows the first exception of a tile.
void for_each_tile(const std::vector<kernels::Window>& tiles, const TileLoopOptions& options,
                   const std::function<void(const kernels::Window&)>& work);

}  // namespace minerisk
