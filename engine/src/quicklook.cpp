#include "minerisk/engine/quicklook.hpp"

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdio>

#include "../render/map_legend.hpp"
#include "minerisk/engine/gdal_support.hpp"

namespace minerisk {
QuickLook::QuickLook(int64_t grid_width, int64_t grid_height, int64_t max_side)
    : grid_width_(grid_width), grid_height_(grid_height) {
  block_ = std::max<int64_t>(1, (std::max(grid_width, grid_height) + max_side - 1) / max_side);
  width_ = (grid_width + block_ - 1) / block_;
  height_ = (grid_height + block_ - 1) / block_;
  cells_.assign(static_cast<size_t>(width_ * height_), NAN);
}

size_t QuickLook::share_size(const kernels::Window& w) const {
  const int64_t rows = (w.row0 + w.height - 1) / block_ - w.row0 / block_ + 1;
  const int64_t cols = (w.col0 + w.width - 1) / block_ - w.col0 / block_ + 1;
  return static_cast<size_t>(rows * cols);
}

std::vector<float> QuickLook::reduce(const kernels::Window& w, std::span<const float> probability) const {
  const int64_t cols = (w.col0 + w.width - 1) / block_ - w.col0 / block_ + 1;
  std::vector<float> share(share_size(w), NAN);
  // Each row of the tile folds into one row of pixels; along it, a pixel every block_ cells
  // (the first one shorter when the tile starts inside a block). NaN never wins a max.
  const int64_t first_width = block_ - w.col0 % block_;
  for (int64_t r = 0; r < w.height; ++r) {
    float* pixels = share.data() + ((w.row0 + r) / block_ - w.row0 / block_) * cols;
    const float* row = probability.data() + r * w.width;
    int64_t c = 0, pixel = 0, end = std::min(first_width, w.width);
    while (c < w.width) {
      float best = pixels[pixel];
      for (; c < end; ++c)
        if (row[c] > best || (std::isnan(best) && !std::isnan(row[c]))) best = row[c];
      pixels[pixel++] = best;
      end = std::min(end + block_, w.width);
    }
  }
  return share;
}

void QuickLook::add_reduced(const kernels::Window& w, std::span<const float> share) {
  if (share.size() != share_size(w)) throw std::invalid_argument("QuickLook: a tile's share of another size");
  const int64_t row0 = w.row0 / block_, col0 = w.col0 / block_;
  const int64_t cols = (w.col0 + w.width - 1) / block_ - col0 + 1;
  std::lock_guard lock(mutex_);
  for (size_t k = 0; k < share.size(); ++k) {
    const float p = share[k];
    if (std::isnan(p)) continue;
    float& cell = cells_[static_cast<size_t>((row0 + static_cast<int64_t>(k) / cols) * width_ + col0 +
                                             static_cast<int64_t>(k) % cols)];
    if (std::isnan(cell) || p > cell) cell = p;
  }
}

void QuickLook::add(const TileResult& tile) { add_reduced(tile.window, reduce(tile.window, tile.probability)); }

void QuickLook::write_png(const std::filesystem::path& path, const std::string& title, const std::string& note) const {
  // The map's renderer at 72 dpi, so that a point is a pixel and each picture pixel one block
  // of cells: the same classes (at the default land-release thresholds) and legend as
  // `minerisk map`, without the context a full map reads.
  using namespace render;
  const ColourClasses classes = log_classes(0.05, 0.5);
  const double font = 11, margin = 16, legend_w = 250;
  const double map_w = static_cast<double>(width_), map_h = static_cast<double>(height_);
  const double top = margin + font * 2.6;
  const double height = top + std::max(map_h, 330.0) + font * 2.4 + margin;
  const Drawing page = Drawing::png(margin + map_w + margin + legend_w + margin, height, 72);
  // The title on one line, smaller down to the legend's size when long, then cut with an
  // ellipsis: wrapped, its second line was drawn over the picture and the legend's heading.
  const double title_w = map_w + margin + legend_w;
  double title_size = font * 1.45;
  while (title_size > font && page.measure(one_line(title), Font{title_size, true}).width > title_w) title_size -= 0.5;
  page.line(margin, margin, title, Font{title_size, true}, kInk, title_w);
  page.image(probability_image(cells_, static_cast<int>(width_), static_cast<int>(height_), classes), margin, top, map_w, map_h);
  page.stroke_rect(margin, top, map_w, map_h, kInk, 1);
  draw_legend(page, margin + map_w + margin, top, legend_w, classes, "Probability of contamination", {}, font);
  page.text(margin, top + std::max(map_h, 330.0) + font * 0.8, note, Font{font * 0.9}, kInk, Align::left, map_w + legend_w);
  page.write_png(path, Drawing::PngCompression::fast);  // written every run and update: for speed
}

}  // namespace minerisk
