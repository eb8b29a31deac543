#pragma once
// A small RGB picture with rectangles and 5 x 7 pixel text, written as PNG through GDAL: the
// quick-look map and the capture-curve plot draw on it.
#include <array>
#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

namespace minerisk {

using Rgb = std::array<uint8_t, 3>;

class Canvas {
 public:
  Canvas(int width, int height);
  int width() const { return width_; }
  int height() const { return height_; }
  void set(int x, int y, Rgb c);
  void rect(int x, int y, int w, int h, Rgb c);
  /// A one-pixel frame just outside the rectangle.
  void frame(int x, int y, int w, int h, Rgb c);
  /// A straight line, one pixel wide.
  void line(int x0, int y0, int x1, int y1, Rgb c);
  /// Text with its top-left corner at (x, y); each font pixel is scale x scale.
  void text(int x, int y, const std::string& s, int scale, Rgb c);
  static int text_width(const std::string& s, int scale);
  void write_png(const std::filesystem::path& path) const;

 private:
  int width_, height_;
  std::vector<Rgb> pixels_;
};

}  // namespace minerisk
