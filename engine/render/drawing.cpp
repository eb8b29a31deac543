#include "drawing.hpp"
#include "png_fast.hpp"

#include <cairo-pdf.h>
#include <pango/pangocairo.h>

#include <cmath>
#include <stdexcept>

#include "minerisk/engine/errors.hpp"

namespace minerisk::render {
namespace {

// Text is laid out without hinting and with unrounded glyph positions, so a PNG and a PDF of
// one page place every word in the same spot, and the output does not depend on the screen.
void configure_text(cairo_t* cr, PangoLayout* layout) {
  cairo_font_options_t* options = cairo_font_options_create();
  cairo_font_options_set_hint_style(options, CAIRO_HINT_STYLE_NONE);
  cairo_font_options_set_hint_metrics(options, CAIRO_HINT_METRICS_OFF);
  cairo_font_options_set_antialias(options, CAIRO_ANTIALIAS_GRAY);
  PangoContext* context = pango_layout_get_context(layout);
  pango_cairo_context_set_font_options(context, options);
  pango_context_set_round_glyph_positions(context, FALSE);
  pango_layout_context_changed(layout);
  cairo_font_options_destroy(options);
  (void)cr;
}

struct LayoutDeleter {
  void operator()(PangoLayout* layout) const { g_object_unref(layout); }
};
using LayoutPtr = std::unique_ptr<PangoLayout, LayoutDeleter>;

LayoutPtr make_layout(cairo_t* cr, const std::string& text, const Font& font, double wrap_width, Align align) {
  LayoutPtr layout(pango_cairo_create_layout(cr));
  configure_text(cr, layout.get());
  PangoFontDescription* description = pango_font_description_new();
  pango_font_description_set_family(description, font.family.c_str());
  pango_font_description_set_weight(description, font.bold ? PANGO_WEIGHT_BOLD : PANGO_WEIGHT_NORMAL);
  pango_font_description_set_style(description, font.italic ? PANGO_STYLE_ITALIC : PANGO_STYLE_NORMAL);
  pango_font_description_set_absolute_size(description, font.size * PANGO_SCALE);
  pango_layout_set_font_description(layout.get(), description);
  pango_font_description_free(description);
  if (wrap_width > 0) {
    pango_layout_set_width(layout.get(), static_cast<int>(wrap_width * PANGO_SCALE));
    pango_layout_set_wrap(layout.get(), PANGO_WRAP_WORD_CHAR);
    pango_layout_set_alignment(layout.get(), align == Align::right    ? PANGO_ALIGN_RIGHT
                                             : align == Align::centre ? PANGO_ALIGN_CENTER
                                                                      : PANGO_ALIGN_LEFT);
  }
  // Pango needs valid UTF-8; a name from a file that is not is shown with replacement marks
  // rather than dropped.
  const char* end = nullptr;
  if (g_utf8_validate(text.data(), static_cast<gssize>(text.size()), &end)) {
    pango_layout_set_text(layout.get(), text.data(), static_cast<int>(text.size()));
  } else {
    gchar* valid = g_utf8_make_valid(text.data(), static_cast<gssize>(text.size()));
    pango_layout_set_text(layout.get(), valid, -1);
    g_free(valid);
  }
  return layout;
}

TextSize size_of(PangoLayout* layout) {
  PangoRectangle logical;
  pango_layout_get_extents(layout, nullptr, &logical);
  return {static_cast<double>(logical.width) / PANGO_SCALE, static_cast<double>(logical.height) / PANGO_SCALE};
}

// Where a laid-out text's left edge goes for an alignment anchored at x.
double left_of(double x, double width, double wrap_width, Align align) {
  if (wrap_width > 0) return align == Align::right ? x - wrap_width : align == Align::centre ? x - wrap_width / 2 : x;
  return align == Align::right ? x - width : align == Align::centre ? x - width / 2 : x;
}

cairo_status_t append_bytes(void* closure, const unsigned char* data, unsigned int length) {
  static_cast<std::string*>(closure)->append(reinterpret_cast<const char*>(data), length);
  return CAIRO_STATUS_SUCCESS;
}

}  // namespace

Drawing::Drawing(cairo_surface_t* surface, double width_pt, double height_pt, double scale, bool is_pdf)
    : surface_(surface), width_(width_pt), height_(height_pt), scale_(scale), pdf_(is_pdf) {
  cr_ = cairo_create(surface_);
  cairo_scale(cr_, scale_, scale_);
  check("starting a page");
}

void Drawing::check_png_size(double width_pt, double height_pt, double dpi) {
  const double w = std::ceil(width_pt * dpi / 72.0), h = std::ceil(height_pt * dpi / 72.0);
  // Cairo's limit is 32767 pixels a side; 200 M pixels (800 MB) is this program's, an A0 page
  // at 300 dpi, so that a page never takes the machine's memory.
  if (!(w >= 1 && h >= 1 && w <= 32767 && h <= 32767 && w * h <= 2e8))
    throw UserError("a picture of " + number_text(w) + " x " + number_text(h) +
                    " pixels is beyond what is drawn (at most 32767 a side and 200 million in all): choose a "
                    "smaller --size or --dpi, or a PDF");
}

Drawing Drawing::png(double width_pt, double height_pt, double dpi) {
  check_png_size(width_pt, height_pt, dpi);
  const double scale = dpi / 72.0;
  const int w = static_cast<int>(std::ceil(width_pt * scale)), h = static_cast<int>(std::ceil(height_pt * scale));
  Drawing d(cairo_image_surface_create(CAIRO_FORMAT_ARGB32, w, h), width_pt, height_pt, scale, false);
  d.fill_rect(0, 0, width_pt, height_pt, {1, 1, 1, 1});
  return d;
}

Drawing Drawing::pdf(const std::filesystem::path& path, double width_pt, double height_pt) {
  cairo_surface_t* surface = cairo_pdf_surface_create(path.c_str(), width_pt, height_pt);
  // No creation date in the file: the same map drawn twice gives the same bytes.
  cairo_pdf_surface_set_metadata(surface, CAIRO_PDF_METADATA_CREATOR, "minerisk");
  cairo_pdf_surface_set_metadata(surface, CAIRO_PDF_METADATA_CREATE_DATE, "");
  return Drawing(surface, width_pt, height_pt, 1.0, true);
}

Drawing::Drawing(Drawing&& other) noexcept { *this = std::move(other); }

Drawing& Drawing::operator=(Drawing&& other) noexcept {
  std::swap(surface_, other.surface_);
  std::swap(cr_, other.cr_);
  width_ = other.width_, height_ = other.height_, scale_ = other.scale_, pdf_ = other.pdf_;
  return *this;
}

Drawing::~Drawing() {
  if (cr_) cairo_destroy(cr_);
  if (surface_) cairo_surface_destroy(surface_);
}

void Drawing::check(const char* what) const {
  cairo_status_t status = cairo_status(cr_);
  if (status == CAIRO_STATUS_SUCCESS) status = cairo_surface_status(surface_);
  if (status != CAIRO_STATUS_SUCCESS)
    throw std::runtime_error(std::string("Cairo failed ") + what + ": " + cairo_status_to_string(status));
}

void Drawing::set_colour(const Colour& c) const { cairo_set_source_rgba(cr_, c.r, c.g, c.b, c.a); }

void Drawing::fill_rect(double x, double y, double w, double h, const Colour& c) const {
  set_colour(c);
  cairo_rectangle(cr_, x, y, w, h);
  cairo_fill(cr_);
}

void Drawing::stroke_rect(double x, double y, double w, double h, const Colour& c, double line_width) const {
  set_colour(c);
  cairo_set_line_width(cr_, line_width);
  cairo_rectangle(cr_, x, y, w, h);
  cairo_stroke(cr_);
}

void Drawing::line(double x0, double y0, double x1, double y1, const Colour& c, double line_width) const {
  set_colour(c);
  cairo_set_line_width(cr_, line_width);
  cairo_move_to(cr_, x0, y0);
  cairo_line_to(cr_, x1, y1);
  cairo_stroke(cr_);
}

TextSize Drawing::measure(const std::string& text, const Font& font, double wrap_width) const {
  return size_of(make_layout(cr_, text, font, wrap_width, Align::left).get());
}

TextSize Drawing::text(double x, double y, const std::string& text, const Font& font, const Colour& colour, Align align,
                       double wrap_width) const {
  const LayoutPtr layout = make_layout(cr_, text, font, wrap_width, align);
  const TextSize size = size_of(layout.get());
  set_colour(colour);
  cairo_move_to(cr_, left_of(x, size.width, wrap_width, align), y);
  pango_cairo_show_layout(cr_, layout.get());
  return size;
}

namespace {
// Draws a laid-out text with its top-left corner at (x, y); returns its size.
TextSize show_at(const Drawing& page, PangoLayout* layout, double x, double y, const Colour& colour) {
  const TextSize size = size_of(layout);
  page.set_colour(colour);
  cairo_move_to(page.cr(), x, y);
  pango_cairo_show_layout(page.cr(), layout);
  return size;
}
}  // namespace

TextSize Drawing::text_within(double x, double y, const std::string& text, const Font& font, const Colour& colour,
                              double width, double height) const {
  const LayoutPtr layout = make_layout(cr_, text, font, width, Align::left);
  // A positive height in Pango units: as many whole lines as fit, the last ellipsized (at least one).
  pango_layout_set_height(layout.get(), static_cast<int>(height * PANGO_SCALE));
  pango_layout_set_ellipsize(layout.get(), PANGO_ELLIPSIZE_END);
  return show_at(*this, layout.get(), x, y, colour);
}

std::string one_line(const std::string& text) {
  std::string out;
  for (size_t i = 0; i < text.size(); ++i) {
    if (text[i] != '\n' && text[i] != '\r') {
      out += text[i];
      continue;
    }
    if (text[i] == '\r' && i + 1 < text.size() && text[i + 1] == '\n') ++i;
    out += " \u00b7 ";
  }
  return out;
}

TextSize Drawing::line(double x, double y, const std::string& text, const Font& font, const Colour& colour,
                       double width) const {
  const LayoutPtr layout = make_layout(cr_, one_line(text), font, 0, Align::left);
  pango_layout_set_width(layout.get(), static_cast<int>(width * PANGO_SCALE));
  pango_layout_set_ellipsize(layout.get(), PANGO_ELLIPSIZE_END);
  return show_at(*this, layout.get(), x, y, colour);
}

void Drawing::halo_text(double x, double y, const std::string& text, const Font& font, const Colour& colour,
                        const Colour& halo, Align align) const {
  const LayoutPtr layout = make_layout(cr_, text, font, 0, align);
  const TextSize size = size_of(layout.get());
  cairo_move_to(cr_, left_of(x, size.width, 0, align), y);
  pango_cairo_layout_path(cr_, layout.get());
  set_colour(halo);
  cairo_set_line_width(cr_, std::max(1.5, font.size * 0.28));
  cairo_set_line_join(cr_, CAIRO_LINE_JOIN_ROUND);
  cairo_stroke(cr_);
  set_colour(colour);
  cairo_move_to(cr_, left_of(x, size.width, 0, align), y);
  pango_cairo_show_layout(cr_, layout.get());
}

void Drawing::image(const RgbaImage& picture, double x, double y, double w, double h) const {
  if (picture.width < 1 || picture.height < 1) return;
  cairo_surface_t* surface = cairo_image_surface_create(CAIRO_FORMAT_ARGB32, picture.width, picture.height);
  if (cairo_surface_status(surface) != CAIRO_STATUS_SUCCESS) {
    const std::string why = cairo_status_to_string(cairo_surface_status(surface));
    cairo_surface_destroy(surface);
    throw UserError("cannot draw a raster of " + std::to_string(picture.width) + " x " + std::to_string(picture.height) +
                    " pixels (" + why + "): choose a smaller --dpi");
  }
  cairo_surface_flush(surface);
  unsigned char* data = cairo_image_surface_get_data(surface);
  const int stride = cairo_image_surface_get_stride(surface);
  for (int row = 0; row < picture.height; ++row) {
    auto* out = reinterpret_cast<uint32_t*>(data + static_cast<size_t>(row) * stride);
    const uint8_t* in = picture.pixels.data() + static_cast<size_t>(row) * picture.width * 4;
    for (int col = 0; col < picture.width; ++col, in += 4) {
      // Cairo's ARGB32 is premultiplied, in native byte order.
      const uint32_t a = in[3];
      const auto pre = [a](uint32_t v) { return (v * a + 127) / 255; };
      out[col] = (a << 24) | (pre(in[0]) << 16) | (pre(in[1]) << 8) | pre(in[2]);
    }
  }
  cairo_surface_mark_dirty(surface);
  cairo_save(cr_);
  cairo_rectangle(cr_, x, y, w, h);
  cairo_clip(cr_);
  cairo_translate(cr_, x, y);
  cairo_scale(cr_, w / picture.width, h / picture.height);
  cairo_set_source_surface(cr_, surface, 0, 0);
  cairo_pattern_set_filter(cairo_get_source(cr_), CAIRO_FILTER_NEAREST);
  cairo_paint(cr_);
  cairo_restore(cr_);
  cairo_surface_destroy(surface);
  check("drawing an image");
}

void Drawing::set_pdf_metadata(const std::string& title, const std::string& subject) const {
  if (!pdf_) return;
  // Cairo refuses metadata that is not UTF-8 (a title from a Latin-1 file name): made valid.
  const auto valid = [](const std::string& text) {
    gchar* v = g_utf8_make_valid(text.data(), static_cast<gssize>(text.size()));
    std::string out = v;
    g_free(v);
    return out;
  };
  cairo_pdf_surface_set_metadata(surface_, CAIRO_PDF_METADATA_TITLE, valid(title).c_str());
  cairo_pdf_surface_set_metadata(surface_, CAIRO_PDF_METADATA_SUBJECT, valid(subject).c_str());
}

std::string Drawing::png_bytes() const {
  if (pdf_) throw std::logic_error("png_bytes of a PDF page");
  cairo_surface_flush(surface_);
  std::string bytes;
  if (cairo_surface_write_to_png_stream(surface_, append_bytes, &bytes) != CAIRO_STATUS_SUCCESS)
    throw std::runtime_error("Cairo could not encode the PNG");
  return bytes;
}

void Drawing::write_png(const std::filesystem::path& path, PngCompression compression) const {
  if (pdf_) throw std::logic_error("write_png of a PDF page");
  if (compression == PngCompression::fast) return write_png_fast(surface_, path);
  cairo_surface_flush(surface_);
  const cairo_status_t status = cairo_surface_write_to_png(surface_, path.c_str());
  if (status != CAIRO_STATUS_SUCCESS)
    throw UserError("cannot write " + path.string() + ": " + cairo_status_to_string(status));
}

void Drawing::finish() {
  check("drawing the page");
  cairo_surface_finish(surface_);
  const cairo_status_t status = cairo_surface_status(surface_);
  if (status != CAIRO_STATUS_SUCCESS)
    throw UserError(std::string("cannot write the PDF: ") + cairo_status_to_string(status));
}

}  // namespace minerisk::render
