// The order rank 0 hands out tiles over MPI (engine/cluster/tile_queue): every tile exactly
// once whatever the order of asking, each rank its own stretch in plan order, then the far end
// of the longest stretch left; rank 0's own tiles first.
#include <gtest/gtest.h>

#include <algorithm>
#include <random>
#include <vector>

#include "cluster/tile_queue.hpp"

using minerisk::cluster::TileQueue;

TEST(TileQueue, EachRankItsStretchThenTheFarEndOfTheLongest) {
  TileQueue q(std::vector<bool>(10, true), 3);  // stretches 0-3, 4-6, 7-9
  EXPECT_EQ(q.next(1), 4);
  EXPECT_EQ(q.next(0), 0);
  EXPECT_EQ(q.next(2), 7);
  EXPECT_EQ(q.next(1), 5);
  EXPECT_EQ(q.next(1), 6);
  // Rank 1's stretch is done: the longest left is rank 0's (1-3), from its end.
  EXPECT_EQ(q.next(1), 3);
  EXPECT_EQ(q.next(0), 1);
  // Now rank 2's (8, 9) is the longest.
  EXPECT_EQ(q.next(1), 9);
  EXPECT_EQ(q.next(0), 2);
  EXPECT_EQ(q.next(0), 8);
  EXPECT_EQ(q.next(0), std::nullopt);
  EXPECT_EQ(q.next(2), std::nullopt);
}

TEST(TileQueue, RankZerosOwnTilesFirstAndNeverElsewhere) {
  std::vector<bool> remote_ok{true, false, true, false, true};
  TileQueue q(remote_ok, 2);  // rank 0's own: 1, 3; stretches: 0, 2 and 4
  EXPECT_EQ(q.next(1), 4);
  EXPECT_EQ(q.next(1), 2);  // the far end of rank 0's stretch
  EXPECT_EQ(q.next(1), 0);
  EXPECT_EQ(q.next(1), std::nullopt);  // 1 and 3 are rank 0's alone
  EXPECT_EQ(q.next(0), 1);
  EXPECT_EQ(q.next(0), 3);
  EXPECT_EQ(q.next(0), std::nullopt);
}

TEST(TileQueue, EveryTileOnceWhateverTheOrderOfAsking) {
  std::mt19937 random(7);
  for (int ranks : {1, 2, 3, 7}) {
    for (int tiles : {0, 1, 5, 64, 101}) {
      std::vector<bool> remote_ok(static_cast<size_t>(tiles));
      for (size_t i = 0; i < remote_ok.size(); ++i) remote_ok[i] = random() % 4 != 0;
      TileQueue q(remote_ok, ranks);
      std::vector<int64_t> seen;
      std::vector<bool> finished(static_cast<size_t>(ranks), false);
      while (std::count(finished.begin(), finished.end(), false) > 0) {
        const int r = static_cast<int>(random() % static_cast<unsigned>(ranks));
        if (finished[static_cast<size_t>(r)]) continue;
        const auto tile = q.next(r);
        if (!tile) {
          finished[static_cast<size_t>(r)] = true;
          continue;
        }
        if (r != 0) {
          EXPECT_TRUE(remote_ok[static_cast<size_t>(*tile)]) << *tile;
        }
        seen.push_back(*tile);
      }
      std::sort(seen.begin(), seen.end());
      std::vector<int64_t> all(static_cast<size_t>(tiles));
      for (int i = 0; i < tiles; ++i) all[static_cast<size_t>(i)] = i;
      EXPECT_EQ(seen, all) << ranks << " ranks, " << tiles << " tiles";
    }
  }
}
