#include <gtest/gtest.h>

#include <random>

#include "minerisk/kernels/polygon_coverage.hpp"

using namespace minerisk::kernels;

namespace {

GridFrame frame_for(int64_t w, int64_t h) {
  GridFrame f;
  f.geotransform = {0.0, 10.0, 0, 10.0 * static_cast<double>(h), 0, -10.0};
  f.width = w, f.height = h;
  return f;
}

// Brute force: even-odd ray casting for one point against all rings.
bool inside(double x, double y, const Polygon& p) {
  bool in = false;
  for (const auto& ring : p.rings)
    for (size_t i = 0, j = ring.size() - 1; i < ring.size(); j = i++) {
      const auto& a = ring[i];
      const auto& b = ring[j];
      if ((a[1] > y) != (b[1] > y) && x < (b[0] - a[0]) * (y - a[1]) / (b[1] - a[1]) + a[0]) in = !in;
    }
  return in;
}

Polygon random_polygon(std::mt19937& rng, double cx, double cy, double radius, int n) {
  std::uniform_real_distribution<double> r(0.3 * radius, radius);
  Polygon p;
  std::vector<std::array<double, 2>> ring;
  for (int i = 0; i < n; ++i) {
    const double angle = 2 * 3.141592653589793 * i / n;
    const double rr = r(rng);
    ring.push_back({cx + rr * std::cos(angle), cy + rr * std::sin(angle)});
  }
  p.rings.push_back(ring);
  // A hole in the middle.
  p.rings.push_back({{cx - 15, cy - 15}, {cx + 15, cy - 15}, {cx + 15, cy + 15}, {cx - 15, cy + 15}});
  return p;
}

}  // namespace

TEST(PolygonCoverage, MatchesRayCastingWithHoles) {
  std::mt19937 rng(9);
  const GridFrame f = frame_for(60, 50);
  for (int trial = 0; trial < 20; ++trial) {
    const Polygon p = random_polygon(rng, 300.0 + trial, 250.0 - trial, 200.0, 7 + trial);
    std::vector<char> covered(60 * 50, 0);
    for_each_covered_cell(p, {0, 0, 60, 50}, f, [&](int64_t i) { covered[static_cast<size_t>(i)] += 1; });
    for (int64_t r = 0; r < 50; ++r)
      for (int64_t c = 0; c < 60; ++c)
        ASSERT_EQ(covered[static_cast<size_t>(r * 60 + c)], inside(f.centre_x(c), f.centre_y(r), p) ? 1 : 0)
            << "trial " << trial << " cell " << r << "," << c;
  }
}

TEST(PolygonCoverage, SharedEdgesCoverEachCellExactlyOnce) {
  // Two rectangles meeting along x = 55, which passes through cell centres (5 + 10 k).
  const GridFrame f = frame_for(12, 4);
  Polygon left, right;
  left.rings = {{{0, 0}, {55, 0}, {55, 40}, {0, 40}}};
  right.rings = {{{55, 0}, {120, 0}, {120, 40}, {55, 40}}};
  std::vector<int> hits(48, 0);
  for (const Polygon* p : {&left, &right})
    for_each_covered_cell(*p, {0, 0, 12, 4}, f, [&](int64_t i) { ++hits[static_cast<size_t>(i)]; });
  for (int h : hits) EXPECT_EQ(h, 1);
}

TEST(PolygonCoverage, CombinedProbabilityOfOverlaps) {
  const GridFrame f = frame_for(4, 1);
  Polygon a, b;
  a.rings = {{{0, 0}, {30, 0}, {30, 10}, {0, 10}}};  // cells 0-2
  a.value = 0.5;
  b.rings = {{{20, 0}, {40, 0}, {40, 10}, {20, 10}}};  // cells 2-3
  b.value = 0.8;
  std::vector<float> out(4);
  combined_coverage_probability(std::vector<Polygon>{a, b}, {0, 0, 4, 1}, f, out);
  EXPECT_FLOAT_EQ(out[0], 0.5f);
  EXPECT_FLOAT_EQ(out[2], 1.0f - 0.5f * 0.2f);
  EXPECT_FLOAT_EQ(out[3], 0.8f);
}

TEST(PolygonCoverage, TilesGiveTheSameCells) {
  std::mt19937 rng(13);
  const GridFrame f = frame_for(40, 40);
  const Polygon p = random_polygon(rng, 200, 200, 180, 11);
  std::vector<char> whole(1600, 0);
  for_each_covered_cell(p, {0, 0, 40, 40}, f, [&](int64_t i) { whole[static_cast<size_t>(i)] = 1; });
  for (int64_t r0 = 0; r0 < 40; r0 += 13)
    for (int64_t c0 = 0; c0 < 40; c0 += 13) {
      const Window t{c0, r0, std::min<int64_t>(13, 40 - c0), std::min<int64_t>(13, 40 - r0)};
      std::vector<char> part(static_cast<size_t>(t.cells()), 0);
      for_each_covered_cell(p, t, f, [&](int64_t i) { part[static_cast<size_t>(i)] = 1; });
      for (int64_t r = 0; r < t.height; ++r)
        for (int64_t c = 0; c < t.width; ++c)
          ASSERT_EQ(part[static_cast<size_t>(r * t.width + c)], whole[static_cast<size_t>((r0 + r) * 40 + c0 + c)]);
    }
}

TEST(PolygonCoverage, ADiagonalSharedEdgeCoversEachCellOnce) {
  // Two triangles sharing the diagonal (195, 45)-(45, 195), traced in opposite directions.
  const GridFrame f = frame_for(24, 24);
  Polygon a, b;
  a.rings = {{{45, 45}, {195, 45}, {45, 195}}};
  b.rings = {{{195, 45}, {195, 195}, {45, 195}}};
  std::vector<int> hits(24 * 24, 0);
  for (const Polygon* p : {&a, &b})
    for_each_covered_cell(*p, {0, 0, 24, 24}, f, [&](int64_t i) { ++hits[static_cast<size_t>(i)]; });
  for (int h : hits) EXPECT_LE(h, 1);
}
