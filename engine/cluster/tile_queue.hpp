#pragma once
// The order in which rank 0 hands out a job's tiles over MPI. Each rank has its own stretch of
// the plan, contiguous, taken in order: neighbouring tiles read the same blocks of the inputs
// (a DEM block lies under up to nine tiles with their halos), which a rank then decodes once
// into its own cache instead of every rank decoding them all. A rank whose stretch is done
// takes the last tile of the longest stretch left (dynamic load balancing: a rank on cheap
// tiles ends up taking some of a busy rank's, from the far end, away from where that rank
// works). Tiles only rank 0 may supply (update's copied ones) are rank 0's first.
#include <cstdint>
#include <deque>
#include <mutex>
#include <optional>
#include <vector>

namespace minerisk::cluster {

class TileQueue {
 public:
  /// Tiles 0 .. remote_ok.size() - 1 among `ranks` ranks; a tile whose remote_ok is false goes
  /// to rank 0 only.
  TileQueue(const std::vector<bool>& remote_ok, int ranks);
  /// The next tile for `rank`, or nothing when every tile has been handed out. Thread-safe.
  std::optional<int64_t> next(int rank);

 private:
  std::mutex mutex_;
  std::deque<int64_t> own_;                     // rank 0's alone
  std::vector<std::deque<int64_t>> stretches_;  // one per rank
};

}  // namespace minerisk::cluster
