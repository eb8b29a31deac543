// The plots' text, as a reader gets it: the capture curve and the learned curves drawn to PDF
// and read back with pdftotext (poppler-utils), a title in Azerbaijani with its own letters;
// the same title in a PNG inked over its whole measured width; and the axes' round ticks.
#include <gtest/gtest.h>

#include <cairo.h>

#include <array>
#include <cstdio>
#include <filesystem>
#include <memory>
#include <string>
#include <unistd.h>

#include "minerisk/engine/ops/evaluate.hpp"
#include "ops/fit_curves.hpp"
#include "render/drawing.hpp"
#include "render/plot_axes.hpp"

using namespace minerisk;

namespace {

const std::string kTitle = "\xC5\x9E\xC4\xB1xl\xC4\xB1 \xE2\x80\x94 A\xC4\x9F" "dam";  // Şıxlı — Ağdam

// A scratch folder, removed with everything in it at the end of the test.
struct Scratch {
  std::filesystem::path folder =
      std::filesystem::temp_directory_path() / ("minerisk_plots_" + std::to_string(::getpid()));
  Scratch() { std::filesystem::create_directories(folder); }
  ~Scratch() { std::filesystem::remove_all(folder); }
  std::filesystem::path operator/(const std::string& name) const { return folder / name; }
};

std::string without_spaces(const std::string& text) {
  std::string out;
  for (char c : text)
    if (c != ' ' && c != '\n' && c != '\f') out += c;
  return out;
}

// The text of a PDF as pdftotext reads it, in drawing order, without spaces or line breaks (it
// breaks text drawn at an angle into letters), or "" when it cannot run.
std::string pdf_text(const std::filesystem::path& pdf) {
  const std::string command = "pdftotext -raw -enc UTF-8 '" + pdf.string() + "' - 2>/dev/null";
  std::unique_ptr<FILE, int (*)(FILE*)> pipe(popen(command.c_str(), "r"), pclose);
  if (!pipe) return "";
  std::string text;
  std::array<char, 4096> buffer{};
  size_t n;
  while ((n = fread(buffer.data(), 1, buffer.size(), pipe.get())) > 0) text.append(buffer.data(), n);
  return without_spaces(text);
}

Evaluation sample_evaluation() {
  Evaluation e;
  e.metrics.roc_auc = 0.8123;
  e.metrics.average_precision = 0.2345;
  e.metrics.area_fractions = {0.01, 0.05, 0.10, 0.20};
  e.metrics.captured = {0.08, 0.3, 0.456, 0.7};
  for (int i = 0; i <= 100; ++i) e.capture_curve.push_back(1.0 - (1.0 - i / 100.0) * (1.0 - i / 100.0));
  return e;
}

// The first column and one past the last column holding dark ink in the rows [top, bottom).
std::pair<int, int> ink_columns(cairo_surface_t* png, int top, int bottom) {
  const unsigned char* data = cairo_image_surface_get_data(png);
  const int stride = cairo_image_surface_get_stride(png), width = cairo_image_surface_get_width(png);
  int first = width, last = -1;
  for (int y = top; y < bottom; ++y)
    for (int x = 0; x < width; ++x) {
      const auto pixel = *reinterpret_cast<const uint32_t*>(data + static_cast<size_t>(y) * stride + x * 4);
      const int green = (pixel >> 8) & 0xff;
      if (green < 128) first = std::min(first, x), last = std::max(last, x);
    }
  return {first, last + 1};
}

}  // namespace

TEST(Plots, CapturePlotTextReadsBackFromThePdf) {
  const Scratch scratch;
  const auto pdf = scratch / "capture.pdf";
  write_capture_plot(sample_evaluation(), pdf, kTitle);
  const std::string text = pdf_text(pdf);
  ASSERT_FALSE(text.empty()) << "pdftotext gave nothing (poppler-utils is installed by scripts/setup)";
  for (const std::string& want : {kTitle, std::string("ROC-AUC 0.812"), std::string("PR-AUC 0.234"),
                                  std::string("Share of the area, riskiest first"), std::string("Random ranking"),
                                  std::string("45.6"), std::string("holds"), std::string("0 % 25 % 50 % 75 % 100 %"),
                                  std::string("Share of the true items captured")})
    EXPECT_NE(text.find(without_spaces(want)), std::string::npos) << want << " not in:\n" << text;
}

TEST(Plots, LearnedCurvesTextReadsBackFromThePdf) {
  const Scratch scratch;
  const auto pdf = scratch / "curves.pdf";
  fit_detail::write_curves_plot({{kTitle, {0, 250, 1000, 2600}, {0, -0.4, -1.1, -1.3}},
                                 {"slope", {0, 5, 12, 30}, {0, 0.2, 0.9, 1.0}}},
                                pdf);
  const std::string text = pdf_text(pdf);
  ASSERT_FALSE(text.empty()) << "pdftotext gave nothing (poppler-utils is installed by scripts/setup)";
  // The layer names, round ticks with a true minus, the axis titles.
  for (const std::string& want : {kTitle, std::string("slope"), std::string("Learned curves"), std::string("2000"),
                                  std::string("\xE2\x88\x92" "1"), std::string("Layer value"), std::string("Log-odds")})
    EXPECT_NE(text.find(without_spaces(want)), std::string::npos) << want << " not in:\n" << text;
}

TEST(Plots, PngTitleIsInkedOverItsMeasuredWidth) {
  // The title's glyphs are all drawn: its ink spans the width Pango measures for it, to a few
  // pixels (a font without ş, ı or ğ would leave gaps or boxes of another width).
  const Scratch scratch;
  const auto png_path = scratch / "capture.png";
  write_capture_plot(sample_evaluation(), png_path, kTitle);
  cairo_surface_t* png = cairo_image_surface_create_from_png(png_path.c_str());
  ASSERT_EQ(cairo_surface_status(png), CAIRO_STATUS_SUCCESS);
  const render::Drawing probe = render::Drawing::png(10, 10, 144);
  const double width_px = probe.measure(kTitle, render::PlotStyle{}.title).width * 2;  // 144 dpi: 2 px a point
  const auto [first, end] = ink_columns(png, 18, 48);  // the title's rows: 9 to 24 points down
  EXPECT_NEAR(first, 28, 3);                          // 14 points in
  EXPECT_NEAR(end - first, width_px, 4);
  cairo_surface_destroy(png);
}

TEST(PlotAxes, TicksAreRoundAndLabelsCarryTheirStepsDecimals) {
  const auto tenths = render::nice_ticks(0, 1, 4);
  ASSERT_EQ(tenths.size(), 6u);
  for (size_t i = 0; i < tenths.size(); ++i) EXPECT_NEAR(tenths[i], 0.2 * static_cast<double>(i), 1e-12);
  EXPECT_EQ(render::nice_ticks(-1.37, 0.12, 4), (std::vector<double>{-1.0, -0.5, 0}));
  EXPECT_EQ(render::nice_ticks(3, 3), (std::vector<double>{3}));
  const auto big = render::nice_ticks(12.5, 3812, 4);
  EXPECT_EQ(big, (std::vector<double>{1000, 2000, 3000}));
  EXPECT_EQ(render::tick_label(0.25, 0.25), "0.25");
  EXPECT_EQ(render::tick_label(-1.5, 0.5), "\xE2\x88\x92" "1.5");
  EXPECT_EQ(render::tick_label(-1e-17, 0.5), "0.0");
  EXPECT_EQ(render::tick_label(2000, 1000), "2000");
}
