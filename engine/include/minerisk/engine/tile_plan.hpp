#pragma once
// How a grid is cut into tiles. Every stage works on one tile plus the halo it needs, so memory
// stays bounded whatever the region's size and tiles can run in any order.
#include <vector>

#include "minerisk/kernels/grid_frame.hpp"

namespace minerisk {

using kernels::Window;

class TilePlan {
 public:
  /// Tiles of `tile_size` x `tile_size` cells in row-major order; the last row and column of
  /// tiles are smaller when the grid does not divide evenly.
  TilePlan(int64_t grid_width, int64_t grid_height, int64_t tile_size);

  const std::vector<Window>& tiles() const { return tiles_; }
  int64_t tile_size() const { return tile_size_; }
  int64_t grid_width() const { return width_; }
  int64_t grid_height() const { return height_; }

 private:
  int64_t width_, height_, tile_size_;
  std::vector<Window> tiles_;
};

}  // namespace minerisk
