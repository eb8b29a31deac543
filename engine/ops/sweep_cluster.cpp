#include "sweep_cluster.hpp"

#include <cstring>
#include <map>
#include <mutex>
#include <optional>

#include <tbb/enumerable_thread_specific.h>
#include <tbb/global_control.h>

#include "minerisk/engine/cluster.hpp"
#include "minerisk/engine/grid_file_writer.hpp"
#include "minerisk/engine/progress.hpp"
#include "tile_message.hpp"

namespace minerisk::sweep {

namespace {
template <typename T>
std::vector<std::byte> bytes_of(std::span<const T> values) {
  std::vector<std::byte> out(values.size_bytes());
  std::memcpy(out.data(), values.data(), out.size());
  return out;
}

template <typename T>
std::vector<T> values_of(const std::vector<std::byte>& bytes) {
  if (bytes.size() % sizeof(T)) throw std::runtime_error("a sweep's message from another rank is malformed");
  std::vector<T> out(bytes.size() / sizeof(T));
  std::memcpy(out.data(), bytes.data(), bytes.size());
  return out;
}

// Pass 1's header: the base's top bin, and how many scenarios a unit of work holds (all of
// them: a unit is a tile).
struct StatisticsJob {
  int64_t base_top_bin = 0, block = 0;
};

// Scenarios a unit holds: all of them while there are at least as many tiles as scenarios; else
// blocks small enough that each rank gets about four units.
int64_t block_size(int64_t scenarios, int64_t tiles, int ranks) {
  if (scenarios <= tiles) return std::max<int64_t>(scenarios, 1);
  const int64_t blocks = std::min(scenarios, (4 * ranks + tiles - 1) / tiles);
  return (scenarios + blocks - 1) / blocks;
}

int64_t blocks_of(int64_t scenarios, int64_t block) { return std::max<int64_t>(1, (scenarios + block - 1) / block); }

struct Share {
  int threads;
  tbb::global_control limit;
  Progress progress;
  explicit Share(const SweepOptions& options, int64_t units, const std::string& label)
      : threads(cluster::default_threads(options.threads)),
        limit(tbb::global_control::max_allowed_parallelism, static_cast<size_t>(threads)),
        progress(units, label + " (" + std::to_string(cluster::size()) + " ranks)", options.quiet) {}
};
}  // namespace

void share_base_pass(const SweepTiles& work, const SweepOptions& options, const std::function<void(int64_t)>& local,
                     BaseSums& sums) {
  const auto tiles = static_cast<int64_t>(work.plan().tiles().size());
  Share share(options, tiles, "minerisk sweep, the base");
  const auto results = cluster::share_tiles(
      {}, std::vector<bool>(static_cast<size_t>(tiles), true), share.threads, options.cancel, local,
      [](int, std::vector<std::byte>) {}, [&] { share.progress.tick(); });
  for (const auto& r : results) sums.add(BaseSums::from_flat(values_of<int64_t>(r)));
  share.progress.finish();
}

void share_statistics_pass(const SweepTiles& work, const SweepOptions& options, int base_top_bin,
                           const StatisticsPass& pass, Totals& totals) {
  const auto tiles = static_cast<int64_t>(work.plan().tiles().size());
  const int64_t n_s = work.scenarios();
  const StatisticsJob job{base_top_bin, block_size(n_s, tiles, cluster::size())};
  const int64_t blocks = blocks_of(n_s, job.block), units = tiles * blocks;
  Share share(options, units, "minerisk sweep (" + std::to_string(n_s) + " scenarios)");
  // Blocks of a tile as they come in: each block's scenarios, then the base's probability.
  std::mutex mutex;
  std::map<int64_t, std::vector<std::vector<std::vector<float>>>> arrived;
  auto take_block = [&](int64_t unit, std::vector<std::vector<float>> probabilities) {
    const int64_t tile = unit / blocks;
    std::vector<std::vector<std::vector<float>>> all;
    {
      std::lock_guard lock(mutex);
      auto& parts = arrived[tile];
      parts.resize(static_cast<size_t>(blocks));
      parts[static_cast<size_t>(unit % blocks)] = std::move(probabilities);
      for (const auto& p : parts)
        if (p.empty()) return;
      all = std::move(parts);
      arrived.erase(tile);
    }
    std::vector<std::vector<float>> in_order;
    for (auto& part : all) std::move(part.begin(), part.end() - 1, std::back_inserter(in_order));
    in_order.push_back(std::move(all.front().back()));  // the base, the same in every block
    pass.statistics(tile, std::move(in_order));
  };
  std::vector<std::byte> header(sizeof job);
  std::memcpy(header.data(), &job, sizeof job);
  const auto results = cluster::share_tiles(
      header, std::vector<bool>(static_cast<size_t>(units), true), share.threads, options.cancel,
      [&](int64_t unit) {
        if (blocks == 1) return pass.whole_tile(unit);
        TileFeatures f = pass.features(unit / blocks);
        take_block(unit, work.probabilities(f, static_cast<size_t>((unit % blocks) * job.block),
                                            static_cast<size_t>(job.block)));
      },
      [&](int, std::vector<std::byte> bytes) {
        ops::TileMessage m = ops::unpack_tile_message(bytes);
        if (m.index < 0 || m.index >= units) throw std::runtime_error("another rank sent a unit it was not given");
        if (blocks == 1) return pass.stored_tile(m.index, std::move(m.stored.chunks));
        std::vector<std::vector<float>> probabilities;
        for (const auto& chunk : m.stored.chunks) probabilities.push_back(values_of<float>(chunk));
        take_block(m.index, std::move(probabilities));
      },
      [&] { share.progress.tick(); });
  for (const auto& r : results) totals.add_flat(values_of<int64_t>(r));
  share.progress.finish();
}

void serve_sweep(const SweepSpec& spec, const SweepOptions& options) {
  std::exception_ptr failed;
  std::optional<SweepTiles> work;
  try {
    work.emplace(spec, options);
  } catch (...) {
    failed = std::current_exception();
  }
  const int threads = cluster::default_threads(options.threads);
  const tbb::global_control limit(tbb::global_control::max_allowed_parallelism, static_cast<size_t>(threads));
  auto tile_at = [&](int64_t index) -> const kernels::Window& {
    const auto& tiles = work->plan().tiles();
    if (index < 0 || index >= static_cast<int64_t>(tiles.size()))
      throw std::runtime_error("rank 0 asked for tile " + std::to_string(index) + " of " + std::to_string(tiles.size()));
    return tiles[static_cast<size_t>(index)];
  };

  // Pass 0: the base's sums, sent when done.
  if (!cluster::await_job(options.cancel)) return;
  std::mutex mutex;
  BaseSums sums;
  cluster::serve_tiles(
      threads, options.cancel,
      [&](int64_t index) {
        BaseSums local;
        work->base_pass(tile_at(index), local);
        std::lock_guard lock(mutex);
        sums.add(local);
        return std::vector<std::byte>{};
      },
      failed, [&] { return bytes_of<int64_t>(std::span<const int64_t>(sums.flat())); });

  // Pass 1: whole tiles' chunks, or blocks' probabilities; the totals when done.
  const std::optional<std::vector<std::byte>> header = cluster::await_job(options.cancel);
  if (!header) return;
  StatisticsJob job;
  if (header->size() != sizeof job) throw std::runtime_error("a sweep's header of the wrong size");
  std::memcpy(&job, header->data(), sizeof job);
  const int64_t n_s = failed ? 1 : work->scenarios();
  const int64_t blocks = blocks_of(n_s, job.block);
  tbb::enumerable_thread_specific<Totals> thread_totals(
      [&] { return Totals(static_cast<size_t>(n_s), spec.thresholds.size()); });
  cluster::serve_tiles(
      threads, options.cancel,
      [&](int64_t unit) {
        const kernels::Window& tile = tile_at(unit / blocks);
        TileFeatures f = work->model().features(tile);
        ops::TileMessage m;
        m.index = unit;
        if (blocks > 1) {
          for (const auto& p : work->probabilities(f, static_cast<size_t>((unit % blocks) * job.block),
                                                   static_cast<size_t>(job.block)))
            m.stored.chunks.push_back(bytes_of<float>(std::span<const float>(p)));
        } else {
          const auto probabilities = work->probabilities(f, 0, static_cast<size_t>(n_s));
          const CellStatistics c = cell_statistics(probabilities, tile, work->inputs().grid, spec.thresholds,
                                                   static_cast<int>(job.base_top_bin), thread_totals.local());
          const Grid& grid = work->inputs().grid;
          for (std::span<const float> values : stored_values(c, probabilities, spec.stack)) {
            int64_t clipped = 0;
            m.stored.chunks.push_back(GridFileWriter::encode_detached(
                values, tile, std::min(work->tile_size(), grid.height()), std::min(work->tile_size(), grid.width()),
                0.0, &clipped));
          }
        }
        m.stored.clipped.assign(m.stored.chunks.size(), 0);
        return ops::pack_tile_message(m);
      },
      failed, [&] {
        Totals totals(static_cast<size_t>(n_s), spec.thresholds.size());
        for (const Totals& t : thread_totals) totals.add(t);
        return bytes_of<int64_t>(std::span<const int64_t>(totals.flat()));
      });
}

}  // namespace minerisk::sweep
