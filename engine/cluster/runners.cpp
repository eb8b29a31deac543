#include "runners.hpp"

#include <tbb/task_arena.h>

namespace minerisk::cluster {

Runners::Runners(int threads, std::function<std::optional<int64_t>()> next, std::function<void(int64_t)> work,
                 std::function<void()> wake)
    : next_(std::move(next)),
      work_(std::move(work)),
      wake_(std::move(wake)),
      workers_(tbb::global_control::max_allowed_parallelism, static_cast<size_t>(threads) + 1),
      arena_(threads, /*reserved_for_masters=*/0) {
  running_.store(threads);
  for (int t = 0; t < threads; ++t) arena_.enqueue([this] { run(); });
}

void Runners::run() {
  try {
    while (!stopped_.load()) {
      const std::optional<int64_t> tile = next_();
      if (!tile || stopped_.load()) break;
      // Isolated: while a tile's kernels wait for their parallel loops, this thread runs only
      // their tasks, never another runner's loop (which would hold this tile until it ended).
      tbb::this_task_arena::isolate([&] { work_(*tile); });
    }
  } catch (...) {
    std::lock_guard lock(mutex_);
    if (!error_) error_ = std::current_exception();
    failed_.store(true);
    stopped_.store(true);
  }
  std::lock_guard lock(mutex_);
  running_.fetch_sub(1);
  ended_.notify_all();
}

Runners::~Runners() {
  stop();
  join();
}

void Runners::stop() {
  stopped_.store(true);
  if (wake_) wake_();
}

std::exception_ptr Runners::join() {
  std::unique_lock lock(mutex_);
  ended_.wait(lock, [&] { return running_.load() == 0; });
  return error_;
}

}  // namespace minerisk::cluster
