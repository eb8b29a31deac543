#pragma once
// How a grid is cut into tiles: the one tiler of the project, used by the engine's pipelines,
// the file-to-file tools, the Python module and the benchmarks. Every stage works on one tile
// plus the halo it needs, so memory stays bounded whatever the region's size and tiles can run
// in any order.
#include <vector>

#include "minerisk/kernels/grid_frame.hpp"

namespace minerisk::kernels {

/// Square tiles, or bands of full rows (for kernels that need whole rows, like the distance
/// transform's second pass).
enum class TileShape { squares, row_bands };

class TilePlan {
 public:
  /// Tiles of `tile_size` x `tile_size` cells (or bands of `tile_size` rows) in row-major order;
  /// the last row and column of tiles are smaller when the grid does not divide evenly.
  TilePlan(int64_t grid_width, int64_t grid_height, int64_t tile_size, TileShape shape = TileShape::squares);

  const std::vector<Window>& tiles() const { return tiles_; }
  int64_t tile_size() const { return tile_size_; }
  int64_t grid_width() const { return width_; }
  int64_t grid_height() const { return height_; }

 private:
  int64_t width_, height_, tile_size_;
  std::vector<Window> tiles_;
};

}  // namespace minerisk::kernels

namespace minerisk {
using kernels::TilePlan;
using kernels::TileShape;
using kernels::Window;
}  // namespace minerisk
