#pragma once
// One drawing path for every picture minerisk makes (maps, the quick-look, plots): Cairo for
// the shapes and images, Pango for the text (real fonts, any script, right-to-left, combining
// marks). Coordinates are always in points (1/72 inch) from the page's top-left corner; a PNG
// page is scaled to its dots per inch, a PDF page keeps vectors and text as they are.
#include <cairo.h>

#include <cstdint>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

namespace minerisk::render {

struct Colour {
  double r = 0, g = 0, b = 0, a = 1;
  static Colour rgb(int r, int g, int b, double a = 1) { return {r / 255.0, g / 255.0, b / 255.0, a}; }
  Colour with_alpha(double alpha) const { return {r, g, b, alpha}; }
};

enum class Align { left, centre, right };

struct Font {
  double size = 9;  // points
  bool bold = false;
  bool italic = false;
  // Noto Sans covers Latin (Azerbaijani's ə, ğ, ş), Cyrillic and Greek; DejaVu Sans is the
  // fallback Debian always has. fontconfig adds its own fallbacks for other scripts.
  std::string family = "Noto Sans, DejaVu Sans, sans-serif";
};

struct TextSize {
  double width = 0, height = 0;
};

/// An image of width x height pixels, 8-bit RGBA, not premultiplied, row-major: a raster layer
/// drawn by Drawing::image.
struct RgbaImage {
  int width = 0, height = 0;
  std::vector<uint8_t> pixels;  // 4 bytes per pixel
  RgbaImage() = default;
  RgbaImage(int w, int h) : width(w), height(h), pixels(static_cast<size_t>(w) * h * 4, 0) {}
  uint8_t* at(int x, int y) { return pixels.data() + (static_cast<size_t>(y) * width + x) * 4; }
};

/// `text` on one line: each line break (\n, \r\n or \r) becomes " · ".
std::string one_line(const std::string& text);

class Drawing {
 public:
  /// A UserError when a raster page of that size would be beyond what is drawn (checked by
  /// png(), and before any work by the operations that will make one).
  static void check_png_size(double width_pt, double height_pt, double dpi);
  /// A raster page of width x height points at `dpi` dots per inch, white.
  static Drawing png(double width_pt, double height_pt, double dpi);
  /// A PDF page of width x height points written to `path` (finished by finish()).
  static Drawing pdf(const std::filesystem::path& path, double width_pt, double height_pt);

  Drawing(Drawing&&) noexcept;
  Drawing& operator=(Drawing&&) noexcept;
  ~Drawing();

  /// The Cairo context, in points, for shapes: paths, strokes, fills, clips.
  cairo_t* cr() const { return cr_; }
  double width() const { return width_; }
  double height() const { return height_; }
  /// Pixels per point of a PNG page (1 for a PDF).
  double pixel_scale() const { return scale_; }

  void set_colour(const Colour& c) const;
  void fill_rect(double x, double y, double w, double h, const Colour& c) const;
  void stroke_rect(double x, double y, double w, double h, const Colour& c, double line_width) const;
  void line(double x0, double y0, double x1, double y1, const Colour& c, double line_width) const;

  /// Lays out UTF-8 `text` with its top-left corner at (x, y) (x is the right edge or the centre
  /// with Align::right or centre), wrapped at `wrap_width` points when it is above 0. Returns
  /// the size it took.
  TextSize text(double x, double y, const std::string& text, const Font& font, const Colour& colour,
                Align align = Align::left, double wrap_width = 0) const;
  /// `text` wrapped at `width` points in at most `height` points of lines: the lines beyond are
  /// left out and the last shown ends with an ellipsis (the provenance of a grid of many inputs).
  TextSize text_within(double x, double y, const std::string& text, const Font& font, const Colour& colour,
                       double width, double height) const;
  /// One line of text at most `width` wide, cut with an ellipsis when longer (a title). Line
  /// breaks in `text` are joined with " · " (see one_line): a title of three lines overprinted
  /// the subtitle and the map beneath it.
  TextSize line(double x, double y, const std::string& text, const Font& font, const Colour& colour, double width) const;
  /// The size `text` would take.
  TextSize measure(const std::string& text, const Font& font, double wrap_width = 0) const;
  /// Text with a light halo around its glyphs, readable over a map.
  void halo_text(double x, double y, const std::string& text, const Font& font, const Colour& colour,
                 const Colour& halo, Align align = Align::left) const;

  /// Draws `image` into the rectangle (x, y, w, h), each pixel a sharp square (no smoothing:
  /// a cell stays a cell).
  void image(const RgbaImage& image, double x, double y, double w, double h) const;

  /// A PDF's title and subject (no creation date is written: the same map gives the same bytes).
  void set_pdf_metadata(const std::string& title, const std::string& subject) const;

  /// The PNG page's bytes (PNG pages only).
  std::string png_bytes() const;
  /// How a PNG page is compressed: small (Cairo's writer, zlib's default level: maps, plots) or
  /// fast (zlib level 1: the quick-look every run and update writes; png_fast.hpp).
  enum class PngCompression { small, fast };
  /// Writes the PNG page to `path` (PNG pages only).
  void write_png(const std::filesystem::path& path, PngCompression compression = PngCompression::small) const;
  /// Finishes the page: a PDF is complete on disk after this. Throws on a Cairo error.
  void finish();

 private:
  Drawing(cairo_surface_t* surface, double width_pt, double height_pt, double scale, bool is_pdf);
  void check(const char* what) const;

  cairo_surface_t* surface_ = nullptr;
  cairo_t* cr_ = nullptr;
  double width_ = 0, height_ = 0, scale_ = 1;
  bool pdf_ = false;
};

}  // namespace minerisk::render
