#include <gtest/gtest.h>

#include <cmath>
#include <random>

#include "minerisk/kernels/line_distance.hpp"

using namespace minerisk::kernels;

namespace {

// Brute force: every segment for every cell, by projecting the centre onto each segment.
double brute_distance(double px, double py, const std::vector<Segment>& segments, MetricScale s) {
  double best = INFINITY;
  for (const Segment& g : segments) {
    const double ax = g.x0 * s.x, ay = g.y0 * s.y, bx = g.x1 * s.x, by = g.y1 * s.y;
    const double qx = px * s.x, qy = py * s.y;
    const double vx = bx - ax, vy = by - ay;
    const double l2 = vx * vx + vy * vy;
    double t = l2 > 0 ? ((qx - ax) * vx + (qy - ay) * vy) / l2 : 0;
    t = std::max(0.0, std::min(1.0, t));
    best = std::min(best, std::hypot(qx - (ax + t * vx), qy - (ay + t * vy)));
  }
  return best;
}

GridFrame frame_for(int64_t w, int64_t h) {
  GridFrame f;
  f.geotransform = {0.0, 10.0, 0, 2000.0, 0, -20.0};  // non-square pixels
  f.width = w, f.height = h;
  return f;
}

std::vector<Segment> random_segments(std::mt19937& rng, int n, double extent) {
  std::uniform_real_distribution<double> u(-0.5 * extent, 1.5 * extent);
  std::vector<Segment> s;
  for (int i = 0; i < n; ++i) s.push_back({u(rng), u(rng), u(rng), u(rng)});
  return s;
}

}  // namespace

TEST(LineDistance, MatchesBruteForceOnEveryCell) {
  std::mt19937 rng(7);
  const GridFrame f = frame_for(80, 60);
  const auto segments = random_segments(rng, 25, 1000.0);
  std::vector<float> out(80 * 60);
  line_distance_metres(segments, {0, 0, 80, 60}, f, out);
  for (int64_t r = 0; r < 60; ++r)
    for (int64_t c = 0; c < 80; ++c) {
      const double expected = brute_distance(f.centre_x(c), f.centre_y(r), segments, {1, 1});
      ASSERT_NEAR(out[static_cast<size_t>(r * 80 + c)], expected, 1e-6 * expected + 1e-4) << r << "," << c;
    }
}

TEST(LineDistance, TilesGiveBitIdenticalResults) {
  std::mt19937 rng(11);
  const GridFrame f = frame_for(70, 50);
  const auto segments = random_segments(rng, 40, 700.0);
  std::vector<float> whole(70 * 50);
  line_distance_metres(segments, {0, 0, 70, 50}, f, whole);
  for (int64_t tile : {1, 9, 32}) {
    for (int64_t r0 = 0; r0 < 50; r0 += tile)
      for (int64_t c0 = 0; c0 < 70; c0 += tile) {
        const Window t{c0, r0, std::min<int64_t>(tile, 70 - c0), std::min<int64_t>(tile, 50 - r0)};
        std::vector<float> part(static_cast<size_t>(t.cells()));
        line_distance_metres(segments, t, f, part);
        for (int64_t r = 0; r < t.height; ++r)
          for (int64_t c = 0; c < t.width; ++c)
            ASSERT_EQ(part[static_cast<size_t>(r * t.width + c)], whole[static_cast<size_t>((r0 + r) * 70 + c0 + c)]);
      }
  }
}

TEST(LineDistance, CapClampsAndNoSegmentsGiveTheCap) {
  const GridFrame f = frame_for(10, 10);
  const std::vector<Segment> one = {{0, 2000, 0, 1800}};  // the left edge, top part
  std::vector<float> out(100);
  line_distance_metres(one, {0, 0, 10, 10}, f, out, 50.0);
  EXPECT_FLOAT_EQ(out[0], 5.0f);  // first centre is 5 m from x = 0
  EXPECT_FLOAT_EQ(out[9], 50.0f);  // 95 m away: clamped
  line_distance_metres({}, {0, 0, 10, 10}, f, out, 50.0);
  EXPECT_FLOAT_EQ(out[42], 50.0f);
  line_distance_metres({}, {0, 0, 10, 10}, f, out);
  EXPECT_TRUE(std::isinf(out[42]));
}

