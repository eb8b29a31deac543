#include "line_distance_prune.hpp"

#include <algorithm>
#include <cmath>
#include <limits>

namespace minerisk::kernels::detail {
namespace {

constexpr double kInf = std::numeric_limits<double>::infinity();

// Squared distance from (px, py) to the segment (x0, y0)-(x1, y1), CRS units scaled by (sx, sy);
// `t` receives the position of the nearest point along the segment.
inline double squared_to_segment(double px, double py, double x0, double y0, double x1, double y1, double sx,
                                 double sy, double& t) {
  const double ax = (x0 - px) * sx, ay = (y0 - py) * sy;
  const double dx = (x1 - x0) * sx, dy = (y1 - y0) * sy;
  const double len2 = dx * dx + dy * dy;
  t = len2 > 0 ? std::clamp(-(ax * dx + ay * dy) / len2, 0.0, 1.0) : 0.0;
  const double qx = ax + t * dx, qy = ay + t * dy;
  return qx * qx + qy * qy;
}

// Squared lower bounds, in metres, from a rectangle's cells to one segment: the gap between the
// boxes, and the distance from the rectangle's inner point (both in the smallest metric over
// its rows, which no row's metric undercuts).
struct Measure {
  double gap2, centre2;
};

inline Measure measure(const Bounds& b, double x0, double y0, double x1, double y1) {
  const double gx = std::max({0.0, std::min(x0, x1) - b.xmax, b.xmin - std::max(x0, x1)}) * b.sx_lo;
  const double gy = std::max({0.0, std::min(y0, y1) - b.ymax, b.ymin - std::max(y0, y1)}) * b.sy_lo;
  double t = 0;
  return {gx * gx + gy * gy, squared_to_segment(b.cx, b.cy, x0, y0, x1, y1, b.sx_lo, b.sy_lo, t)};
}

// Keeps the segments `coords(k)`, k < n, whose lower bound does not exceed the smallest upper
// bound of any of them (nor the cap): the others are farther than that segment from every cell,
// so they can never be the nearest, not even tied. Calls keep(k, centre2) in increasing k.
template <class Coords, class Keep>
void prune(size_t n, Coords coords, const Bounds& b, double cap, Keep keep) {
  thread_local std::vector<Measure> m;
  m.resize(n);
  double nearest2 = kInf;
  for (size_t k = 0; k < n; ++k) {
    const auto [x0, y0, x1, y1] = coords(k);
    m[k] = measure(b, x0, y0, x1, y1);
    // A coordinate that is not finite makes every distance to the segment NaN, centre2 too:
    // std::min passes it over, and it is not kept below (it is never the nearest).
    nearest2 = std::min(nearest2, m[k].centre2);
  }
  // Every centre lies within reach_hi of (cx, cy) in its own row's metric, which stretches the
  // smallest one by at most `stretch`: no cell is farther than `upper` from the nearest segment.
  double upper = b.stretch * std::sqrt(nearest2) + b.reach_hi;
  if (!(upper < kInf)) upper = kInf;  // 0 x inf at a pole: no bound
  // Slack absorbs rounding in the bounds and in the distances of the cells, so a segment at
  // exactly the limit is never lost.
  const double limit = std::min(upper, cap) * (1.0 + 1e-9) + 1e-6;
  const double gap_limit2 = limit * limit, centre_limit2 = (limit + b.reach_lo) * (limit + b.reach_lo);
  for (size_t k = 0; k < n; ++k)
    if (m[k].gap2 <= gap_limit2 && m[k].centre2 <= centre_limit2) keep(k, m[k].centre2);
}

// Removes from `kept` the candidates that no cell of the rectangle `b` bounds can have as its
// nearest because one point `a` of candidate `top` is nearer to every cell than they are.
//
// For a point q of segment j, |p - q|^2 - |p - a|^2 is linear in the cell p (concave when q's
// distance is taken in the smallest metric over the rows and a's in the largest), so its least
// value over the box of centres is at a corner. If j is farther (in the smallest metric) from
// each corner than a is (in the largest), it is farther from every cell than a, hence than
// `top`. The margin it must win by is relative to a's distance from the farthest corner, which
// no cell exceeds, so it stays far above the rounding of any cell's distances (relative, and
// absolute from long segments): no candidate that could tie is removed.
void drop_dominated(const Candidates& c, const Bounds& b, uint32_t top, std::vector<uint32_t>& kept) {
  double t = 0;
  squared_to_segment(b.cx, b.cy, c.x0[top], c.y0[top], c.x1[top], c.y1[top], b.sx_lo, b.sy_lo, t);
  const double ax = c.x0[top] + t * (c.x1[top] - c.x0[top]), ay = c.y0[top] + t * (c.y1[top] - c.y0[top]);
  const double corner_x[4] = {b.xmin, b.xmax, b.xmin, b.xmax}, corner_y[4] = {b.ymin, b.ymin, b.ymax, b.ymax};
  double beaten2[4], farthest2 = 0.0;  // what j must exceed at each corner
  for (int q = 0; q < 4; ++q) {
    const double ex = (ax - corner_x[q]) * b.sx_hi, ey = (ay - corner_y[q]) * b.sy_hi;
    beaten2[q] = ex * ex + ey * ey;
    farthest2 = std::max(farthest2, beaten2[q]);
  }
  for (double& d2 : beaten2) d2 += farthest2 * 1e-8 + 1e-6;  // a NaN stays NaN: nothing is removed
  auto dominated = [&](uint32_t j) {
    bool farther = true;
    for (int q = 0; q < 4; ++q)
      farther &= squared_to_segment(corner_x[q], corner_y[q], c.x0[j], c.y0[j], c.x1[j], c.y1[j], b.sx_lo, b.sy_lo, t) >
                 beaten2[q];
    return farther;
  };
  std::erase_if(kept, dominated);
}

struct Coords4 {
  double x0, y0, x1, y1;
};

}  // namespace

Centres centres_of(const Window& w, const GridFrame& f) {
  Centres c;
  c.width = w.width;
  const int64_t padded = (w.width + kLanes - 1) / kLanes * kLanes;
  c.x.resize(static_cast<size_t>(padded));
  for (int64_t k = 0; k < padded; ++k) c.x[static_cast<size_t>(k)] = f.centre_x(w.col0 + k);
  c.y.resize(static_cast<size_t>(w.height));
  c.scale.resize(static_cast<size_t>(w.height));
  for (int64_t r = 0; r < w.height; ++r) {
    c.y[static_cast<size_t>(r)] = f.centre_y(w.row0 + r);
    c.scale[static_cast<size_t>(r)] = f.scale_at_row(w.row0 + r);
  }
  c.uniform = !f.geographic;
  return c;
}

std::pair<CellRect, CellRect> halves(const CellRect& cells) {
  const int64_t across = (cells.nc + kLanes - 1) / kLanes, down = (cells.nr + kLanes - 1) / kLanes;
  if (across >= down) {
    const int64_t left = (across + 1) / 2 * kLanes;
    return {{cells.c0, cells.r0, left, cells.nr}, {cells.c0 + left, cells.r0, cells.nc - left, cells.nr}};
  }
  const int64_t top = (down + 1) / 2 * kLanes;
  return {{cells.c0, cells.r0, cells.nc, top}, {cells.c0, cells.r0 + top, cells.nc, cells.nr - top}};
}

size_t depth_needed(int64_t width, int64_t height) {
  size_t depth = 1;
  for (int64_t n : {width, height})
    for (int64_t leaves = (n + kLanes - 1) / kLanes; leaves > 1; leaves = (leaves + 1) / 2) ++depth;
  return depth;
}

Bounds bounds_of(const CellRect& cells, const Centres& c) {
  Bounds b{};
  const double xa = c.x[static_cast<size_t>(cells.c0)], xb = c.x[static_cast<size_t>(cells.c0 + cells.nc - 1)];
  const double ya = c.y[static_cast<size_t>(cells.r0)], yb = c.y[static_cast<size_t>(cells.r0 + cells.nr - 1)];
  b.xmin = std::min(xa, xb), b.xmax = std::max(xa, xb), b.ymin = std::min(ya, yb), b.ymax = std::max(ya, yb);
  b.cx = b.xmin + 0.5 * (b.xmax - b.xmin), b.cy = b.ymin + 0.5 * (b.ymax - b.ymin);
  // Scales as lengths: a row past a pole would give a negative one.
  double sx_hi = 0.0, sy_hi = 0.0;
  b.sx_lo = b.sy_lo = kInf;
  const int64_t rows = c.uniform ? 1 : cells.nr;
  for (int64_t r = cells.r0; r < cells.r0 + rows; ++r) {
    const MetricScale s = c.scale[static_cast<size_t>(r)];
    b.sx_lo = std::min(b.sx_lo, std::abs(s.x)), sx_hi = std::max(sx_hi, std::abs(s.x));
    b.sy_lo = std::min(b.sy_lo, std::abs(s.y)), sy_hi = std::max(sy_hi, std::abs(s.y));
  }
  b.sx_hi = sx_hi, b.sy_hi = sy_hi;
  b.stretch = std::max(sx_hi / b.sx_lo, sy_hi / b.sy_lo);
  // Half-diagonals of a window: far from the overflow that hypot guards against.
  const double hx = std::max(b.xmax - b.cx, b.cx - b.xmin), hy = std::max(b.ymax - b.cy, b.cy - b.ymin);
  b.reach_lo = std::sqrt(hx * b.sx_lo * hx * b.sx_lo + hy * b.sy_lo * hy * b.sy_lo);
  b.reach_hi = std::sqrt(hx * sx_hi * hx * sx_hi + hy * sy_hi * hy * sy_hi);
  return b;
}

Candidates segments_near(std::span<const Segment> segments, std::optional<std::span<const uint32_t>> subset,
                         const Centres& centres, double cap) {
  const CellRect all{0, 0, centres.width, static_cast<int64_t>(centres.y.size())};
  const size_t n = subset ? subset->size() : segments.size();
  auto index = [&](size_t k) { return subset ? (*subset)[k] : static_cast<uint32_t>(k); };
  Candidates kept;
  prune(
      n,
      [&](size_t k) {
        const Segment& s = segments[index(k)];
        return Coords4{s.x0, s.y0, s.x1, s.y1};
      },
      bounds_of(all, centres), cap,
      [&](size_t k, double) {
        const Segment& s = segments[index(k)];
        kept.x0.push_back(s.x0), kept.y0.push_back(s.y0), kept.x1.push_back(s.x1), kept.y1.push_back(s.y1);
        kept.index.push_back(index(k));
      });
  return kept;
}

void prune_candidates(const Candidates& c, std::span<const uint32_t> from, const Bounds& b, double cap,
                      std::vector<uint32_t>& kept) {
  kept.clear();
  double top2 = kInf;
  uint32_t top = 0;
  prune(
      from.size(),
      [&](size_t k) {
        const uint32_t j = from[k];
        return Coords4{c.x0[j], c.y0[j], c.x1[j], c.y1[j]};
      },
      b, cap,
      [&](size_t k, double centre2) {
        kept.push_back(from[k]);
        if (centre2 < top2) top2 = centre2, top = from[k];
      });
  if (kept.size() > 1 && top2 < kInf) drop_dominated(c, b, top, kept);
}

}  // namespace minerisk::kernels::detail
