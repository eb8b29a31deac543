#include "minerisk/kernels/line_distance.hpp"

#include <algorithm>
#include <cmath>
#include <numeric>
#include <stdexcept>

namespace minerisk::kernels {
namespace {

constexpr int64_t kBlock = 16;  // cells per side of the second pruning level

struct Box {
  double xmin, ymin, xmax, ymax;
};

// Bounds of the cell centres of a window, in CRS units.
Box centre_box(const Window& w, const GridFrame& f) {
  const double xa = f.centre_x(w.col0), xb = f.centre_x(w.col0 + w.width - 1);
  const double ya = f.centre_y(w.row0), yb = f.centre_y(w.row0 + w.height - 1);
  return {std::min(xa, xb), std::min(ya, yb), std::max(xa, xb), std::max(ya, yb)};
}

// Smallest and largest metres per unit over the window's rows, for conservative bounds.
void scale_bounds(const Window& w, const GridFrame& f, double& lo, double& hi) {
  if (!f.geographic) {
    lo = hi = f.linear_unit;
    return;
  }
  lo = std::numeric_limits<double>::infinity();
  hi = 0.0;
  for (int64_t r = 0; r < w.height; ++r) {
    const MetricScale s = f.scale_at_row(w.row0 + r);
    lo = std::min({lo, s.x, s.y});
    hi = std::max({hi, s.x, s.y});
  }
}

double box_gap(double a0, double a1, double b0, double b1) { return std::max({0.0, b0 - a1, a0 - b1}); }

// Squared distance in metres from (px, py) to a segment, with CRS units scaled by (sx, sy);
// `t` receives the position of the nearest point along the segment, in [0, 1].
inline double squared_distance(double px, double py, const Segment& s, double sx, double sy, double& t) {
  const double ax = (s.x0 - px) * sx, ay = (s.y0 - py) * sy;
  const double dx = (s.x1 - s.x0) * sx, dy = (s.y1 - s.y0) * sy;
  const double len2 = dx * dx + dy * dy;
  t = len2 > 0 ? std::clamp(-(ax * dx + ay * dy) / len2, 0.0, 1.0) : 0.0;
  const double qx = ax + t * dx, qy = ay + t * dy;
  return qx * qx + qy * qy;
}

inline double cross(double ax, double ay, double bx, double by) { return ax * by - ay * bx; }

// +1 if (px, py) is on the left of the line at its nearest point on segment `i` (at `t`), else -1.
double side(std::span<const Segment> segments, uint32_t i, double t, double px, double py) {
  const Segment& s = segments[i];
  const double dx = s.x1 - s.x0, dy = s.y1 - s.y0;
  // At a joint, the point lies on the outside of the turn: right of a left turn and vice versa.
  const int32_t other = t <= 0.0 ? s.prev : (t >= 1.0 ? s.next : -1);
  if (other >= 0) {
    const Segment& o = segments[static_cast<size_t>(other)];
    const double turn = t <= 0.0 ? cross(o.x1 - o.x0, o.y1 - o.y0, dx, dy) : cross(dx, dy, o.x1 - o.x0, o.y1 - o.y0);
    if (turn != 0.0) return turn > 0 ? -1.0 : 1.0;
  }
  return cross(dx, dy, px - s.x0, py - s.y0) >= 0 ? 1.0 : -1.0;
}

}  // namespace

void link_polyline(std::span<Segment> segments, size_t first, size_t count, bool closed) {
  for (size_t k = 0; k < count; ++k) {
    Segment& s = segments[first + k];
    s.prev = k > 0 ? static_cast<int32_t>(first + k - 1) : (closed ? static_cast<int32_t>(first + count - 1) : -1);
    s.next = k + 1 < count ? static_cast<int32_t>(first + k + 1) : (closed ? static_cast<int32_t>(first) : -1);
  }
}

std::vector<uint32_t> segments_near_window(std::span<const Segment> segments, std::span<const uint32_t> candidates,
                                           const Window& window, const GridFrame& frame, double cap) {
  std::vector<uint32_t> kept;
  if (candidates.empty() || window.cells() == 0) return kept;
  const Box box = centre_box(window, frame);
  double scale_lo = 0, scale_hi = 0;
  scale_bounds(window, frame, scale_lo, scale_hi);
  // Lower bound: the gap between the centre box and the segment's box. Upper bound: the
  // farthest corner of the centre box from the segment's first point.
  std::vector<double> lower(candidates.size());
  double best_upper = std::numeric_limits<double>::infinity();
  for (size_t k = 0; k < candidates.size(); ++k) {
    const Segment& s = segments[candidates[k]];
    const double gx = box_gap(box.xmin, box.xmax, std::min(s.x0, s.x1), std::max(s.x0, s.x1));
    const double gy = box_gap(box.ymin, box.ymax, std::min(s.y0, s.y1), std::max(s.y0, s.y1));
    lower[k] = std::hypot(gx, gy) * scale_lo;
    const double fx = std::max(std::abs(s.x0 - box.xmin), std::abs(s.x0 - box.xmax));
    const double fy = std::max(std::abs(s.y0 - box.ymin), std::abs(s.y0 - box.ymax));
    best_upper = std::min(best_upper, std::hypot(fx, fy) * scale_hi);
  }
  // Slack absorbs rounding in the bounds so a segment at exactly the limit is never lost.
  const double limit = std::min(best_upper, cap) * (1.0 + 1e-9) + 1e-6;
  for (size_t k = 0; k < candidates.size(); ++k)
    if (lower[k] <= limit) kept.push_back(candidates[k]);
  return kept;
}

void line_distance_metres(std::span<const Segment> segments, const Window& w, const GridFrame& frame,
                          std::span<float> out, double cap, bool signed_distance) {
  if (static_cast<int64_t>(out.size()) != w.cells())
    throw std::invalid_argument("line_distance_metres: output size does not match the window");
  std::vector<uint32_t> all(segments.size());
  std::iota(all.begin(), all.end(), 0u);
  const std::vector<uint32_t> near_window = segments_near_window(segments, all, w, frame, cap);
  const double cap2 = cap * cap;
  for (int64_t br = 0; br < w.height; br += kBlock)
    for (int64_t bc = 0; bc < w.width; bc += kBlock) {
      const Window block{w.col0 + bc, w.row0 + br, std::min(kBlock, w.width - bc), std::min(kBlock, w.height - br)};
      const std::vector<uint32_t> near = segments_near_window(segments, near_window, block, frame, cap);
      for (int64_t r = 0; r < block.height; ++r) {
        const MetricScale scale = frame.scale_at_row(block.row0 + r);
        const double py = frame.centre_y(block.row0 + r);
        float* dst = out.data() + (br + r) * w.width + bc;
        for (int64_t c = 0; c < block.width; ++c) {
          const double px = frame.centre_x(block.col0 + c);
          double best = cap2, best_t = 0.0, t = 0.0;
          int64_t best_index = -1;
          for (uint32_t i : near) {
            const double d2 = squared_distance(px, py, segments[i], scale.x, scale.y, t);
            if (d2 < best) best = d2, best_t = t, best_index = i;
          }
          double d = best_index < 0 ? cap : std::sqrt(best);
          if (signed_distance && best_index >= 0) d *= side(segments, static_cast<uint32_t>(best_index), best_t, px, py);
          dst[c] = static_cast<float>(d);
        }
      }
    }
}

}  // namespace minerisk::kernels