TEST(LineDistance, GeographicDegreesAreScaledToMetresPerRow) {
  GridFrame f;
  f.geographic = true;
  f.geotransform = {45.0, 0.01, 0, 40.005, 0, -0.01};
  f.width = 3, f.height = 1;
  // A meridian through x = 45: the distance of each centre is its longitude offset in metres.
  const std::vector<Segment> meridian = {{45.0, 39.0, 45.0, 41.0}};
  std::vector<float> out(3);
  line_distance_metres(meridian, {0, 0, 3, 1}, f, out);
  const MetricScale s = metres_per_degree(40.0, f.semi_major, f.inverse_flattening);
  EXPECT_NEAR(out[0], 0.005 * s.x, 1e-3);
  EXPECT_NEAR(out[2], 0.025 * s.x, 1e-3);
}

TEST(LineDistance, SignedByTheSideOfTheLine) {
  // A line running north along x = 50 on a 10 x 10 grid of 10 m cells: left of it is west.
  GridFrame f = frame_for(10, 10);
  f.geotransform = {0.0, 10.0, 0, 100.0, 0, -10.0};
  std::vector<Segment> line = {{50, 0, 50, 50}, {50, 50, 50, 100}};
  link_polyline(line, 0, 2, false);
  std::vector<float> out(100);
  line_distance_metres(line, {0, 0, 10, 10}, f, out, INFINITY, true);
  EXPECT_FLOAT_EQ(out[5 * 10 + 0], 45.0f);   // west: left, positive
  EXPECT_FLOAT_EQ(out[5 * 10 + 9], -45.0f);  // east: right, negative
}

TEST(LineDistance, SignAtAJointIsTheOutsideOfTheTurn) {
  // An L: east along y = 0, then a left turn north along x = 0... drawn from (-100, 0) to (0, 0)
  // to (0, 100). Points south-east of the corner are nearest to the joint, on the outside
  // (right) of the left turn.
  GridFrame f;
  f.geotransform = {0.0, 10.0, 0, 0.0, 0, -10.0};  // cells south-east of the origin
  f.width = 5, f.height = 5;
  std::vector<Segment> l = {{-100, 0, 0, 0}, {0, 0, 0, 100}};
  link_polyline(l, 0, 2, false);
  std::vector<float> out(25);
  line_distance_metres(l, {0, 0, 5, 5}, f, out, INFINITY, true);
  for (float v : out) EXPECT_LT(v, 0.0f);
  EXPECT_FLOAT_EQ(out[0], -static_cast<float>(std::hypot(5.0, 5.0)));
}

TEST(LineDistance, SignedTilesGiveBitIdenticalResults) {
  std::mt19937 rng(17);
  const GridFrame f = frame_for(60, 40);
  std::vector<Segment> segments = random_segments(rng, 30, 600.0);
  link_polyline(segments, 0, 15, false);
  link_polyline(segments, 15, 15, false);
  std::vector<float> whole(60 * 40);
  line_distance_metres(segments, {0, 0, 60, 40}, f, whole, INFINITY, true);
  for (int64_t tile : {7, 25}) {
    for (int64_t r0 = 0; r0 < 40; r0 += tile)
      for (int64_t c0 = 0; c0 < 60; c0 += tile) {
        const Window t{c0, r0, std::min<int64_t>(tile, 60 - c0), std::min<int64_t>(tile, 40 - r0)};
        std::vector<float> part(static_cast<size_t>(t.cells()));
        line_distance_metres(segments, t, f, part, INFINITY, true);
        for (int64_t r = 0; r < t.height; ++r)
          for (int64_t c = 0; c < t.width; ++c)
            ASSERT_EQ(part[static_cast<size_t>(r * t.width + c)], whole[static_cast<size_t>((r0 + r) * 60 + c0 + c)]);
      }
  }
}
