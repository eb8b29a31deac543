// The quick-look's fast PNG writer against Cairo's own: both files decoded by libpng give the
// same RGBA bytes, for an opaque page (written as RGB, as Cairo's writer does) and for one with
// transparent and half-transparent pixels (RGBA, un-premultiplied the same way); a path that
// cannot be written, a full disk and an image libpng refuses are each one clear error.
#include <gtest/gtest.h>

#include <cairo.h>
#include <png.h>

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

// The file's pixels as 8-bit RGBA, as libpng decodes them (no premultiplication on the way).
std::vector<unsigned char> rgba_of(const fs::path& path, unsigned& width, unsigned& height) {
  png_image image{};
  image.version = PNG_IMAGE_VERSION;
  if (!png_image_begin_read_from_file(&image, path.c_str())) return {};
  image.format = PNG_FORMAT_RGBA;
  std::vector<unsigned char> pixels(PNG_IMAGE_SIZE(image));
  if (!png_image_finish_read(&image, nullptr, pixels.data(), 0, nullptr)) return {};
  width = image.width, height = image.height;
  return pixels;
}

// A scratch folder, removed with everything in it at the end of the test.
struct Folder {
  fs::path path = fs::temp_directory_path() / ("minerisk_png_fast_" + std::to_string(::getpid()));
  Folder() { fs::create_directories(path); }
  ~Folder() { fs::remove_all(path); }
};

std::string message_of(cairo_surface_t* surface, const fs::path& path) {
  try {
    render::write_png_fast(surface, path);
  } catch (const UserError& e) {
    return e.what();
  }
  return "";
}

}  // namespace

TEST(PngFast, GivesCairosPixelsOpaqueOrNot) {
  const Folder scratch;
  const fs::path& folder = scratch.path;
  for (const bool opaque : {true, false}) {
    Surface page(cairo_image_surface_create(CAIRO_FORMAT_ARGB32, 97, 61));
    draw(page.s, opaque);
    const fs::path ours = folder / "ours.png", cairos = folder / "cairos.png";
    render::write_png_fast(page.s, ours);
    ASSERT_EQ(cairo_surface_write_to_png(page.s, cairos.c_str()), CAIRO_STATUS_SUCCESS);
    EXPECT_EQ(png_colour_type(ours), opaque ? "RGB" : "RGBA");
    EXPECT_EQ(png_colour_type(ours), png_colour_type(cairos));
    unsigned w = 0, h = 0, w_ref = 0, h_ref = 0;
    const std::vector<unsigned char> back = rgba_of(ours, w, h), reference = rgba_of(cairos, w_ref, h_ref);
    ASSERT_FALSE(back.empty());
    EXPECT_EQ(w, 97u);
    EXPECT_EQ(h, 61u);
    EXPECT_TRUE(back == reference) << (opaque ? "opaque" : "with transparency");
  }
}

TEST(PngFast, SaysWhyItCannotWrite) {
  const Folder scratch;
  Surface page(cairo_image_surface_create(CAIRO_FORMAT_ARGB32, 4, 4));
  EXPECT_NE(message_of(page.s, scratch.path / "no such folder" / "x.png").find("No such file or directory"),
            std::string::npos);
  if (fs::exists("/dev/full")) {  // every write fails with ENOSPC
    EXPECT_NE(message_of(page.s, "/dev/full").find("No space left on device"), std::string::npos);
  }
  Surface empty(cairo_image_surface_create(CAIRO_FORMAT_ARGB32, 0, 0));  // libpng refuses 0 x 0
  const std::string refused = message_of(empty.s, scratch.path / "empty.png");
  EXPECT_NE(refused.find("cannot write"), std::string::npos);
  EXPECT_NE(refused.find("IHDR"), std::string::npos) << refused;
}
