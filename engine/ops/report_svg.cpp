// The report's charts as inline SVG: line charts (contribution curves, capture curves) and
// histograms (a sweep's sd and exceedance). Drawn in a fixed viewBox that the page scales to
// its width; colours come from the page's CSS classes, so print and screen agree.
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <limits>

#include "../render/plot_axes.hpp"
#include "report_parts.hpp"

namespace minerisk::ops::report_parts {
namespace {

constexpr double kWidth = 480, kHeight = 300;
constexpr double kLeft = 62, kRight = 14, kTop = 30, kBottom = 48;

std::string fixed(double v) {
  char text[32];
  std::snprintf(text, sizeof text, "%.1f", v);
  return text;
}

struct Frame {
  double x0, x1, y0, y1;
  double px(double x) const { return kLeft + (x - x0) / (x1 - x0) * (kWidth - kLeft - kRight); }
  double py(double y) const { return kHeight - kBottom - (y - y0) / (y1 - y0) * (kHeight - kTop - kBottom); }
};

// Axes, grid lines, tick labels and the axis titles.
std::string axes(const Frame& f, const std::string& title, const std::string& x_label, const std::string& y_label) {
  std::string out = "<text x=\"" + fixed(kLeft) + "\" y=\"16\" font-weight=\"600\">" + escape(title) + "</text>";
  for (double t : render::nice_ticks(f.x0, f.x1, 5)) {
    const std::string x = fixed(f.px(t));
    out += "<line class=\"grid\" x1=\"" + x + "\" x2=\"" + x + "\" y1=\"" + fixed(kTop) + "\" y2=\"" +
           fixed(kHeight - kBottom) + "\"/><text x=\"" + x + "\" y=\"" + fixed(kHeight - kBottom + 16) +
           "\" text-anchor=\"middle\">" + escape(number(t, 3)) + "</text>";
  }
  for (double t : render::nice_ticks(f.y0, f.y1, 5)) {
    const std::string y = fixed(f.py(t));
    out += "<line class=\"grid\" x1=\"" + fixed(kLeft) + "\" x2=\"" + fixed(kWidth - kRight) + "\" y1=\"" + y +
           "\" y2=\"" + y + "\"/><text x=\"" + fixed(kLeft - 6) + "\" y=\"" + y +
           "\" dy=\"4\" text-anchor=\"end\">" + escape(number(t, 3)) + "</text>";
  }
  out += "<rect class=\"axis\" x=\"" + fixed(kLeft) + "\" y=\"" + fixed(kTop) + "\" width=\"" +
         fixed(kWidth - kLeft - kRight) + "\" height=\"" + fixed(kHeight - kTop - kBottom) + "\"/>";
  out += "<text x=\"" + fixed((kLeft + kWidth - kRight) / 2) + "\" y=\"" + fixed(kHeight - 10) +
         "\" text-anchor=\"middle\">" + escape(x_label) + "</text>";
  out += "<text transform=\"translate(14 " + fixed((kTop + kHeight - kBottom) / 2) +
         ") rotate(-90)\" text-anchor=\"middle\">" + escape(y_label) + "</text>";
  return out;
}

// The CSS class of a series' colour: s0 to s5.
std::string series_class(int colour) {
  std::string cls = "s";
  cls += static_cast<char>('0' + ((colour % 6) + 6) % 6);
  return cls;
}

std::string open_svg(const std::string& label) {
  return "<svg class=\"chart\" viewBox=\"0 0 " + fixed(kWidth) + " " + fixed(kHeight) +
         "\" role=\"img\" aria-label=\"" + escape(label) + "\">";
}

}  // namespace

std::string line_chart(const Chart& chart) {
  double x0 = std::numeric_limits<double>::infinity(), x1 = -x0, y0 = x0, y1 = -x0;
  for (const Series& s : chart.series)
    for (const auto& [x, y] : s.points) {
      if (!std::isfinite(x) || !std::isfinite(y)) continue;
      x0 = std::min(x0, x), x1 = std::max(x1, x), y0 = std::min(y0, y), y1 = std::max(y1, y);
    }
  if (!std::isfinite(x0)) return "<p class=\"note\">" + escape(chart.title) + ": nothing to draw.</p>";
  if (chart.zero_line) y0 = std::min(y0, 0.0), y1 = std::max(y1, 0.0);
  if (!(x1 > x0)) x0 -= 1, x1 += 1;
  if (!(y1 > y0)) y0 -= 1, y1 += 1;
  const double pad = 0.05 * (y1 - y0);
  const Frame f{x0, x1, y0 - pad, y1 + pad};
  std::string out = open_svg(chart.title) + axes(f, chart.title, chart.x_label, chart.y_label);
  if (chart.zero_line && f.y0 < 0 && f.y1 > 0)
    out += "<line class=\"zero\" x1=\"" + fixed(kLeft) + "\" x2=\"" + fixed(kWidth - kRight) + "\" y1=\"" +
           fixed(f.py(0)) + "\" y2=\"" + fixed(f.py(0)) + "\"/>";
  for (const Series& s : chart.series) {
    const std::string cls = series_class(s.colour);
    if (s.markers) {
      for (const auto& [x, y] : s.points)
        if (std::isfinite(x) && std::isfinite(y))
          out += "<circle class=\"" + cls + "\" cx=\"" + fixed(f.px(x)) + "\" cy=\"" + fixed(f.py(y)) + "\" r=\"4\"/>";
      continue;
    }
    std::string d;
    bool pen = false;
    for (const auto& [x, y] : s.points) {
      if (!std::isfinite(x) || !std::isfinite(y)) {
        pen = false;
        continue;
      }
      d += pen ? 'L' : 'M';
      d += fixed(f.px(x)) + " " + fixed(f.py(y)) + " ";
      pen = true;
    }
    out += "<path class=\"series " + cls + (s.dashed ? " dashed" : "") + "\" d=\"" + d + "\"/>";
  }
  // The legend, inside the frame, when there is more than one series.
  if (chart.series.size() > 1) {
    // Top left, or bottom right (its width guessed from the longest label, 7 units a letter).
    size_t longest = 0;
    // Letters, not bytes: a UTF-8 continuation byte (10xxxxxx) starts no letter.
    const auto letters = [](const std::string& text) {
      return static_cast<size_t>(std::count_if(text.begin(), text.end(), [](char c) { return (c & 0xC0) != 0x80; }));
    };
    for (const Series& s : chart.series) longest = std::max(longest, letters(s.label));
    const double lx = chart.legend_bottom_right ? kWidth - kRight - 48 - 7.0 * static_cast<double>(longest) : kLeft;
    double y = chart.legend_bottom_right ? kHeight - kBottom - 8 - 16.0 * static_cast<double>(chart.series.size() - 1)
                                         : kTop + 14;
    for (const Series& s : chart.series) {
      const std::string cls = series_class(s.colour);
      out += "<line class=\"series " + cls + (s.dashed ? " dashed" : "") + "\" x1=\"" + fixed(lx + 8) + "\" x2=\"" +
             fixed(lx + 30) + "\" y1=\"" + fixed(y - 4) + "\" y2=\"" + fixed(y - 4) + "\"/><text x=\"" +
             fixed(lx + 36) + "\" y=\"" + fixed(y) + "\">" + escape(s.label) + "</text>";
      y += 16;
    }
  }
  return out + "</svg>\n";
}

std::string histogram(const std::vector<float>& values, int bins, const std::string& title, const std::string& x_label) {
  double lo = std::numeric_limits<double>::infinity(), hi = -lo;
  size_t n = 0;
  for (float v : values)
    if (std::isfinite(v)) lo = std::min(lo, static_cast<double>(v)), hi = std::max(hi, static_cast<double>(v)), ++n;
  if (n == 0) return "<p class=\"note\">" + escape(title) + ": no cell has a value.</p>";
  if (!(hi > lo)) hi = lo + 1;
  std::vector<double> counts(static_cast<size_t>(bins), 0.0);
  for (float v : values) {
    if (!std::isfinite(v)) continue;
    const auto k = std::min(bins - 1, static_cast<int>((v - lo) / (hi - lo) * bins));
    counts[static_cast<size_t>(std::max(0, k))] += 1;
  }
  double top = 0;
  for (double& c : counts) top = std::max(top, c /= static_cast<double>(n));
  const Frame f{lo, hi, 0, top * 1.05};
  std::string out = open_svg(title) + axes(f, title, x_label, "share of cells");
  for (int k = 0; k < bins; ++k) {
    const double a = lo + (hi - lo) * k / bins, b = lo + (hi - lo) * (k + 1) / bins;
    const double c = counts[static_cast<size_t>(k)];
    if (c <= 0) continue;
    out += "<rect class=\"bar\" x=\"" + fixed(f.px(a) + 0.5) + "\" y=\"" + fixed(f.py(c)) + "\" width=\"" +
           fixed(std::max(0.5, f.px(b) - f.px(a) - 1)) + "\" height=\"" + fixed(f.py(0) - f.py(c)) + "\"><title>" +
           escape(number(a, 3) + " to " + number(b, 3) + ": " + percent(c)) + "</title></rect>";
  }
  return out + "</svg>\n";
}

}  // namespace minerisk::ops::report_parts
