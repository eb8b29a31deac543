#include "minerisk/kernels/tile_plan.hpp"

#include <algorithm>
#include <stdexcept>

namespace minerisk::kernels {

TilePlan::TilePlan(int64_t grid_width, int64_t grid_height, int64_t tile_size, TileShape shape)
    : width_(grid_width), height_(grid_height), tile_size_(tile_size) {
  if (grid_width <= 0 || grid_height <= 0) throw std::invalid_argument("TilePlan: empty grid");
  if (tile_size <= 0) throw std::invalid_argument("TilePlan: tile size must be positive");
  const int64_t tile_width = shape == TileShape::row_bands ? grid_width : tile_size;
  for (int64_t row = 0; row < grid_height; row += tile_size)
    for (int64_t col = 0; col < grid_width; col += tile_width)
      tiles_.push_back({col, row, std::min(tile_width, grid_width - col), std::min(tile_size, grid_height - row)});
}

}  // namespace minerisk::kernels
