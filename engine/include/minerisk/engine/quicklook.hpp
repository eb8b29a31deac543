#pragma once
// A quick-look picture of the probability grid: a PNG with a colour scale and a legend, to
// check a run at a glance. Large grids are reduced by taking the maximum of each block, so a
// hot spot is never averaged away.
#include <filesystem>
#include <mutex>
#include <span>
#include <string>
#include <vector>

#include "minerisk/engine/model.hpp"

namespace minerisk {

class QuickLook {
 public:
  /// The map part is at most `max_side` pixels on its longer side.
  QuickLook(int64_t grid_width, int64_t grid_height, int64_t max_side = 900);

  /// Folds one tile's probabilities in. Thread-safe; the result does not depend on the order.
  void add(const TileResult& tile);

  /// One tile's share of the picture: the maximum of its cells in each picture pixel it
  /// touches (rows, then columns, of the pixels from the tile's first to its last), NaN where it
  /// has no data. Thread-safe, without a lock: for the worker that computed the tile. `update`
  /// keeps these, so an unchanged tile's share needs no decompression.
  std::vector<float> reduce(const kernels::Window& tile, std::span<const float> probability) const;
  /// Folds a tile's share in. Thread-safe.
  void add_reduced(const kernels::Window& tile, std::span<const float> share);
  /// How many values reduce() gives for `tile`.
  size_t share_size(const kernels::Window& tile) const;

  /// Writes the PNG with a title, a colour bar from 0 to 1 and a scale note.
  void write_png(const std::filesystem::path& path, const std::string& title, const std::string& note) const;

  int64_t map_width() const { return width_; }
  int64_t map_height() const { return height_; }
  int64_t block() const { return block_; }

 private:
  int64_t grid_width_, grid_height_, block_, width_, height_;
  std::vector<float> cells_;  // max probability per picture pixel, NaN where no data
  mutable std::mutex mutex_;
};

}  // namespace minerisk
