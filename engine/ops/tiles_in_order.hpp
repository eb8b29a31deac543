#pragma once
// Tiles computed in any order, handed on in the plan's order. A file written as the tiles come
// holds them in the order the threads finished, so two runs of one command (or the command line
// and Python) wrote different files of the same values; in the plan's order they are the same
// file, bit for bit, at any thread count. Internal to engine/ops.
#include <cstdint>
#include <map>
#include <mutex>
#include <optional>
#include <utility>
#include <vector>

#include "minerisk/kernels/tile_plan.hpp"

namespace minerisk::ops {

template <class Item>
class TilesInOrder {
 public:
  explicit TilesInOrder(const std::vector<kernels::Window>& plan) {
    for (size_t i = 0; i < plan.size(); ++i) index_[{plan[i].row0, plan[i].col0}] = i;
  }

  /// `tile` is done: its item (nullopt for a tile left out) waits until every earlier tile of the
  /// plan is done; then `hand_on(item)` is called for each item now in order, under one lock.
  /// Only the tiles finished ahead of a slower one wait: a few per thread when the loop takes
  /// the tiles in the plan's order (TileLoopOptions::in_plan_order).
  /// When `hand_on` throws (a disk that fills), its exception ends the loop; the tiles done
  /// meanwhile on other threads are dropped, never handed on after it.
  template <class HandOn>
  void done(const kernels::Window& tile, std::optional<Item> item, HandOn&& hand_on) {
    const std::lock_guard lock(mutex_);
    if (failed_) return;
    waiting_.emplace(index_.at({tile.row0, tile.col0}), std::move(item));
    for (auto next = waiting_.find(next_); next != waiting_.end(); next = waiting_.find(next_)) {
      std::optional<Item> ready = std::move(next->second);
      waiting_.erase(next);
      ++next_;
      if (!ready) continue;
      try {
        hand_on(std::move(*ready));
      } catch (...) {
        failed_ = true;
        waiting_.clear();
        throw;
      }
    }
  }

 private:
  std::mutex mutex_;
  std::map<std::pair<int64_t, int64_t>, size_t> index_;
  std::map<size_t, std::optional<Item>> waiting_;
  size_t next_ = 0;
  bool failed_ = false;
};

}  // namespace minerisk::ops
