#include <gtest/gtest.h>

#include <cmath>
#include <random>
#include <span>
#include <vector>

#include "minerisk/kernels/distance_transform.hpp"

using namespace minerisk::kernels;

namespace {

GridFrame frame_for(int64_t w, int64_t h, double dx, double dy) {
  GridFrame f;
  f.geotransform = {0.0, dx, 0, dy * static_cast<double>(h), 0, -dy};
  f.width = w, f.height = h;
  return f;
}

// Brute force: every feature for every cell, in the local metric of the cell's row.
void brute(const std::vector<uint8_t>& mask, const GridFrame& f, std::vector<double>& dist) {
  dist.assign(mask.size(), INFINITY);
  for (int64_t r = 0; r < f.height; ++r) {
    const double sx = f.cell_width() * f.scale_at_row(r).x;
    for (int64_t c = 0; c < f.width; ++c)
      for (int64_t rr = 0; rr < f.height; ++rr)
        for (int64_t cc = 0; cc < f.width; ++cc) {
          if (!mask[static_cast<size_t>(rr * f.width + cc)]) continue;
          // Along y: the meridian distance between row centres (constant steps when projected).
          double dy = 0;
          for (int64_t k = std::min(r, rr); k < std::max(r, rr); ++k)
            dy += 0.5 * (f.scale_at_row(k).y + f.scale_at_row(k + 1).y) * f.cell_height();
          const double d = std::hypot((c - cc) * sx, dy);
          double& best = dist[static_cast<size_t>(r * f.width + c)];
          best = std::min(best, d);
        }
  }
}

void expect_matches_brute(const std::vector<uint8_t>& mask, const GridFrame& f) {
  std::vector<float> d(mask.size());
  std::vector<int64_t> nearest(mask.size());
  euclidean_distance_transform(mask, f, d, nearest);
  std::vector<double> want;
  brute(mask, f, want);
  for (size_t i = 0; i < mask.size(); ++i) {
    if (std::isinf(want[i])) {
      ASSERT_TRUE(std::isinf(d[i]));
      ASSERT_EQ(nearest[i], -1);
      continue;
    }
    ASSERT_NEAR(d[i], want[i], 1e-6 * want[i] + 1e-4) << "cell " << i;
    ASSERT_TRUE(mask[static_cast<size_t>(nearest[i])]) << "nearest of " << i << " is not a feature";
  }
}

}  // namespace

TEST(DistanceTransform, MatchesBruteForceOnNonSquarePixels) {
  std::mt19937 rng(31);
  const GridFrame f = frame_for(37, 29, 10.0, 25.0);
  std::vector<uint8_t> mask(37 * 29, 0);
  for (int i = 0; i < 12; ++i) mask[rng() % mask.size()] = 1;
  expect_matches_brute(mask, f);
}

TEST(DistanceTransform, GeographicGridUsesMetresPerRow) {
  GridFrame f;
  f.geographic = true;
  f.geotransform = {45.0, 0.001, 0, 61.0, 0, -0.001};
  f.width = 20, f.height = 15;
  std::vector<uint8_t> mask(300, 0);
  mask[3 * 20 + 4] = mask[12 * 20 + 17] = 1;
  expect_matches_brute(mask, f);
}

TEST(DistanceTransform, EdgeCases) {
  const GridFrame one = frame_for(1, 1, 10, 10);
  expect_matches_brute({1}, one);
  expect_matches_brute({0}, one);  // no feature: infinity
  const GridFrame row = frame_for(9, 1, 10, 10);
  expect_matches_brute({0, 0, 1, 0, 0, 0, 0, 1, 0}, row);
  const GridFrame column = frame_for(1, 9, 10, 10);
  expect_matches_brute({0, 0, 1, 0, 0, 0, 0, 0, 0}, column);
  const GridFrame all = frame_for(4, 3, 10, 10);
  expect_matches_brute(std::vector<uint8_t>(12, 1), all);
}

