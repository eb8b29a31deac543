#pragma once
// A tile's sub-blocks: squares of kSubBlockCells cells from its top-left corner, in row-major
// slots of a tile_size x tile_size tile (a tile at the grid's right or bottom edge leaves the
// slots beyond it empty). `update` fingerprints each sub-block's vector inputs, so that a tile
// a day's finds changed is recomputed only over the sub-blocks they reach (ops/update.cpp).
#include <algorithm>
#include <cstdint>
#include <vector>

#include "minerisk/kernels/grid_frame.hpp"

namespace minerisk {

/// 64 cells: a find's reach (four bandwidths of a few hundred metres at 10 m) spans a few
/// sub-blocks, and a 512-cell tile has 64 of them, whose fingerprints cost a fraction of a
/// millisecond.
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
