// The pieces of `minerisk update` that a Python test cannot reach precisely: the reach box a
// feature's fingerprint looks in (against a brute-force list of what the density kernel
// reads), the fingerprints' sensitivity to order, value and grouping, and the journal's
// handling of a record cut short by a kill.
#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <random>

#include "../../engine/features/fingerprint_inputs.hpp"
#include "../../engine/ops/update_journal.hpp"
#include "minerisk/kernels/point_density.hpp"

using namespace minerisk;
using namespace minerisk::features;

namespace {
kernels::GridFrame frame_of(bool geographic) {
  kernels::GridFrame f;
  f.geographic = geographic;
  f.geotransform = geographic ? std::array<double, 6>{44.0, 0.0001, 0, 40.0, 0, -0.0001}
                              : std::array<double, 6>{600000, 10, 0, 4400000, 0, -10};
  f.width = f.height = 400;
  return f;
}

Digest digest_of(const PointFingerprints& p, const ReachBox& box) {
  Sha256 h;
  p.hash(box, h);
  return h.finish();
}
}  // namespace

// Every point whose density reaches a cell of the tile lies in the tile's reach box: a point is
// put at random near the tile, and if the kernel gives the tile any density from it, the box
// must hold it. Projected and geographic grids.
TEST(UpdateFingerprint, ReachBoxHoldsEveryPointTheDensityReads) {
  for (bool geographic : {false, true}) {
    const kernels::GridFrame frame = frame_of(geographic);
    const kernels::Window tile{100, 120, 64, 48};
    const double bandwidth = 80, reach = kernels::kDefaultTruncate * bandwidth * std::sqrt(2.0);
    const ReachBox box = reach_box(frame, tile, reach);
    std::mt19937_64 rng(7);
    std::uniform_real_distribution<double> u(-0.3, 1.3);
    int reached = 0;
    for (int k = 0; k < 3000; ++k) {
      const double x = frame.geotransform[0] + (tile.col0 + u(rng) * tile.width * 2) * frame.geotransform[1] -
                       tile.width * 0.5 * frame.geotransform[1];
      const double y = frame.geotransform[3] + (tile.row0 + u(rng) * tile.height * 2) * frame.geotransform[5] -
                       tile.height * 0.5 * frame.geotransform[5];
      std::vector<kernels::WeightedPoint> one{{x, y, 1.0}};
      std::vector<float> out(static_cast<size_t>(tile.cells()));
      kernels::gaussian_density_per_km2(one, bandwidth, tile, frame, out);
      const bool any = std::any_of(out.begin(), out.end(), [](float v) { return v > 0; });
      if (any) {
        ++reached;
        EXPECT_TRUE(box.contains(x, y)) << (geographic ? "geographic" : "projected") << " x " << x << " y " << y;
      }
    }
    EXPECT_GT(reached, 100);  // the test placed points that matter
  }
}

TEST(UpdateFingerprint, PointsInOrderValueAndPlace) {
  auto make = [](std::vector<kernels::WeightedPoint> v) {
    return PointFingerprints(std::make_shared<const std::vector<kernels::WeightedPoint>>(std::move(v)));
  };
  ReachBox box{0, 10, 0, 10, false};
  const std::vector<kernels::WeightedPoint> base{{1, 1, 1}, {2, 2, 1}, {50, 50, 1}};
  const Digest d = digest_of(make(base), box);
  EXPECT_EQ(d, digest_of(make({{1, 1, 1}, {2, 2, 1}, {60, 60, 5}}), box));  // outside the box: no matter
  EXPECT_NE(d, digest_of(make({{2, 2, 1}, {1, 1, 1}, {50, 50, 1}}), box));  // order: the kernel's sum order
  EXPECT_NE(d, digest_of(make({{1, 1, 2}, {2, 2, 1}, {50, 50, 1}}), box));  // weight
  EXPECT_NE(d, digest_of(make({{1, 1.000001, 1}, {2, 2, 1}, {50, 50, 1}}), box));  // position
  EXPECT_NE(d, digest_of(make({{1, 1, 1}, {50, 50, 1}}), box));  // one deleted
  EXPECT_EQ(digest_of(make(base), ReachBox{.everything = true}), digest_of(make(base), ReachBox{-100, 100, -100, 100, false}));
}

