#include "minerisk/kernels/line_distance.hpp"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <stdexcept>

#include "line_distance_lanes.hpp"

namespace minerisk::kernels {
namespace {

using detail::Candidates;
using detail::CellRect;
using detail::Centres;
using detail::kLanes;

// Everything one call shares across its recursion over the window.
struct Walk {
  std::span<const Segment> segments;
  const Window& window;
  const Centres& centres;
  const Candidates& candidates;
  std::span<float> out;
  double cap;
  bool signed_distance;
  std::vector<std::vector<uint32_t>>& levels;  // one kept list per depth, reused
};

// +1 if (px, py) is on the left of the line at its nearest point on segment `i` (at `t`), else -1.
double side(std::span<const Segment> segments, uint32_t i, double t, double px, double py) {
  const Segment& s = segments[i];
  const double dx = s.x1 - s.x0, dy = s.y1 - s.y0;
  auto cross = [](double ax, double ay, double bx, double by) { return ax * by - ay * bx; };
  // At a joint, the point lies on the outside of the turn: right of a left turn and vice versa.
  const int32_t other = t <= 0.0 ? s.prev : (t >= 1.0 ? s.next : -1);
  if (other >= 0) {
    const Segment& o = segments[static_cast<size_t>(other)];
    const double turn = t <= 0.0 ? cross(o.x1 - o.x0, o.y1 - o.y0, dx, dy) : cross(dx, dy, o.x1 - o.x0, o.y1 - o.y0);
    if (turn != 0.0) return turn > 0 ? -1.0 : 1.0;
  }
  return cross(dx, dy, px - s.x0, py - s.y0) >= 0 ? 1.0 : -1.0;
}

void fill_cap(const Walk& k, const CellRect& cells) {
  for (int64_t r = 0; r < cells.nr; ++r) {
    float* dst = k.out.data() + (cells.r0 + r) * k.window.width + cells.c0;
    std::fill(dst, dst + cells.nc, static_cast<float>(k.cap));
  }
}

// One row of a leaf: every kept candidate against the leaf's kLanes centres at once.
void leaf_row(const Walk& k, const CellRect& cells, int64_t r, std::span<const uint32_t> kept) {
  const double* px = k.centres.x.data() + cells.c0;
  const double py = k.centres.y[static_cast<size_t>(r)];
  const MetricScale s = k.centres.scale[static_cast<size_t>(r)];
  detail::Vec lanes_x[detail::kParts];
  std::memcpy(lanes_x, px, sizeof lanes_x);
  detail::RowNearest nearest(k.cap * k.cap);
  const Candidates& c = k.candidates;
  for (uint32_t j : kept) nearest.take(j, c.x0[j], c.y0[j], c.x1[j], c.y1[j], lanes_x, py, s.x, s.y);
  // One square root per cell, for the whole row at once.
  alignas(64) double best[kLanes], t[kLanes], d[kLanes];
  alignas(64) int64_t index[kLanes];
  std::memcpy(best, &nearest.best, sizeof best);
  std::memcpy(t, &nearest.t, sizeof t);
  std::memcpy(index, &nearest.index, sizeof index);
  for (int64_t i = 0; i < kLanes; ++i) d[i] = index[i] < 0 ? k.cap : std::sqrt(best[i]);
  if (k.signed_distance)
    for (int64_t i = 0; i < cells.nc; ++i)
      if (index[i] >= 0) d[i] *= side(k.segments, c.index[static_cast<size_t>(index[i])], t[i], px[i], py);
  float* dst = k.out.data() + r * k.window.width + cells.c0;
  for (int64_t i = 0; i < cells.nc; ++i) dst[i] = static_cast<float>(d[i]);
}

bool is_leaf(const CellRect& cells) { return cells.nc <= kLanes && cells.nr <= kLanes; }

// Splits `cells` in four (halving each side, in whole leaves) down to leaves, pruning the
// candidates at every level so that a leaf sees only the few segments that can be its nearest.
void visit(const Walk& k, const CellRect& cells, std::span<const uint32_t> from, size_t depth) {
  std::vector<uint32_t>& kept = k.levels[depth];
  detail::prune_candidates(k.candidates, from, detail::bounds_of(cells, k.centres), k.cap, kept);
  if (kept.empty()) return fill_cap(k, cells);
  if (is_leaf(cells)) {
    for (int64_t r = cells.r0; r < cells.r0 + cells.nr; ++r) leaf_row(k, cells, r, kept);
    return;
  }
  const auto [first, second] = detail::halves(cells);
  for (const CellRect& half : {first, second}) {
    if (is_leaf(half)) {  // a side already one leaf long
      visit(k, half, kept, depth + 1);
      continue;
    }
    const auto [a, b] = detail::halves(half);
    visit(k, a, kept, depth + 1);
    visit(k, b, kept, depth + 1);
  }
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
  if (candidates.empty() || window.cells() == 0) return {};
  return detail::segments_near(segments, candidates, detail::centres_of(window, frame), cap).index;
}

void line_distance_metres(std::span<const Segment> segments, const Window& w, const GridFrame& frame,
                          std::span<float> out, double cap, bool signed_distance) {
  if (static_cast<int64_t>(out.size()) != w.cells())
    throw std::invalid_argument("line_distance_metres: output size does not match the window");
  if (w.cells() == 0) return;
  const Centres centres = detail::centres_of(w, frame);
  const Candidates near = detail::segments_near(segments, std::nullopt, centres, cap);
  std::vector<std::vector<uint32_t>> levels(detail::depth_needed(w.width, w.height));
  const Walk walk{segments, w, centres, near, out, cap, signed_distance, levels};
  std::vector<uint32_t> all(near.index.size());
  for (size_t j = 0; j < all.size(); ++j) all[j] = static_cast<uint32_t>(j);
  visit(walk, {0, 0, w.width, w.height}, all, 0);
}

}  // namespace minerisk::kernels
