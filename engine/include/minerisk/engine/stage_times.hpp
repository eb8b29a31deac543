#pragma once
// Where a command's time goes, for `minerisk run --timings FILE.json` and bench/compare_pipeline:
// sequential phases by wall clock, and the work done inside the tile loop summed over threads.
#include <chrono>
#include <cstdint>
#include <map>
#include <mutex>
#include <string>
#include <vector>

namespace minerisk {

class StageTimes {
 public:
  using Clock = std::chrono::steady_clock;

  /// Adds `seconds` of tile work to `name` (thread-safe).
  void add_work(const std::string& name, double seconds);
  /// Ends the current sequential phase under `name`: the wall time since the previous mark.
  void mark_phase(const std::string& name);
  /// One tile supplied in `seconds` (computed, or copied) on MPI rank `rank` (thread-safe): the
  /// per-tile costs from which bench/mpi_scaling.py models many ranks.
  void add_tile(int64_t index, int rank, double seconds);
  /// {"command", "wall_seconds", "threads", "ranks", "stages": {phase: s}, "tile_work": {name: s},
  /// "tiles": [{"index", "rank", "seconds"}]} as JSON; `threads` are each rank's.
  std::string json(const std::string& command, int threads, int ranks = 1) const;

 private:
  mutable std::mutex mutex_;
  Clock::time_point start_ = Clock::now(), last_mark_ = start_;
  std::vector<std::pair<std::string, double>> phases_;  // in order
  std::map<std::string, double> work_;
  struct Tile {
    int64_t index;
    int rank;
    double seconds;
  };
  std::vector<Tile> tiles_;
};

/// Times a block of tile work into `times` under `name`; does nothing when `times` is null.
class TimedWork {
 public:
  TimedWork(StageTimes* times, std::string name)
      : times_(times), name_(std::move(name)), start_(times ? StageTimes::Clock::now() : StageTimes::Clock::time_point()) {}
  ~TimedWork() {
    if (times_) times_->add_work(name_, std::chrono::duration<double>(StageTimes::Clock::now() - start_).count());
  }
  TimedWork(const TimedWork&) = delete;
  TimedWork& operator=(const TimedWork&) = delete;

 private:
  StageTimes* times_;
  std::string name_;
  StageTimes::Clock::time_point start_;
};

}  // namespace minerisk
