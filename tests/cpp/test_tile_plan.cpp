#include <gtest/gtest.h>

#include "minerisk/kernels/tile_plan.hpp"

using minerisk::TilePlan;

TEST(TilePlan, CoversTheGridExactlyOnce) {
  for (int64_t size : {1, 7, 256, 1000}) {
    const TilePlan plan(1000, 601, size);
    std::vector<int> hits(1000 * 601, 0);
    for (const auto& t : plan.tiles())
      for (int64_t r = t.row0; r < t.row0 + t.height; ++r)
        for (int64_t c = t.col0; c < t.col0 + t.width; ++c) ++hits[static_cast<size_t>(r * 1000 + c)];
    for (int h : hits) ASSERT_EQ(h, 1) << "tile size " << size;
  }
}

TEST(TilePlan, OneByOneGridIsOneTile) {
  const TilePlan plan(1, 1, 512);
  ASSERT_EQ(plan.tiles().size(), 1u);
  EXPECT_EQ(plan.tiles()[0], (minerisk::Window{0, 0, 1, 1}));
}

TEST(TilePlan, HaloGrowsTheWindowOnEverySide) {
  const minerisk::Window w{10, 20, 5, 6};
  EXPECT_EQ(w.grown(2), (minerisk::Window{8, 18, 9, 10}));
}

TEST(TilePlan, RejectsEmptyGridsAndTiles) {
  EXPECT_THROW(TilePlan(0, 5, 8), std::invalid_argument);
  EXPECT_THROW(TilePlan(5, 5, 0), std::invalid_argument);
}
