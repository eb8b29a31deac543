#include "minerisk/kernels/line_distance.hpp"

#include <algorithm>
#include <cmath>
#include <stdexcept>

namespace minerisk::kernels {
namespace {

struct Box {
  double xmin, ymin, xmax, ymax;
};

// Bounds of the cell centres of a window, in CRS units.
Box centre_box(const Window& w, const GridFrame& f) {
  const double xa = f.centre_x(w.col0), xb = f.centre_x(w.col0 + w.width - 1);
  const double ya = f.centre_y(w.row0), yb = f.centre_y(w.row0 + w.height - 1);
  return {std::min(xa, xb), std::min(ya, yb), std::max(xa, xb), std::max(ya, yb)};
}

// Smallest and largest metres-per-unit over the window's rows, for conservative bounds.
void scale_bounds(const Window& w, const GridFrame& f, double& lo, double& hi) {
  lo = std::numeric_limits<double>::infinity();
  hi = 0.0;
  // The scale is monotonic in latitude over a hemisphere; checking the first, last and a
  // row at the equator (if crossed) is enough, but rows are cheap so check them all.
  for (int64_t r = 0; r < w.height; ++r) {
    const MetricScale s = f.scale_at_row(w.row0 + r);
    lo = std::min({lo, s.x, s.y});
    hi = std::max({hi, s.x, s.y});
  }
}

double box_gap(double a0, double a1, double b0, double b1) { return std::max({0.0, b0 - a1, a0 - b1}); }

// Exact distance in metres from (px, py) to a segment, with CRS units scaled by (sx, sy).
inline double point_segment_metres(double px, double py, const Segment& s, double sx, double sy) {
  const double ax = (s.x0 - px) * sx, ay = (s.y0 - py) * sy;
  const double bx = (s.x1 - px) * sx, by = (s.y1 - py) * sy;
  const double dx = bx - ax, dy = by - ay;
  const double len2 = dx * dx + dy * dy;
  double t = len2 > 0 ? -(ax * dx + ay * dy) / len2 : 0.0;
  t = std::clamp(t, 0.0, 1.0);
  const double qx = ax + t * dx, qy = ay + t * dy;
  return std::sqrt(qx * qx + qy * qy);
}

}  // namespace

std::vector<Segment> segments_near_window(std::span<const Segment> segments, const Window& window,
                                          const GridFrame& frame, double cap) {
  std::vector<Segment> kept;
  if (segments.empty() || window.cells() == 0) return kept;
  const Box box = centre_box(window, frame);
  double scale_lo = 0, scale_hi = 0;
  scale_bounds(window, frame, scale_lo, scale_hi);
  // Lower bound: gap between the centre box and the segment's box. Upper bound: the farthest
  // corner of the centre box from the segment's first endpoint.
  std::vector<double> lower(segments.size());
  double best_upper = std::numeric_limits<double>::infinity();
  for (size_t i = 0; i < segments.size(); ++i) {
    const Segment& s = segments[i];
    const double gx = box_gap(box.xmin, box.xmax, std::min(s.x0, s.x1), std::max(s.x0, s.x1));
    const double gy = box_gap(box.ymin, box.ymax, std::min(s.y0, s.y1), std::max(s.y0, s.y1));
    lower[i] = std::hypot(gx, gy) * scale_lo;
    const double fx = std::max(std::abs(s.x0 - box.xmin), std::abs(s.x0 - box.xmax));
    const double fy = std::max(std::abs(s.y0 - box.ymin), std::abs(s.y0 - box.ymax));
    best_upper = std::min(best_upper, std::hypot(fx, fy) * scale_hi);
  }
  // Slack absorbs rounding in the bounds so a segment at exactly the limit is never lost.
  const double limit = std::min(best_upper, cap) * (1.0 + 1e-9) + 1e-6;
  for (size_t i = 0; i < segments.size(); ++i)
    if (lower[i] <= limit) kept.push_back(segments[i]);
  return kept;
}

void line_distance_metres(std::span<const Segment> segments, const Window& w, const GridFrame& frame,
                          std::span<float> out, double cap) {
  if (static_cast<int64_t>(out.size()) != w.cells())
    throw std::invalid_argument("line_distance_metres: output size does not match the window");
  const std::vector<Segment> near = segments_near_window(segments, w, frame, cap);
  for (int64_t r = 0; r < w.height; ++r) {
    const MetricScale scale = frame.scale_at_row(w.row0 + r);
    const double py = frame.centre_y(w.row0 + r);
    float* dst = out.data() + r * w.width;
    for (int64_t c = 0; c < w.width; ++c) {
      const double px = frame.centre_x(w.col0 + c);
      double best = cap;
      for (const Segment& s : near) best = std::min(best, point_segment_metres(px, py, s, scale.x, scale.y));
      dst[c] = static_cast<float>(best);
    }
  }
}

}  // namespace minerisk::kernels
