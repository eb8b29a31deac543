#pragma once
// A tile's sub-blocks: squares of kSubBlockCells cells from its top-left corner, in row-major
// slots of a tile_size x tile_size tile (a tile at the grid's right or bottom edge leaves the
// slots beyond it empty). Every output records each sub-block's digest of its vector inputs, so
// that an update computes a tile a day's finds changed only over the sub-blocks they reach
// (ops/update_plan.cpp plans it, ops/update_in_part.cpp does it).
#include <algorithm>
#include <cstdint>
#include <vector>

#include "minerisk/kernels/grid_frame.hpp"

namespace minerisk {

/// 64 cells: small enough that a find's reach (4 x 1.414 bandwidths each way: 113 cells at
/// karabakh's 200 m and 10 m cells) leaves most of a 512-cell tile's 8 x 8 sub-blocks out, large
/// enough that fingerprinting a tile's 64 of them costs a fraction of a millisecond.
constexpr int64_t kSubBlockCells = 64;

/// Sub-blocks along each side of a tile of `tile_size` cells.
inline int64_t sub_blocks_per_side(int64_t tile_size) { return (tile_size + kSubBlockCells - 1) / kSubBlockCells; }
/// The slots of a tile: sub_blocks_per_side squared.
inline int64_t sub_blocks_per_tile(int64_t tile_size) {
  return sub_blocks_per_side(tile_size) * sub_blocks_per_side(tile_size);
}

/// Each slot's window within `tile`, row-major; a slot beyond the tile's edge is an empty window.
inline std::vector<kernels::Window> sub_block_windows(const kernels::Window& tile, int64_t tile_size) {
  const int64_t side = sub_blocks_per_side(tile_size);
  std::vector<kernels::Window> out(static_cast<size_t>(side * side));
  for (int64_t r = 0; r < side; ++r)
    for (int64_t c = 0; c < side; ++c) {
      const int64_t col0 = c * kSubBlockCells, row0 = r * kSubBlockCells;
      if (col0 >= tile.width || row0 >= tile.height) continue;
      out[static_cast<size_t>(r * side + c)] = {tile.col0 + col0, tile.row0 + row0,
                                                std::min(kSubBlockCells, tile.width - col0),
                                                std::min(kSubBlockCells, tile.height - row0)};
    }
  return out;
}

}  // namespace minerisk
