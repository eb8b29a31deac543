// The quick-look's fast PNG writer against Cairo's own: both files read back by Cairo give the
// same pixels, for an opaque page (written as RGB, as Cairo's writer does) and for one with
// transparent and half-transparent pixels (RGBA, un-premultiplied the same way); and a path
// that cannot be written is one clear error.
#include <gtest/gtest.h>

#include <cairo.h>

#include <cstring>
#include <filesystem>
#include <fstream>
#include <string>
#include <unistd.h>

#include "minerisk/engine/errors.hpp"
#include "render/png_fast.hpp"

using namespace minerisk;
namespace fs = std::filesystem;

namespace {

struct Surface {
  cairo_surface_t* s;
  explicit Surface(cairo_surface_t* surface) : s(surface) {}
  ~Surface() { cairo_surface_destroy(s); }
  Surface(const Surface&) = delete;
  Surface& operator=(const Surface&) = delete;
};

// A small page: a gradient, a stroked line and, unless `opaque`, a see-through corner.
void draw(cairo_surface_t* surface, bool opaque) {
  cairo_t* cr = cairo_create(surface);
  cairo_pattern_t* gradient = cairo_pattern_create_linear(0, 0, 97, 61);
  cairo_pattern_add_color_stop_rgb(gradient, 0, 0.9, 0.2, 0.1);
  cairo_pattern_add_color_stop_rgb(gradient, 1, 0.1, 0.3, 0.8);
  cairo_set_source(cr, gradient);
  cairo_paint(cr);
  cairo_pattern_destroy(gradient);
  cairo_set_source_rgb(cr, 1, 1, 0.5);
  cairo_set_line_width(cr, 2.5);
  cairo_move_to(cr, 3, 50);
  cairo_line_to(cr, 90, 7);
  cairo_stroke(cr);
  if (!opaque) {
    cairo_set_operator(cr, CAIRO_OPERATOR_SOURCE);
    cairo_set_source_rgba(cr, 0.2, 0.7, 0.4, 0.37);
    cairo_rectangle(cr, 0, 0, 30, 20);
    cairo_fill(cr);
    cairo_set_source_rgba(cr, 0, 0, 0, 0);
    cairo_rectangle(cr, 60, 40, 20, 15);
    cairo_fill(cr);
  }
  cairo_destroy(cr);
  cairo_surface_flush(surface);
}

std::string png_colour_type(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  char header[26] = {};
  in.read(header, sizeof header);
  return header[25] == 2 ? "RGB" : header[25] == 6 ? "RGBA" : "other";
}

bool same_pixels(cairo_surface_t* a, cairo_surface_t* b) {
  const int w = cairo_image_surface_get_width(a), h = cairo_image_surface_get_height(a);
  if (w != cairo_image_surface_get_width(b) || h != cairo_image_surface_get_height(b)) return false;
  for (int y = 0; y < h; ++y) {
    const unsigned char* ra = cairo_image_surface_get_data(a) + static_cast<std::ptrdiff_t>(y) * cairo_image_surface_get_stride(a);
    const unsigned char* rb = cairo_image_surface_get_data(b) + static_cast<std::ptrdiff_t>(y) * cairo_image_surface_get_stride(b);
    if (std::memcmp(ra, rb, static_cast<size_t>(w) * 4) != 0) return false;
  }
  return true;
}

}  // namespace

TEST(PngFast, GivesCairosPixelsOpaqueOrNot) {
  const fs::path folder = fs::temp_directory_path() / ("minerisk_png_fast_" + std::to_string(::getpid()));
  fs::create_directories(folder);
  for (const bool opaque : {true, false}) {
    Surface page(cairo_image_surface_create(CAIRO_FORMAT_ARGB32, 97, 61));
    draw(page.s, opaque);
    const fs::path ours = folder / "ours.png", cairos = folder / "cairos.png";
    render::write_png_fast(page.s, ours);
    ASSERT_EQ(cairo_surface_write_to_png(page.s, cairos.c_str()), CAIRO_STATUS_SUCCESS);
    EXPECT_EQ(png_colour_type(ours), opaque ? "RGB" : "RGBA");
    EXPECT_EQ(png_colour_type(ours), png_colour_type(cairos));
    Surface back(cairo_image_surface_create_from_png(ours.c_str())), reference(cairo_image_surface_create_from_png(cairos.c_str()));
    ASSERT_EQ(cairo_surface_status(back.s), CAIRO_STATUS_SUCCESS);
    EXPECT_TRUE(same_pixels(back.s, reference.s)) << (opaque ? "opaque" : "with transparency");
  }
  Surface page(cairo_image_surface_create(CAIRO_FORMAT_ARGB32, 4, 4));
  EXPECT_THROW(render::write_png_fast(page.s, folder / "no such folder" / "x.png"), UserError);
  fs::remove_all(folder);
}
