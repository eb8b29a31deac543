#include "canvas.hpp"

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstdlib>
#include <stdexcept>

#include "bitmap_font.hpp"
#include "minerisk/engine/gdal_support.hpp"
#include "minerisk/engine/write_failure.hpp"

namespace minerisk {

Canvas::Canvas(int width, int height)
    : width_(width), height_(height), pixels_(static_cast<size_t>(width) * static_cast<size_t>(height), Rgb{255, 255, 255}) {}

void Canvas::set(int x, int y, Rgb c) {
  if (x >= 0 && y >= 0 && x < width_ && y < height_) pixels_[static_cast<size_t>(y) * static_cast<size_t>(width_) + static_cast<size_t>(x)] = c;
}

void Canvas::rect(int x, int y, int w, int h, Rgb c) {
  for (int j = y; j < y + h; ++j)
    for (int i = x; i < x + w; ++i) set(i, j, c);
}

void Canvas::frame(int x, int y, int w, int h, Rgb c) {
  rect(x - 1, y - 1, w + 2, 1, c), rect(x - 1, y + h, w + 2, 1, c);
  rect(x - 1, y - 1, 1, h + 2, c), rect(x + w, y - 1, 1, h + 2, c);
}

void Canvas::line(int x0, int y0, int x1, int y1, Rgb c) {
  const int steps = std::max(std::abs(x1 - x0), std::abs(y1 - y0));
  for (int k = 0; k <= steps; ++k) {
    const double t = steps ? static_cast<double>(k) / steps : 0.0;
    set(static_cast<int>(std::lround(x0 + t * (x1 - x0))), static_cast<int>(std::lround(y0 + t * (y1 - y0))), c);
  }
}

void Canvas::text(int x, int y, const std::string& s, int scale, Rgb c) {
  for (char ch : s) {
    if (const font::Glyph* g = font::find(ch))
      for (int r = 0; r < font::kGlyphHeight; ++r)
        for (int k = 0; k < font::kGlyphWidth; ++k)
          if (g->rows[static_cast<size_t>(r)][static_cast<size_t>(k)] == '#') rect(x + k * scale, y + r * scale, scale, scale, c);
    x += (font::kGlyphWidth + 1) * scale;
  }
}

int Canvas::text_width(const std::string& s, int scale) { return static_cast<int>(s.size()) * (font::kGlyphWidth + 1) * scale; }

void Canvas::write_png(const std::filesystem::path& path) const {
  init_gdal();
  GDALDriver* mem = GetGDALDriverManager()->GetDriverByName("MEM");
  DatasetPtr ds(mem->Create("", width_, height_, 3, GDT_Byte, nullptr));
  for (int band = 0; band < 3; ++band) {
    std::vector<uint8_t> plane(pixels_.size());
    for (size_t i = 0; i < pixels_.size(); ++i) plane[i] = pixels_[i][static_cast<size_t>(band)];
    if (ds->GetRasterBand(band + 1)->RasterIO(GF_Write, 0, 0, width_, height_, plane.data(), width_, height_, GDT_Byte, 0,
                                              0, nullptr) != CE_None)
      throw std::runtime_error("composing a picture failed: " + last_gdal_error());
  }
  GDALDriver* png = GetGDALDriverManager()->GetDriverByName("PNG");
  if (!png) throw std::runtime_error("GDAL has no PNG driver");
  // Watched whole: libpng reports a full disk as a message, and the file is complete only once
  // GDAL has closed it.
  const GdalErrorTrap trap;
  errno = 0;
  DatasetPtr out(png->CreateCopy(path.c_str(), ds.get(), FALSE, nullptr, nullptr, nullptr));
  const bool failed = !out;
  out.reset();
  if (failed || trap.raised())
    throw_write_failure(path, "writing the picture", trap.raised() ? trap.first() : last_gdal_error(), errno);
}

}  // namespace minerisk
