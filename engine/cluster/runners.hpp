#pragma once
// A rank's own threads over the tiles it is given: `threads` threads, each taking the next tile
// from `next` (which may block while more may come, and returns nothing when there are none)
// and running `work` on it. The first error stops them all and is kept for the caller. Plain
// threads rather than oneTBB tasks: the rank's main thread stays free for MPI (it alone calls
// MPI), and a tile's own kernels still run in parallel with oneTBB inside `work`.
#include <atomic>
#include <cstdint>
#include <exception>
#include <functional>
#include <mutex>
#include <optional>
#include <thread>
#include <vector>

namespace minerisk::cluster {

class Runners {
 public:
  /// `wake` wakes threads that wait inside `next` (stop() calls it), so that they can end.
  Runners(int threads, std::function<std::optional<int64_t>()> next, std::function<void(int64_t)> work,
          std::function<void()> wake = {});
  /// Stops and joins: a thread's current tile is finished, no other is started.
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
  std::atomic<int> running_{0};
  std::atomic<bool> stopped_{false}, failed_{false};
  std::mutex error_mutex_;
  std::exception_ptr error_;
  std::vector<std::thread> threads_;
};

}  // namespace minerisk::cluster
