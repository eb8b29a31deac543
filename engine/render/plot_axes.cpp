#include "plot_axes.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <numbers>

namespace minerisk::render {
namespace {

// A line one pixel wide on a PNG page (half a point on a PDF page).
double thin(const Drawing& d) { return d.pixel_scale() > 1 ? 1.0 / d.pixel_scale() : 0.5; }

constexpr double kTickLength = 3, kGap = 2.5;

}  // namespace

std::vector<double> nice_ticks(double lo, double hi, int count) {
  if (!(hi > lo) || !std::isfinite(lo) || !std::isfinite(hi)) return {lo};
  const double raw = (hi - lo) / std::max(1, count);
  const double magnitude = std::pow(10.0, std::floor(std::log10(raw)));
  const double norm = raw / magnitude;
  const double step = (norm < 1.5 ? 1 : norm < 3 ? 2 : norm < 7 ? 5 : 10) * magnitude;
  const double slack = step * 1e-9;
  std::vector<double> ticks;
  for (double k = std::ceil((lo - slack) / step);; ++k) {
    double v = k * step;
    if (v > hi + slack) break;
    if (std::abs(v) < slack) v = 0;
    ticks.push_back(v);
  }
  return ticks;
}

std::string tick_label(double value, double step) {
  int decimals = 0;
  step = std::abs(step);
  while (decimals < 6 && step > 0 && std::abs(step * std::pow(10.0, decimals) - std::round(step * std::pow(10.0, decimals))) > 1e-6)
    ++decimals;
  char text[48];
  std::snprintf(text, sizeof text, "%.*f", decimals, value);
  std::string s = text;
  if (s.find_first_not_of("-0.") == std::string::npos) return decimals ? "0." + std::string(decimals, '0') : "0";
  if (s[0] == '-') s = "\u2212" + s.substr(1);
  return s;
}

double pixel_centre(const Drawing& drawing, double v) {
  const double s = drawing.pixel_scale();
  return (std::floor(v * s) + 0.5) / s;
}

PlotAxes::PlotAxes(const Drawing& drawing, double x, double y, double width, double height, double x_lo, double x_hi,
                   double y_lo, double y_hi, PlotStyle style)
    : drawing_(drawing),
      style_(std::move(style)),
      left_(pixel_centre(drawing, x)),
      top_(pixel_centre(drawing, y)),
      right_(pixel_centre(drawing, x + width)),
      bottom_(pixel_centre(drawing, y + height)),
      x_lo_(x_lo),
      x_hi_(x_hi > x_lo ? x_hi : x_lo + 1),
      y_lo_(y_lo),
      y_hi_(y_hi > y_lo ? y_hi : y_lo + 1),
      x_labels_bottom_(bottom_ + kTickLength),
      y_labels_left_(left_ - kTickLength) {}

double PlotAxes::px(double x) const { return left_ + (x - x_lo_) / (x_hi_ - x_lo_) * (right_ - left_); }
double PlotAxes::py(double y) const { return bottom_ - (y - y_lo_) / (y_hi_ - y_lo_) * (bottom_ - top_); }

void PlotAxes::grid(const std::vector<double>& x_ticks, const std::vector<double>& y_ticks) const {
  const double w = thin(drawing_);
  for (double t : x_ticks) {
    const double x = pixel_centre(drawing_, px(t));
    if (x > left_ + w && x < right_ - w) drawing_.line(x, top_, x, bottom_, style_.grid, w);
  }
  for (double t : y_ticks) {
    const double y = pixel_centre(drawing_, py(t));
    if (y > top_ + w && y < bottom_ - w) drawing_.line(left_, y, right_, y, style_.grid, w);
  }
}

void PlotAxes::frame() const {
  drawing_.stroke_rect(left_, top_, right_ - left_, bottom_ - top_, style_.ink, thin(drawing_));
}

void PlotAxes::x_ticks(const std::vector<double>& ticks, const std::vector<std::string>& labels) {
  const double w = thin(drawing_);
  for (size_t i = 0; i < ticks.size(); ++i) {
    const double x = pixel_centre(drawing_, px(ticks[i]));
    drawing_.line(x, bottom_, x, bottom_ + kTickLength, style_.ink, w);
    if (i >= labels.size()) continue;
    const TextSize size = drawing_.text(x, bottom_ + kTickLength + 1, labels[i], style_.tick, style_.ink, Align::centre);
    x_labels_bottom_ = std::max(x_labels_bottom_, bottom_ + kTickLength + 1 + size.height);
  }
}

void PlotAxes::y_ticks(const std::vector<double>& ticks, const std::vector<std::string>& labels) {
  const double w = thin(drawing_);
  for (size_t i = 0; i < ticks.size(); ++i) {
    const double y = pixel_centre(drawing_, py(ticks[i]));
    drawing_.line(left_ - kTickLength, y, left_, y, style_.ink, w);
    if (i >= labels.size()) continue;
    const TextSize size = drawing_.measure(labels[i], style_.tick);
    const double x = left_ - kTickLength - kGap;
    drawing_.text(x, y - size.height / 2, labels[i], style_.tick, style_.ink, Align::right);
    y_labels_left_ = std::min(y_labels_left_, x - size.width);
  }
}

void PlotAxes::x_title(const std::string& text) const {
  drawing_.text((left_ + right_) / 2, x_labels_bottom_ + 2, text, style_.axis_title, style_.ink, Align::centre);
}

void PlotAxes::y_title(const std::string& text) const {
  const TextSize size = drawing_.measure(text, style_.axis_title);
  cairo_t* cr = drawing_.cr();
  cairo_save(cr);
  // Turned a quarter anticlockwise: the text's top faces left, its bottom the tick labels.
  cairo_translate(cr, y_labels_left_ - kGap - size.height, (top_ + bottom_) / 2);
  cairo_rotate(cr, -std::numbers::pi / 2);
  drawing_.text(0, 0, text, style_.axis_title, style_.ink, Align::centre);
  cairo_restore(cr);
}

void PlotAxes::polyline(const std::vector<double>& xs, const std::vector<double>& ys, const Colour& colour,
                        double width, const std::vector<double>& dashes) const {
  const size_t n = std::min(xs.size(), ys.size());
  if (n < 2) return;
  cairo_t* cr = drawing_.cr();
  cairo_save(cr);
  cairo_rectangle(cr, left_, top_, right_ - left_, bottom_ - top_);
  cairo_clip(cr);
  cairo_move_to(cr, px(xs[0]), py(ys[0]));
  for (size_t i = 1; i < n; ++i) cairo_line_to(cr, px(xs[i]), py(ys[i]));
  if (!dashes.empty()) cairo_set_dash(cr, dashes.data(), static_cast<int>(dashes.size()), 0);
  cairo_set_line_join(cr, CAIRO_LINE_JOIN_ROUND);
  cairo_set_line_cap(cr, dashes.empty() ? CAIRO_LINE_CAP_ROUND : CAIRO_LINE_CAP_BUTT);
  cairo_set_line_width(cr, width);
  drawing_.set_colour(colour);
  cairo_stroke(cr);
  cairo_restore(cr);
}

void PlotAxes::markers(const std::vector<double>& xs, const std::vector<double>& ys, const Colour& colour,
                       double radius) const {
  cairo_t* cr = drawing_.cr();
  for (size_t i = 0; i < std::min(xs.size(), ys.size()); ++i) {
    cairo_new_path(cr);
    cairo_arc(cr, px(xs[i]), py(ys[i]), radius, 0, 2 * std::numbers::pi);
    drawing_.set_colour(colour);
    cairo_fill_preserve(cr);
    drawing_.set_colour({1, 1, 1, 1});
    cairo_set_line_width(cr, radius * 0.5);
    cairo_stroke(cr);
  }
}

void PlotAxes::label_along(double x0, double y0, double x1, double y1, const std::string& text, const Font& font,
                           const Colour& colour, double offset) const {
  const double ax = px(x0), ay = py(y0), bx = px(x1), by = py(y1);
  const double height = drawing_.measure(text, font).height;
  cairo_t* cr = drawing_.cr();
  cairo_save(cr);
  cairo_translate(cr, (ax + bx) / 2, (ay + by) / 2);
  cairo_rotate(cr, std::atan2(by - ay, bx - ax));
  drawing_.text(0, offset >= 0 ? offset : offset - height, text, font, colour, Align::centre);
  cairo_restore(cr);
}

}  // namespace minerisk::render
