#include "minerisk/engine/tile_loop.hpp"

#include <tbb/global_control.h>
#include <tbb/parallel_for.h>

#include <optional>

#include "minerisk/engine/errors.hpp"
#include "minerisk/engine/progress.hpp"

namespace minerisk {

void for_each_tile(const std::vector<kernels::Window>& tiles, const TileLoopOptions& options,
                   const std::function<void(const kernels::Window&)>& work) {
  if (options.threads < 0) throw UserError("--threads: must be 0 (all cores) or more");
  std::optional<tbb::global_control> limit;
  if (options.threads > 0) limit.emplace(tbb::global_control::max_allowed_parallelism, options.threads);
  Progress progress(static_cast<int64_t>(tiles.size()), options.label, options.quiet);
  tbb::parallel_for(tbb::blocked_range<size_t>(0, tiles.size(), 1), [&](const tbb::blocked_range<size_t>& range) {
    for (size_t i = range.begin(); i != range.end(); ++i) {
      if (options.cancel && options.cancel->load()) throw Cancelled();
      work(tiles[i]);
      progress.tick();
    }
  });
  if (options.cancel && options.cancel->load()) throw Cancelled();
  progress.finish();
}

}  // namespace minerisk
