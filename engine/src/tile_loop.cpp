#include "minerisk/engine/tile_loop.hpp"

#include <tbb/global_control.h>
#include <tbb/blocked_range.h>

#include <algorithm>
#include <atomic>
#include <mutex>
#include <optional>

#include "minerisk/engine/errors.hpp"
#include "minerisk/engine/progress.hpp"
#include "minerisk/kernels/parallel.hpp"

namespace minerisk {

void check_tile_size(int64_t tile_size, const std::string& option) {
  if (tile_size < kMinTileSize || tile_size > kMaxTileSize)
    throw UserError(option + ": " + std::to_string(tile_size) + " is out of range; use " + std::to_string(kMinTileSize) +
                    " to " + std::to_string(kMaxTileSize) + " (default 512)");
}

void check_threads(int threads, const std::string& option) {
  if (threads < 0) throw UserError(option + ": must be 0 (all cores) or more");
}

void for_each_tile(const std::vector<kernels::Window>& tiles, const TileLoopOptions& options,
                   const std::function<void(const kernels::Window&)>& work) {
  for_each_job(static_cast<int64_t>(tiles.size()), options, [&](int64_t i) { work(tiles[static_cast<size_t>(i)]); });
}

void for_each_job(int64_t jobs, const TileLoopOptions& options, const std::function<void(int64_t)>& work) {
  check_threads(options.threads);
  std::optional<tbb::global_control> limit;
  if (options.threads > 0) limit.emplace(tbb::global_control::max_allowed_parallelism, options.threads);
  Progress progress(jobs, options.label, options.quiet);
  // The caller's callback sees the tiles done in order of completion, one call at a time.
  std::mutex callback_mutex;
  int64_t done = 0;
  std::atomic<bool> stopped{false};
  auto cancelled = [&] { return stopped.load() || (options.cancel && options.cancel->load()); };
  auto one = [&](int64_t i) {
    if (cancelled()) throw Cancelled();
    work(i);
    progress.tick();
    if (options.progress) {
      std::lock_guard lock(callback_mutex);
      ++done;
      if (!options.progress(static_cast<double>(done) / static_cast<double>(jobs))) stopped.store(true);
    }
  };
  if (options.in_plan_order) {
    // One loop per thread, each taking the next job: at most a job per thread runs ahead of the
    // first unfinished one.
    std::atomic<int64_t> next{0};
    const auto threads = static_cast<int64_t>(tbb::global_control::active_value(tbb::global_control::max_allowed_parallelism));
    kernels::parallel_for(tbb::blocked_range<int64_t>(0, std::max<int64_t>(1, std::min(threads, jobs)), 1),
                          [&](const tbb::blocked_range<int64_t>& loops) {
                            for (int64_t loop = loops.begin(); loop != loops.end(); ++loop)
                              for (int64_t i = next++; i < jobs; i = next++) one(i);
                          });
  } else {
    kernels::parallel_for(tbb::blocked_range<int64_t>(0, jobs, 1), [&](const tbb::blocked_range<int64_t>& range) {
      for (int64_t i = range.begin(); i != range.end(); ++i) one(i);
    });
  }
  if (cancelled()) throw Cancelled();
  progress.finish();
}

}  // namespace minerisk