// The band-at-a-time transform (the proximity tool's) against the whole one, bit for bit, with
// the nearest indices, for bands of each height given.
void expect_bands_equal_the_whole(const std::vector<uint8_t>& mask, const GridFrame& f,
                                  const std::vector<int64_t>& band_heights) {
  std::vector<float> whole(mask.size());
  std::vector<int64_t> whole_nearest(mask.size());
  euclidean_distance_transform(mask, f, whole, whole_nearest);
  const int64_t w = f.width, h = f.height;
  const auto rows = [&](int64_t r0, int64_t n) {
    return std::span(mask).subspan(static_cast<size_t>(r0 * w), static_cast<size_t>(n * w));
  };
  for (int64_t band : band_heights) {
    std::vector<ColumnEnds> ends;
    for (int64_t r0 = 0; r0 < h; r0 += band) ends.push_back(column_ends(rows(r0, std::min(band, h - r0)), w, r0));
    const BandedDistanceTransform transform(f, ends);
    for (int64_t r0 = 0; r0 < h; r0 += band) {
      const int64_t n = std::min(band, h - r0);
      std::vector<float> part(static_cast<size_t>(n * w));
      std::vector<int64_t> part_nearest(part.size());
      transform.distance_for_band(rows(r0, n), r0, n, part, part_nearest);
      for (int64_t i = 0; i < n * w; ++i) {
        const auto at = static_cast<size_t>(r0 * w + i);
        ASSERT_EQ(part[static_cast<size_t>(i)], whole[at]) << "band " << band << " cell " << at;
        ASSERT_EQ(part_nearest[static_cast<size_t>(i)], whole_nearest[at]) << "band " << band << " cell " << at;
      }
    }
  }
}

TEST(DistanceTransform, RowBandsEqualTheWhole) {
  std::mt19937 rng(32);
  const GridFrame f = frame_for(64, 50, 10.0, 10.0);
  std::vector<uint8_t> mask(64 * 50, 0);
  for (int i = 0; i < 20; ++i) mask[rng() % mask.size()] = 1;
  // Column 3: features on rows 10 and 20, so row 15 is as near to both (the one above wins).
  mask[10 * 64 + 3] = mask[20 * 64 + 3] = 1;
  expect_bands_equal_the_whole(mask, f, {1, 2, 7, 50});
  // Wider than the column pass's blocks of 256 columns, so blocks start at other columns than 0.
  const GridFrame wide = frame_for(700, 40, 10.0, 20.0);
  std::vector<uint8_t> wide_mask(700 * 40, 0);
  for (int i = 0; i < 60; ++i) wide_mask[rng() % wide_mask.size()] = 1;
  expect_bands_equal_the_whole(wide_mask, wide, {3, 16, 40});
  GridFrame geographic = frame_for(23, 31, 0.01, 0.01);
  geographic.geographic = true;
  geographic.geotransform = {170.0, 0.01, 0, 60.0, 0, -0.01};
  std::vector<uint8_t> sparse(23 * 31, 0);
  for (int i = 0; i < 9; ++i) sparse[rng() % sparse.size()] = 1;
  expect_bands_equal_the_whole(sparse, geographic, {1, 2, 7, 31});
  expect_bands_equal_the_whole(std::vector<uint8_t>(23 * 31, 0), geographic, {5});  // no feature at all
}

// Both row types of pass 1's table through the bands: 16-bit below 32767 rows, 32-bit from there.
TEST(DistanceTransform, TallGridsByBandsEqualTheWhole) {
  for (int64_t h : {int64_t{32766}, int64_t{40000}}) {
    const GridFrame f = frame_for(3, h, 10.0, 7.0);
    std::vector<uint8_t> mask(static_cast<size_t>(3 * h), 0);
    for (int64_t r : {int64_t{5}, h / 2, h - 2}) mask[static_cast<size_t>(r * 3 + r % 3)] = 1;
    expect_bands_equal_the_whole(mask, f, {7001, h});
  }
}

