#pragma once
// A rank's own cores over the tiles it is given, with oneTBB: a task arena of `threads` slots,
// none reserved for the calling thread, so that the rank's main thread stays free for MPI (it
// alone calls MPI) while `threads` of oneTBB's workers each take the next tile from `next`
// (which may block while more may come, and returns nothing when there are none) and run
// `work` on it. A tile's kernels run their own parallel loops in the same arena, on the same
// cores. The first error stops them all and is kept for the caller.
#include <tbb/global_control.h>
#include <tbb/task_arena.h>

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <exception>
#include <functional>
#include <mutex>
#include <optional>

namespace minerisk::cluster {

class Runners {
 public:
  /// `wake` wakes threads that wait inside `next` (stop() calls it), so that they can end.
  Runners(int threads, std::function<std::optional<int64_t>()> next, std::function<void(int64_t)> work,
          std::function<void()> wake = {});
  /// Stops and waits: a thread's current tile is finished, no other is started.
  ~Runners();
  Runners(const Runners&) = delete;
  Runners& operator=(const Runners&) = delete;

  /// Every thread has ended (no tile left, or an error, or stopped).
  bool all_ended() const { return running_.load() == 0; }
  /// Asks the threads to take no further tile.
  void stop();
  bool failed() const { return failed_.load(); }
  /// Waits for every thread; the first error, if any.
  std::exception_ptr join();

 private:
  void run();  // one thread's loop

  std::function<std::optional<int64_t>()> next_;
  std::function<void(int64_t)> work_;
  std::function<void()> wake_;
  // oneTBB keeps one fewer worker than its parallelism for the thread that waits; here that
  // thread does MPI, so the parallelism is one more than the arena's threads.
  tbb::global_control workers_;
  tbb::task_arena arena_;
  std::atomic<int> running_{0};
  std::atomic<bool> stopped_{false}, failed_{false};
  std::mutex mutex_;
  std::condition_variable ended_;
  std::exception_ptr error_;
};

}  // namespace minerisk::cluster
