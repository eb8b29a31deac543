#include "minerisk/engine/quicklook.hpp"

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdio>

#include "bitmap_font.hpp"
#include "canvas.hpp"
#include "minerisk/engine/gdal_support.hpp"

namespace minerisk {
namespace {

// ColorBrewer's YlOrRd ramp: the yellow-to-red scale risk maps are usually read in.
Rgb ramp(double p) {
  static constexpr Rgb stops[] = {{255, 255, 204}, {254, 217, 118}, {253, 141, 60}, {227, 26, 28}, {128, 0, 38}};
  p = std::clamp(p, 0.0, 1.0) * 4.0;
  const int i = std::min(3, static_cast<int>(p));
  const double t = p - i;
  Rgb c;
  for (int k = 0; k < 3; ++k) c[k] = static_cast<uint8_t>(std::lround(stops[i][k] + t * (stops[i + 1][k] - stops[i][k])));
  return c;
}

}  // namespace

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
  const int scale = 2, line = (font::kGlyphHeight + 4) * scale, margin = 16;
  const int map_w = static_cast<int>(width_), map_h = static_cast<int>(std::max<int64_t>(height_, 120));
  const int bar_w = 24, label_w = Canvas::text_width("0.75", scale);
  const int content_w = map_w + 16 + bar_w + 8 + label_w;
  const int width = 2 * margin + std::max({content_w, Canvas::text_width(title, scale), Canvas::text_width(note, 1)});
  const int height = margin + line + 8 + map_h + 8 + 2 * line + margin;
  Canvas canvas(width, height);
  const Rgb ink{20, 20, 20}, nodata{210, 210, 210};

  canvas.text(margin, margin, title, scale, ink);
  const int map_x = margin, map_y = margin + line + 8;
  for (int64_t r = 0; r < height_; ++r)
    for (int64_t c = 0; c < width_; ++c) {
      const float p = cells_[static_cast<size_t>(r * width_ + c)];
      canvas.set(map_x + static_cast<int>(c), map_y + static_cast<int>(r), std::isnan(p) ? nodata : ramp(p));
    }
  canvas.frame(map_x, map_y, static_cast<int>(width_), static_cast<int>(height_), ink);

  // Colour bar: 1 at the top, 0 at the bottom, with ticks every 0.25.
  const int bar_x = map_x + map_w + 16, bar_h = map_h;
  for (int j = 0; j < bar_h; ++j) canvas.rect(bar_x, map_y + j, bar_w, 1, ramp(1.0 - static_cast<double>(j) / (bar_h - 1)));
  canvas.frame(bar_x, map_y, bar_w, bar_h, ink);
  for (int k = 0; k <= 4; ++k) {
    const int y = map_y + (bar_h - 1) * (4 - k) / 4;
    char label[24];
    std::snprintf(label, sizeof label, "%g", k / 4.0);
    canvas.rect(bar_x + bar_w, y, 4, 1, ink);
    canvas.text(bar_x + bar_w + 8, std::clamp(y - font::kGlyphHeight * scale / 2, map_y, map_y + bar_h - font::kGlyphHeight * scale),
                label, scale, ink);
  }

  const int legend_y = map_y + map_h + 8;
  canvas.text(margin, legend_y, "PROBABILITY OF CONTAMINATION", scale, ink);
  canvas.rect(margin, legend_y + line, 12, 12, nodata);
  canvas.text(margin + 18, legend_y + line + 2, "NO DATA", 1, ink);
  canvas.text(margin + 80, legend_y + line + 2, note, 1, ink);
  canvas.write_png(path);
}

}  // namespace minerisk
