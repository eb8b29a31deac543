#include "tile_queue.hpp"

#include <algorithm>
#include <stdexcept>

namespace minerisk::cluster {

TileQueue::TileQueue(const std::vector<bool>& remote_ok, int ranks) : stretches_(static_cast<size_t>(ranks)) {
  if (ranks < 1) throw std::invalid_argument("TileQueue: no ranks");
  std::vector<int64_t> shared;
  for (size_t i = 0; i < remote_ok.size(); ++i) {
    if (remote_ok[i])
      shared.push_back(static_cast<int64_t>(i));
    else
      own_.push_back(static_cast<int64_t>(i));
  }
  // Stretches of equal length (the first ones one longer), in plan order.
  const size_t n = shared.size(), r = stretches_.size();
  size_t at = 0;
  for (size_t k = 0; k < r; ++k) {
    const size_t length = n / r + (k < n % r ? 1 : 0);
    stretches_[k].assign(shared.begin() + static_cast<std::ptrdiff_t>(at),
                         shared.begin() + static_cast<std::ptrdiff_t>(at + length));
    at += length;
  }
}

std::optional<int64_t> TileQueue::next(int rank) {
  std::lock_guard lock(mutex_);
  if (rank == 0 && !own_.empty()) {
    const int64_t i = own_.front();
    own_.pop_front();
    return i;
  }
  std::deque<int64_t>& mine = stretches_.at(static_cast<size_t>(rank));
  if (!mine.empty()) {
    const int64_t i = mine.front();
    mine.pop_front();
    return i;
  }
  // The longest stretch left (the first of equals), from its far end.
  auto longest = std::max_element(stretches_.begin(), stretches_.end(),
                                  [](const auto& a, const auto& b) { return a.size() < b.size(); });
  if (longest->empty()) return std::nullopt;
  const int64_t i = longest->back();
  longest->pop_back();
  return i;
}

}  // namespace minerisk::cluster