TEST(UpdateFingerprint, PolygonsByGroupingNotRecordNumber) {
  auto square = [](double x, double v, int64_t record) {
    return kernels::Polygon{{{{x, 0}, {x + 1, 0}, {x + 1, 1}, {x, 1}, {x, 0}}}, v, record};
  };
  auto digest = [](std::vector<kernels::Polygon> v) {
    Sha256 h;
    PolygonFingerprints(std::make_shared<const std::vector<kernels::Polygon>>(std::move(v))).hash(ReachBox{0, 5, 0, 5, false}, h);
    return h.finish();
  };
  const Digest d = digest({square(1, 0.5, 3), square(2, 0.5, 3), square(3, 0.9, 4)});
  EXPECT_EQ(d, digest({square(1, 0.5, 7), square(2, 0.5, 7), square(3, 0.9, 9)}));  // records renumbered
  EXPECT_NE(d, digest({square(1, 0.5, 3), square(2, 0.5, 4), square(3, 0.9, 4)}));  // parts regrouped
  EXPECT_NE(d, digest({square(1, 0.5, 3), square(2, 0.5, 3), square(3, 0.8, 4)}));  // a value
  EXPECT_EQ(d, digest({square(1, 0.5, 3), square(2, 0.5, 3), square(3, 0.9, 4), square(40, 0.2, 5)}));  // far away
}

// A tile's sub-blocks are fingerprinted together (hash_each: the inputs searched once for all of
// them): each digest is the one hash() gives for its box alone, for boxes in a row, overlapping,
// empty of inputs and the whole plane, with points and polygons in random order and places.
TEST(UpdateFingerprint, EachBoxAtOnceAsAlone) {
  std::mt19937 rng(13);
  std::uniform_real_distribution<double> at(0, 100);
  auto points = std::make_shared<std::vector<kernels::WeightedPoint>>();
  auto polygons = std::make_shared<std::vector<kernels::Polygon>>();
  for (int i = 0; i < 500; ++i) {
    const double x = at(rng), y = at(rng);
    points->push_back({x, y, 1.0 + i % 3});
    if (i % 5 == 0)
      polygons->push_back({{{{x, y}, {x + 3, y}, {x + 3, y + 7}, {x, y}}}, 0.25 * (i % 4), static_cast<int64_t>(i % 37)});
  }
  const PointFingerprints p(points);
  const PolygonFingerprints q(polygons);
  std::vector<ReachBox> boxes;
  for (double x = 0; x < 100; x += 12.5)
    for (double y = 0; y < 100; y += 25) boxes.push_back({x - 4, x + 16, y - 4, y + 29, false});
  boxes.push_back({200, 210, 200, 210, false});  // nothing there
  boxes.push_back(ReachBox{.everything = true});
  for (bool with_everything : {false, true}) {
    const std::span<const ReachBox> some(boxes.data(), boxes.size() - (with_everything ? 0 : 1));
    std::vector<Sha256> points_at_once(some.size()), polygons_at_once(some.size());
    p.hash_each(some, points_at_once);
    q.hash_each(some, polygons_at_once);
    for (size_t b = 0; b < some.size(); ++b) {
      Sha256 alone_p, alone_q;
      p.hash(some[b], alone_p);
      q.hash(some[b], alone_q);
      EXPECT_EQ(points_at_once[b].finish(), alone_p.finish()) << "points, box " << b;
      EXPECT_EQ(polygons_at_once[b].finish(), alone_q.finish()) << "polygons, box " << b;
    }
  }
}

TEST(UpdateJournal, KeepsWholeRecordsAndDropsOneCutShort) {
  const auto folder = std::filesystem::temp_directory_path() / ("journal_test_" + std::to_string(::getpid()));
  std::filesystem::create_directories(folder);
  const auto output = folder / "out.nc";
  Digest k1, k2;
  k1.bytes[0] = std::byte{1};
  k2.bytes[0] = std::byte{2};
  const std::vector<std::byte> a(1000, std::byte{7}), b(333, std::byte{9});
  {
    ops::UpdateJournal j(output);
    EXPECT_EQ(j.records(), 0u);
    j.append(3, k1, {&a, &b});
    j.append(5, k2, {&b});
  }
  {
    // A kill in the middle of a third record: its bytes cut short.
    std::ofstream f(ops::UpdateJournal::path_for(output), std::ios::app | std::ios::binary);
    f.write("TILE\x07\x00\x00", 7);
  }
  ops::UpdateJournal j(output);
  EXPECT_EQ(j.records(), 2u);
  auto got = j.take(3, k1);
  ASSERT_TRUE(got);
  EXPECT_EQ(*got, (std::vector<std::vector<std::byte>>{a, b}));
  EXPECT_FALSE(j.take(3, k2));  // another fingerprint: the tile changed since
  EXPECT_FALSE(j.take(4, k1));
  ASSERT_TRUE(j.take(5, k2));
  // A damaged byte in the first record: it and everything after are dropped.
  j.remove();
  EXPECT_FALSE(std::filesystem::exists(ops::UpdateJournal::path_for(output)));
  {
    ops::UpdateJournal fresh(output);
    fresh.append(1, k1, {&a});
    fresh.append(2, k2, {&a});
  }
  {
    std::fstream f(ops::UpdateJournal::path_for(output), std::ios::in | std::ios::out | std::ios::binary);
    f.seekp(100);
    f.put('\x55');
  }
  EXPECT_EQ(ops::UpdateJournal(output).records(), 0u);
  std::filesystem::remove_all(folder);
}
