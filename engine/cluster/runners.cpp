#include "runners.hpp"

#include <system_error>

#include "minerisk/engine/errors.hpp"

namespace minerisk::cluster {

Runners::Runners(int threads, std::function<std::optional<int64_t>()> next, std::function<void(int64_t)> work,
                 std::function<void()> wake)
    : next_(std::move(next)), work_(std::move(work)), wake_(std::move(wake)) {
  running_.store(threads);
  for (int t = 0; t < threads; ++t) {
    try {
      threads_.emplace_back([this] { run(); });
    } catch (const std::system_error&) {
      // The system has no more threads to give (--threads beyond its limits): the ones started
      // do the work, as oneTBB does with the threads it gets; none at all is an error.
      running_.fetch_sub(threads - t);
      if (t == 0) throw UserError("--threads: not even one thread could be started; use fewer threads or ranks");
      break;
    }
  }
}

void Runners::run() {
  try {
    while (!stopped_.load()) {
      const std::optional<int64_t> tile = next_();
      if (!tile || stopped_.load()) break;
      work_(*tile);
    }
  } catch (...) {
    std::lock_guard lock(error_mutex_);
    if (!error_) error_ = std::current_exception();
    failed_.store(true);
    stopped_.store(true);
  }
  running_.fetch_sub(1);
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
  for (std::thread& t : threads_)
    if (t.joinable()) t.join();
  std::lock_guard lock(error_mutex_);
  return error_;
}

}  // namespace minerisk::cluster
