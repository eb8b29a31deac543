#pragma once
// Axes for the plots (the capture curve, the learned curves): a plot area on a Drawing with data
// coordinates mapped into it, round tick values with their labels, a light grid, axis titles,
// and lines and markers in data coordinates.
#include <string>
#include <vector>

#include "drawing.hpp"

namespace minerisk::render {

/// Tick values covering [lo, hi] at a round step (1, 2 or 5 times a power of ten) giving about
/// `count` of them, every one inside [lo, hi] (to a rounding).
std::vector<double> nice_ticks(double lo, double hi, int count = 5);

/// `value` with as many decimals as the step between ticks needs ("0.25", "1500", "-0.5"), a
/// true minus sign (U+2212) for negatives and "0" for a rounding error around zero.
std::string tick_label(double value, double step);

/// The plots' colours and type.
struct PlotStyle {
  Colour ink = Colour::rgb(33, 33, 33);
  Colour muted = Colour::rgb(105, 105, 105);
  Colour grid = Colour::rgb(228, 228, 228);
  Font tick{7.5};
  Font axis_title{8};
  Font title{11, true};
};

class PlotAxes {
 public:
  /// A plot area (x, y, width, height in points on `drawing`, top-left corner first) showing
  /// data x from x_lo to x_hi and y from y_lo to y_hi (y upwards). The area's edges are moved to
  /// the middle of the nearest pixel of a PNG page, so that thin lines on them stay sharp.
  PlotAxes(const Drawing& drawing, double x, double y, double width, double height, double x_lo, double x_hi,
           double y_lo, double y_hi, PlotStyle style = {});

  double left() const { return left_; }
  double top() const { return top_; }
  double right() const { return right_; }
  double bottom() const { return bottom_; }
  /// The page position of data x and y.
  double px(double x) const;
  double py(double y) const;

  /// Light lines across the area at the ticks.
  void grid(const std::vector<double>& x_ticks, const std::vector<double>& y_ticks) const;
  /// The frame around the area.
  void frame() const;
  /// Tick marks below the area and labels under them (labels[i] for ticks[i]).
  void x_ticks(const std::vector<double>& ticks, const std::vector<std::string>& labels);
  /// Tick marks left of the area and labels right-aligned beside them.
  void y_ticks(const std::vector<double>& ticks, const std::vector<std::string>& labels);
  /// The x axis title, centred under the tick labels.
  void x_title(const std::string& text) const;
  /// The y axis title, turned a quarter to read upwards, left of the tick labels.
  void y_title(const std::string& text) const;

  /// A line through the points (xs[i], ys[i]), clipped to the area; dashed when `dashes` (in
  /// points, on and off) is given.
  void polyline(const std::vector<double>& xs, const std::vector<double>& ys, const Colour& colour, double width,
                const std::vector<double>& dashes = {}) const;
  /// A filled dot of `radius` points at each point, with a white ring so it stands off the line.
  void markers(const std::vector<double>& xs, const std::vector<double>& ys, const Colour& colour,
               double radius) const;
  /// Text along the line from data (x0, y0) to (x1, y1), centred on its middle: `offset` points
  /// below the line (its top edge) when offset >= 0, -offset points above it (its bottom edge)
  /// when negative.
  void label_along(double x0, double y0, double x1, double y1, const std::string& text, const Font& font,
                   const Colour& colour, double offset) const;

  const PlotStyle& style() const { return style_; }

 private:
  const Drawing& drawing_;
  PlotStyle style_;
  double left_, top_, right_, bottom_;
  double x_lo_, x_hi_, y_lo_, y_hi_;
  double x_labels_bottom_, y_labels_left_;  // where the tick labels end: the titles go beyond
};

/// A page position moved to the middle of its pixel on `drawing` (a PNG page), so that a line
/// one pixel wide there is sharp; unchanged on a PDF page.
double pixel_centre(const Drawing& drawing, double v);

}  // namespace minerisk::render
