// The tile loop's plan order (each thread takes the next job), and TilesInOrder, which hands
// tiles finished in any order on in the plan's.
#include <gtest/gtest.h>

#include <algorithm>
#include <mutex>
#include <optional>
#include <stdexcept>
#include <vector>

#include "../../engine/ops/tiles_in_order.hpp"
#include "minerisk/engine/tile_loop.hpp"

using minerisk::TileLoopOptions;

TEST(TileLoop, InPlanOrderRunsEveryJobOnce) {
  // Which thread enters its job first is the scheduler's: only that each runs once is certain.
  for (const bool in_plan_order : {false, true}) {
    TileLoopOptions options;
    options.quiet = true;
    options.threads = 2;
    options.in_plan_order = in_plan_order;
    std::mutex m;
    std::vector<int64_t> ran;
    minerisk::for_each_job(200, options, [&](int64_t i) {
      std::lock_guard lock(m);
      ran.push_back(i);
    });
    std::sort(ran.begin(), ran.end());
    ASSERT_EQ(ran.size(), 200u);
    for (size_t i = 0; i < ran.size(); ++i) EXPECT_EQ(ran[i], static_cast<int64_t>(i));
  }
}

TEST(TileLoop, TilesInOrderHandsOnInThePlansOrder) {
  std::vector<minerisk::kernels::Window> plan;
  for (int64_t r = 0; r < 3; ++r)
    for (int64_t c = 0; c < 3; ++c) plan.push_back({c * 10, r * 10, 10, 10});
  minerisk::ops::TilesInOrder<int> in_order(plan);
  std::vector<int> handed;
  const auto hand_on = [&](int v) { handed.push_back(v); };
  for (size_t i : {2u, 0u, 1u, 5u, 3u, 4u, 8u, 6u, 7u})
    in_order.done(plan[i], i == 4 ? std::nullopt : std::optional<int>(static_cast<int>(i)), hand_on);
  EXPECT_EQ(handed, (std::vector<int>{0, 1, 2, 3, 5, 6, 7, 8}));  // a tile left out is passed over
}

TEST(TileLoop, TilesInOrderHandsNothingOnAfterAFailure) {
  // A write that failed (a full disk) ends the loop; the tiles other threads finish meanwhile
  // are dropped, not handed on (the writer after its failure crashed on them).
  std::vector<minerisk::kernels::Window> plan;
  for (int64_t c = 0; c < 4; ++c) plan.push_back({c * 10, 0, 10, 10});
  minerisk::ops::TilesInOrder<int> in_order(plan);
  std::vector<int> handed;
  const auto hand_on = [&](int v) {
    if (v == 1) throw std::runtime_error("no space left");
    handed.push_back(v);
  };
  in_order.done(plan[0], 0, hand_on);
  EXPECT_THROW(in_order.done(plan[1], 1, hand_on), std::runtime_error);
  in_order.done(plan[3], 3, hand_on);
  in_order.done(plan[2], 2, hand_on);
  EXPECT_EQ(handed, std::vector<int>{0});
}