TEST(DistanceTransform, ColumnEndsAndTheBandsRefused) {
  // Width 2, rows 0-5: column 0 has features on rows 1 and 4, column 1 none.
  const std::vector<uint8_t> mask = {0, 0, 1, 0, 0, 0, 0, 0, 1, 0, 0, 0};
  const auto rows = [&](int64_t r0, int64_t n) { return std::span(mask).subspan(static_cast<size_t>(r0 * 2), static_cast<size_t>(n * 2)); };
  const ColumnEnds ends = column_ends(rows(0, 6), 2, 0);
  EXPECT_EQ(ends.first, (std::vector<int32_t>{1, -1}));
  EXPECT_EQ(ends.last, (std::vector<int32_t>{4, -1}));
  EXPECT_EQ(ends.rows, 6);
  EXPECT_THROW(column_ends(mask, 5, 0), std::invalid_argument);
  const GridFrame f = frame_for(2, 6, 10.0, 10.0);
  const ColumnEnds top = column_ends(rows(0, 2), 2, 0), middle = column_ends(rows(2, 2), 2, 2),
                   bottom = column_ends(rows(4, 2), 2, 4);
  EXPECT_THROW(BandedDistanceTransform(f, {top, bottom}), std::invalid_argument);  // a gap
  EXPECT_THROW(BandedDistanceTransform(f, {top, middle}), std::invalid_argument);  // short of the grid
  EXPECT_THROW(BandedDistanceTransform(f, {middle, top, bottom}), std::invalid_argument);  // out of order
  EXPECT_THROW(BandedDistanceTransform(frame_for(3, 6, 10.0, 10.0), {top, middle, bottom}), std::invalid_argument);
  const BandedDistanceTransform transform(f, {top, middle, bottom});
  std::vector<float> out(6);
  EXPECT_THROW(transform.distance_for_band(rows(1, 3), 1, 3, out), std::invalid_argument);  // not a band given
  transform.distance_for_band(rows(2, 2), 2, 2, std::span(out).first(4));
  // Rows 2 and 3 see the features on rows 1 and 4, in the bands above and below.
  EXPECT_EQ(out, (std::vector<float>{10.0f, static_cast<float>(std::sqrt(200.0)), 10.0f,
                                     static_cast<float>(std::sqrt(200.0)), 0.0f, 0.0f}));
}

// Pass 1's table is 16-bit below 32767 rows and 32-bit from there: both sides of the switch,
// with features near the last rows so the row indices use the whole range. Checked against
// the few features directly (the all-pairs brute force is too slow at this height).
TEST(DistanceTransform, TallGridsEitherSideOfTheNarrowTable) {
  for (int64_t h : {int64_t{32766}, int64_t{32767}, int64_t{40000}}) {
    const GridFrame f = frame_for(3, h, 10.0, 7.0);
    std::vector<uint8_t> mask(static_cast<size_t>(3 * h), 0);
    const std::vector<int64_t> feature_rows = {5, h / 2, h - 2};
    for (int64_t r : feature_rows) mask[static_cast<size_t>(r * 3 + r % 3)] = 1;
    std::vector<float> d(mask.size());
    euclidean_distance_transform(mask, f, d);
    for (int64_t r = 0; r < h; ++r)
      for (int64_t c = 0; c < 3; ++c) {
        double want = INFINITY;
        for (int64_t fr : feature_rows) want = std::min(want, std::hypot((c - fr % 3) * 10.0, (r - fr) * 7.0));
        ASSERT_NEAR(d[static_cast<size_t>(r * 3 + c)], want, 1e-6 * want + 1e-4) << "row " << r << " col " << c;
      }
  }
}

// Cells whose distances a float cannot hold, or whose squared size is 0, are refused: the
// envelope's numbers became NaN and its search never ended (cells of 1e200 m hung).
TEST(DistanceTransform, CellsBeyondWhatDistancesHoldAreRefused) {
  std::vector<uint8_t> mask(64, 0);
  mask[10] = 1;
  std::vector<float> distance(64);
  for (const double size : {1e200, 1e120, 1e-200}) {
    const GridFrame f = frame_for(8, 8, size, size);
    EXPECT_FALSE(distance_frame_problem(f).empty()) << size;
    EXPECT_THROW(euclidean_distance_transform(mask, f, distance), std::invalid_argument) << size;
  }
  const GridFrame large = frame_for(8, 8, 1e36, 1e36);  // 8e36 across: within float32
  EXPECT_TRUE(distance_frame_problem(large).empty());
  euclidean_distance_transform(mask, large, distance);
  EXPECT_FLOAT_EQ(distance[11], 1e36f);
}
