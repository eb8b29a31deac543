// line_distance_metres against the algorithm it replaced, bit for bit: the per-cell loop over
// the segments kept by the old two-level pruning (16 x 16 blocks, hypot bounds), kept here as
// the reference. Random frames (projected and geographic, either row direction), windows (1 x 1
// up to several leaves, inside and across the grid's edges), segment sets (random, polylines
// and rings with joints, zero-length segments, duplicates and reversed duplicates that tie),
// caps and signs.
#include <gtest/gtest.h>

#include <algorithm>
#include <bit>
#include <cmath>
#include <numeric>
#include <random>

#include "minerisk/kernels/line_distance.hpp"

using namespace minerisk::kernels;

namespace {
namespace reference {

constexpr int64_t kBlock = 16;

struct Box {
  double xmin, ymin, xmax, ymax;
};

Box centre_box(const Window& w, const GridFrame& f) {
  const double xa = f.centre_x(w.col0), xb = f.centre_x(w.col0 + w.width - 1);
  const double ya = f.centre_y(w.row0), yb = f.centre_y(w.row0 + w.height - 1);
  return {std::min(xa, xb), std::min(ya, yb), std::max(xa, xb), std::max(ya, yb)};
}

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

double squared_distance(double px, double py, const Segment& s, double sx, double sy, double& t) {
  const double ax = (s.x0 - px) * sx, ay = (s.y0 - py) * sy;
  const double dx = (s.x1 - s.x0) * sx, dy = (s.y1 - s.y0) * sy;
  const double len2 = dx * dx + dy * dy;
  t = len2 > 0 ? std::clamp(-(ax * dx + ay * dy) / len2, 0.0, 1.0) : 0.0;
  const double qx = ax + t * dx, qy = ay + t * dy;
  return qx * qx + qy * qy;
}

double cross(double ax, double ay, double bx, double by) { return ax * by - ay * bx; }

double side(std::span<const Segment> segments, uint32_t i, double t, double px, double py) {
  const Segment& s = segments[i];
  const double dx = s.x1 - s.x0, dy = s.y1 - s.y0;
  const int32_t other = t <= 0.0 ? s.prev : (t >= 1.0 ? s.next : -1);
  if (other >= 0) {
    const Segment& o = segments[static_cast<size_t>(other)];
    const double turn = t <= 0.0 ? cross(o.x1 - o.x0, o.y1 - o.y0, dx, dy) : cross(dx, dy, o.x1 - o.x0, o.y1 - o.y0);
    if (turn != 0.0) return turn > 0 ? -1.0 : 1.0;
  }
  return cross(dx, dy, px - s.x0, py - s.y0) >= 0 ? 1.0 : -1.0;
}

std::vector<uint32_t> near_window(std::span<const Segment> segments, std::span<const uint32_t> candidates,
                                  const Window& window, const GridFrame& frame, double cap) {
  std::vector<uint32_t> kept;
  if (candidates.empty() || window.cells() == 0) return kept;
  const Box box = centre_box(window, frame);
  double scale_lo = 0, scale_hi = 0;
  scale_bounds(window, frame, scale_lo, scale_hi);
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
  const double limit = std::min(best_upper, cap) * (1.0 + 1e-9) + 1e-6;
  for (size_t k = 0; k < candidates.size(); ++k)
    if (lower[k] <= limit) kept.push_back(candidates[k]);
  return kept;
}

// `pruned = false`: every segment for every cell, the brute force the pruning must not change.
void line_distance(std::span<const Segment> segments, const Window& w, const GridFrame& frame, std::span<float> out,
                   double cap, bool signed_distance, bool pruned = true) {
  std::vector<uint32_t> all(segments.size());
  std::iota(all.begin(), all.end(), 0u);
  const std::vector<uint32_t> near_w = pruned ? near_window(segments, all, w, frame, cap) : all;
  const double cap2 = cap * cap;
  for (int64_t br = 0; br < w.height; br += kBlock)
    for (int64_t bc = 0; bc < w.width; bc += kBlock) {
      const Window block{w.col0 + bc, w.row0 + br, std::min(kBlock, w.width - bc), std::min(kBlock, w.height - br)};
      const std::vector<uint32_t> near = pruned ? near_window(segments, near_w, block, frame, cap) : all;
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

}  // namespace reference

// A random north-up (or south-up) frame: projected with large coordinates, or geographic.
GridFrame random_frame(std::mt19937& rng, bool geographic) {
  std::uniform_real_distribution<double> u(0.0, 1.0);
  GridFrame f;
  f.geographic = geographic;
  f.width = 40 + static_cast<int64_t>(rng() % 200);
  f.height = 40 + static_cast<int64_t>(rng() % 200);
  const double flip = u(rng) < 0.85 ? -1.0 : 1.0;
  if (geographic) {
    const double cell = 1e-4 * (0.5 + 2.0 * u(rng));
    f.geotransform = {-20.0 + 60.0 * u(rng), cell, 0, -89.9 + 179.8 * u(rng), 0, flip * cell * (0.8 + 0.4 * u(rng))};
  } else {
    const double cell = 1.0 + 30.0 * u(rng);
    f.geotransform = {500000.0 + 1e5 * u(rng), cell, 0, 4.4e6 + 1e5 * u(rng), 0, flip * cell * (0.5 + u(rng))};
    f.linear_unit = u(rng) < 0.8 ? 1.0 : 0.3048;
  }
  return f;
}

// A window of the frame, sometimes reaching past its edges, sometimes a single row, column or cell.
Window random_window(std::mt19937& rng, const GridFrame& f) {
  const int64_t kind = static_cast<int64_t>(rng() % 5);
  const int64_t w = kind == 0 ? 1 : 1 + static_cast<int64_t>(rng() % static_cast<uint64_t>(f.width));
  const int64_t h = kind == 1 ? 1 : 1 + static_cast<int64_t>(rng() % static_cast<uint64_t>(f.height));
  const int64_t c0 = static_cast<int64_t>(rng() % static_cast<uint64_t>(f.width + 20)) - 10;
  const int64_t r0 = static_cast<int64_t>(rng() % static_cast<uint64_t>(f.height + 20)) - 10;
  return {c0, r0, w, h};
}

// Segments around (and beyond) the frame: random ones, polylines and rings with joints,
// zero-length ones, exact duplicates and reversed duplicates (ties of opposite sides).
std::vector<Segment> random_segments(std::mt19937& rng, const GridFrame& f) {
  std::uniform_real_distribution<double> u(-0.5, 1.5);
  const double x0 = f.geotransform[0], y0 = f.geotransform[3];
  const double sx = f.geotransform[1] * static_cast<double>(f.width), sy = f.geotransform[5] * static_cast<double>(f.height);
  auto point = [&] { return std::pair{x0 + u(rng) * sx, y0 + u(rng) * sy}; };
  std::vector<Segment> s;
  const int kinds = static_cast<int>(rng() % 4);
  const int n = 1 + static_cast<int>(rng() % 60);
  for (int k = 0; k < n; ++k) {
    const auto [ax, ay] = point();
    const auto [bx, by] = point();
    if (kinds == 1 || rng() % 8 == 0) s.push_back({ax, ay, ax, ay});  // points (find_contrast's dots)
    else s.push_back({ax, ay, bx, by});
  }
  for (int line = 0; line < 1 + static_cast<int>(rng() % 3); ++line) {  // polylines, some closed
    const size_t first = s.size();
    auto [x, y] = point();
    const int count = 2 + static_cast<int>(rng() % 12);
    for (int k = 0; k < count; ++k) {
      const double nx = x + 0.2 * sx * (u(rng) - 0.5), ny = y + 0.2 * sy * (u(rng) - 0.5);
      s.push_back({x, y, nx, ny});
      x = nx, y = ny;
    }
    if (rng() % 3 == 0) s.push_back({x, y, s[first].x0, s[first].y0});
    link_polyline(s, first, s.size() - first, rng() % 3 == 0);
  }
  for (int k = 0; k < 3; ++k) {  // ties
    const Segment d = s[rng() % s.size()];
    s.push_back(rng() % 2 ? d : Segment{d.x1, d.y1, d.x0, d.y0});
  }
  return s;
}

bool same_bits(std::span<const float> a, std::span<const float> b, size_t& first_difference) {
  for (size_t i = 0; i < a.size(); ++i)
    if (std::bit_cast<uint32_t>(a[i]) != std::bit_cast<uint32_t>(b[i])) {
      first_difference = i;
      return false;
    }
  return true;
}

void expect_identical(const std::vector<Segment>& segments, const Window& w, const GridFrame& f, double cap,
                      bool signed_distance, int trial, bool pruned = true) {
  std::vector<float> expected(static_cast<size_t>(w.cells())), actual(expected.size());
  reference::line_distance(segments, w, f, expected, cap, signed_distance, pruned);
  line_distance_metres(segments, w, f, actual, cap, signed_distance);
  size_t at = 0;
  ASSERT_TRUE(same_bits(expected, actual, at))
      << "trial " << trial << ", window " << w.col0 << "," << w.row0 << " " << w.width << "x" << w.height << ", cap "
      << cap << ", signed " << signed_distance << ": cell " << at << " is " << actual[at] << ", was " << expected[at];
}

}  // namespace

TEST(LineDistanceIdentity, BitIdenticalToThePreviousAlgorithm) {
  std::mt19937 rng(2026);
  std::uniform_real_distribution<double> u(0.0, 1.0);
  for (int trial = 0; trial < 400; ++trial) {
    const GridFrame f = random_frame(rng, trial % 3 == 2);
    const std::vector<Segment> segments = random_segments(rng, f);
    const Window w = random_window(rng, f);
    const double extent = f.geographic ? 1e5 * f.geotransform[1] * static_cast<double>(f.width)
                                       : f.geotransform[1] * static_cast<double>(f.width);
    const double caps[] = {INFINITY, extent * 0.05 * u(rng), extent * u(rng), 0.0};
    const double cap = caps[rng() % 4];
    expect_identical(segments, w, f, cap, trial % 2 == 1, trial);
    if (testing::Test::HasFatalFailure()) return;
  }
}

TEST(LineDistanceIdentity, WholeTilesOfManySegmentsAndManyPoints) {
  std::mt19937 rng(99);
  GridFrame f;
  f.geotransform = {600000.0, 10.0, 0, 4500000.0, 0, -10.0};
  f.width = f.height = 1200;
  std::uniform_real_distribution<double> x(590000.0, 622000.0), y(4488000.0, 4510000.0);
  std::vector<Segment> lines, dots;
  double px = x(rng), py = y(rng);
  for (int k = 0; k < 600; ++k) {  // one long wiggly front line
    const double nx = px + 120.0 * std::sin(0.2 * k), ny = py - 30.0 + 60.0 * std::cos(0.13 * k);
    lines.push_back({px, py, nx, ny});
    px = nx, py = ny;
  }
  link_polyline(lines, 0, lines.size(), false);
  for (int k = 0; k < 3000; ++k) {
    const double a = x(rng), b = y(rng);
    dots.push_back({a, b, a, b});
  }
  for (const Window& w : {Window{0, 0, 512, 512}, Window{512, 512, 512, 512}, Window{1024, 0, 176, 512},
                          Window{1024, 1024, 176, 176}})
    for (bool signed_distance : {false, true}) {
      expect_identical(lines, w, f, INFINITY, signed_distance, 0);
      expect_identical(dots, w, f, INFINITY, false, 1);
      expect_identical(lines, w, f, 300.0, signed_distance, 2);
    }
}

TEST(LineDistanceIdentity, NoSegmentsGiveTheCap) {
  GridFrame f;
  f.width = f.height = 40;
  for (double cap : {double{INFINITY}, 25.0, 0.0}) expect_identical({}, {-3, 5, 37, 33}, f, cap, true, 0);
}

// A segment with a NaN or infinite coordinate has NaN (or infinite) distances, so it is never
// the nearest: the result is the brute force's over every segment. (The previous pruning took
// such a segment's first point as a bound and could drop the true nearest.)
TEST(LineDistanceIdentity, SegmentsThatAreNotFiniteAreNeverTheNearest) {
  std::mt19937 rng(5);
  const double bad[] = {NAN, INFINITY, -INFINITY};
  for (int trial = 0; trial < 200; ++trial) {
    const GridFrame f = random_frame(rng, trial % 3 == 2);
    std::vector<Segment> segments = random_segments(rng, f);
    if (trial % 2) segments.resize(2);  // few: a broken one is then often the nearest to a tile
    std::uniform_real_distribution<double> u(0.0, 1.0);
    for (int k = 0; k < 3; ++k) {  // anywhere on the grid, one coordinate broken
      const double x = f.geotransform[0] + u(rng) * f.geotransform[1] * static_cast<double>(f.width);
      const double y = f.geotransform[3] + u(rng) * f.geotransform[5] * static_cast<double>(f.height);
      Segment s{x, y, x, y};
      double* coordinate[] = {&s.x0, &s.y0, &s.x1, &s.y1};
      *coordinate[rng() % 4] = bad[rng() % 3];
      segments.insert(segments.begin() + static_cast<int64_t>(rng() % segments.size()), s);
    }
    for (Segment& s : segments) s.prev = s.next = -1;  // the insertions broke the links
    expect_identical(segments, random_window(rng, f), f, trial % 4 ? INFINITY : 100.0, trial % 2 == 1, trial, false);
    if (testing::Test::HasFatalFailure()) return;
  }
}

// Segments on a lattice of half cells: many cells are exactly as far from two or more of them
// (ties, which the first in input order wins and which decide the sign), and many distances
// are exact. Pruning must keep every segment that ties.
TEST(LineDistanceIdentity, ExactTiesOnALattice) {
  std::mt19937 rng(31);
  for (int trial = 0; trial < 150; ++trial) {
    GridFrame f;
    f.width = 20 + static_cast<int64_t>(rng() % 60), f.height = 20 + static_cast<int64_t>(rng() % 60);
    f.geotransform = {0.0, 10.0, 0, 10.0 * static_cast<double>(f.height), 0, -10.0};
    auto lattice = [&](int64_t n) { return 5.0 * static_cast<double>(static_cast<int64_t>(rng() % (2 * n + 20)) - 10); };
    std::vector<Segment> segments;
    const int n = 2 + static_cast<int>(rng() % 12);
    for (int k = 0; k < n; ++k) {
      const double x = lattice(f.width), y = lattice(f.height);
      const int shape = static_cast<int>(rng() % 3);  // a point, a horizontal or a vertical piece
      const double len = 5.0 * static_cast<double>(rng() % 6);
      segments.push_back({x, y, shape == 1 ? x + len : x, shape == 2 ? y + len : y});
    }
    link_polyline(segments, 0, segments.size() / 2, false);
    const Window w{static_cast<int64_t>(rng() % 10), static_cast<int64_t>(rng() % 10), f.width - 10, f.height - 10};
    expect_identical(segments, w, f, trial % 3 ? INFINITY : 40.0, trial % 2 == 1, trial);
    if (testing::Test::HasFatalFailure()) return;
  }
}
