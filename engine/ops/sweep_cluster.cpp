// `sweep` over MPI: see sweep_cluster.hpp.
#include "sweep_cluster.hpp"

#include <cstring>
#include <map>
#include <mutex>
#include <optional>

#include <tbb/enumerable_thread_specific.h>

#include "minerisk/engine/cluster.hpp"
#include "minerisk/engine/digest.hpp"
#include "minerisk/engine/errors.hpp"
#include "minerisk/engine/provenance.hpp"
#include "minerisk/engine/grid_file_writer.hpp"
#include "minerisk/engine/progress.hpp"
#include "tile_message.hpp"

namespace minerisk::sweep {

using cluster::StopRequested;

namespace {
template <typename T>
std::vector<std::byte> bytes_of(std::span<const T> values) {
  std::vector<std::byte> out(values.size_bytes());
  if (!out.empty()) std::memcpy(out.data(), values.data(), out.size());  // data() may be null when empty
  return out;
}

template <typename T>
std::vector<T> values_of(const std::vector<std::byte>& bytes) {
  if (bytes.size() % sizeof(T)) throw std::runtime_error("a sweep's message from another rank is malformed");
  std::vector<T> out(bytes.size() / sizeof(T));
  if (!bytes.empty()) std::memcpy(out.data(), bytes.data(), bytes.size());
  return out;
}

// Pass 1's header: the base's top bin, how many scenarios a unit of work holds (all of them
// when a unit is a whole tile), and what the workers check against their own: the scenarios,
// the tiles and the grid rank 0 has.
struct StatisticsJob {
  int64_t base_top_bin = 0, block = 0;
  int64_t scenarios = 0, tile_size = 0, width = 0, height = 0;
};

// What the base pass's header holds: the digest of the sweep file and of the base scenario as
// rank 0 read them, which every rank checks against its own before it computes anything.
Digest sweep_digest(const SweepSpec& spec) {
  Sha256 h;
  h.add_text(sha256_file(spec.file));
  h.add_text(spec.base.resolved_toml);
  return h.finish();
}

std::vector<std::byte> base_header(const SweepSpec& spec) {
  const Digest d = sweep_digest(spec);
  return {d.bytes.begin(), d.bytes.end()};
}

void check_same_sweep(const SweepSpec& spec, const std::vector<std::byte>& header) {
  if (header != base_header(spec))
    throw UserError("read another sweep or base scenario than rank 0 ('" + spec.file.string() +
                    "'): every rank must see the same files at the same paths");
}

StatisticsJob job_of(const std::vector<std::byte>& header) {
  StatisticsJob job;
  if (header.size() != sizeof job) throw std::runtime_error("a sweep's header of the wrong size");
  std::memcpy(&job, header.data(), sizeof job);
  return job;
}

// The same scenarios on the same tiles of the same grid as rank 0, or an error that says so.
void check_same_work(const SweepTiles& work, const StatisticsJob& job) {
  const Grid& grid = work.inputs().grid;
  if (work.scenarios() != job.scenarios || work.tile_size() != job.tile_size || grid.width() != job.width ||
      grid.height() != job.height)
    throw UserError("made " + std::to_string(work.scenarios()) + " scenarios over a grid of " +
                             std::to_string(grid.width()) + " x " + std::to_string(grid.height()) +
                             " cells where rank 0 made " + std::to_string(job.scenarios) + " over " +
                             std::to_string(job.width) + " x " + std::to_string(job.height) +
                             ": do all ranks see the same files?");
}

StopRequested stop_of(const SweepOptions& options) {
  return [&options] { return options.cancel && options.cancel->load(); };
}

// Scenarios a unit holds: all of them while there are at least as many tiles as scenarios; else
// blocks small enough that each rank gets about four units.
int64_t block_size(int64_t scenarios, int64_t tiles, int ranks) {
  if (scenarios <= tiles) return std::max<int64_t>(scenarios, 1);
  const int64_t blocks = std::min(scenarios, (4 * ranks + tiles - 1) / tiles);
  return (scenarios + blocks - 1) / blocks;
}

int64_t blocks_of(int64_t scenarios, int64_t block) { return std::max<int64_t>(1, (scenarios + block - 1) / block); }

// What each pass on rank 0 sets up alike: the threads and the progress line.
struct PassSetup {
  int threads;
  Progress progress;
  PassSetup(const SweepOptions& options, int64_t units, const std::string& label)
      : threads(cluster::default_threads(options.threads)),
        progress(units, label + " (" + std::to_string(cluster::size()) + " ranks)", options.quiet) {}
};
}  // namespace

void share_base_pass(const SweepSpec& spec, const SweepTiles& work, const SweepOptions& options,
                     const std::function<void(int64_t)>& local, BaseSums& sums) {
  const auto tiles = static_cast<int64_t>(work.plan().tiles().size());
  PassSetup share(options, tiles, "minerisk sweep, the base");
  const auto results = cluster::share_tiles(
      base_header(spec), std::vector<bool>(static_cast<size_t>(tiles), true), share.threads, stop_of(options), local,
      [](int, std::vector<std::byte>) {}, [&] { share.progress.tick(); });
  for (const auto& r : results) sums.add(BaseSums::from_flat(values_of<int64_t>(r)));
  share.progress.finish();
}

void share_statistics_pass(const SweepTiles& work, const SweepOptions& options, int base_top_bin,
                           const StatisticsPass& pass, Totals& totals) {
  const auto tiles = static_cast<int64_t>(work.plan().tiles().size());
  const int64_t n_s = work.scenarios();
  const Grid& grid = work.inputs().grid;
  const StatisticsJob job{base_top_bin, block_size(n_s, tiles, cluster::size()), n_s, work.tile_size(), grid.width(),
                          grid.height()};
  const int64_t blocks = blocks_of(n_s, job.block), units = tiles * blocks;
  PassSetup share(options, units, "minerisk sweep (" + std::to_string(n_s) + " scenarios)");
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
      header, std::vector<bool>(static_cast<size_t>(units), true), share.threads, stop_of(options),
      [&](int64_t unit) {
        if (blocks == 1) return pass.whole_tile(unit);
        TileFeatures f = pass.features(unit / blocks);
        take_block(unit, work.probabilities(f, static_cast<size_t>((unit % blocks) * job.block),
                                            static_cast<size_t>(job.block)));
      },
      [&](int, std::vector<std::byte> bytes) {
        ops::TileMessage m = ops::unpack_tile_message(bytes);
        if (m.index < 0 || m.index >= units) throw std::runtime_error("another rank sent a unit it was not given");
        if (blocks == 1) return pass.computed_elsewhere(m.index, std::move(m.stored.chunks));
        std::vector<std::vector<float>> probabilities;
        for (const auto& chunk : m.stored.chunks) probabilities.push_back(values_of<float>(chunk));
        take_block(m.index, std::move(probabilities));
      },
      [&] { share.progress.tick(); });
  for (const auto& r : results)
    if (!r.empty()) totals.add_flat(values_of<int64_t>(r));  // empty in block mode: the sums are rank 0's
  share.progress.finish();
}

void serve_sweep(const SweepSpec& spec, const SweepOptions& options) {
  std::exception_ptr failed;
  std::optional<SweepTiles> work;
  try {
    work.emplace(spec, options, /*hash_files=*/false);  // rank 0 records the provenance
  } catch (...) {
    failed = std::current_exception();
  }
  const int threads = cluster::default_threads(options.threads);
  auto tile_at = [&](int64_t index) -> const kernels::Window& {
    const auto& tiles = work->plan().tiles();
    if (index < 0 || index >= static_cast<int64_t>(tiles.size()))
      throw std::runtime_error("rank 0 asked for tile " + std::to_string(index) + " of " + std::to_string(tiles.size()));
    return tiles[static_cast<size_t>(index)];
  };

  // Pass 0: the base's sums, sent when done.
  const std::optional<cluster::Job> base_job = cluster::await_job();
  if (!base_job) return;
  if (!failed) try {
      check_same_sweep(spec, base_job->header);
    } catch (...) {
      failed = std::current_exception();
    }
  std::mutex mutex;
  BaseSums sums;
  cluster::serve_tiles(
      *base_job, threads, stop_of(options),
      [&](int64_t index) {
        BaseSums local;
        work->base_pass(tile_at(index), local);
        std::lock_guard lock(mutex);
        sums.add(local);
        return std::vector<std::byte>{};
      },
      failed, [&] { return bytes_of<int64_t>(std::span<const int64_t>(sums.flat())); });

  // Pass 1: whole tiles' chunks, or blocks' probabilities; the totals when done.
  const std::optional<cluster::Job> statistics_job = cluster::await_job();
  if (!statistics_job) return;
  StatisticsJob job;
  if (!failed) try {
      job = job_of(statistics_job->header);
      check_same_work(*work, job);
    } catch (...) {
      failed = std::current_exception();
    }
  const int64_t n_s = job.scenarios;
  const int64_t blocks = blocks_of(n_s, std::max<int64_t>(job.block, 1));
  tbb::enumerable_thread_specific<Totals> thread_totals(
      [&] { return Totals(static_cast<size_t>(n_s), spec.thresholds.size()); });
  cluster::serve_tiles(
      *statistics_job, threads, stop_of(options),
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
          const Grid& grid = work->inputs().grid;
          const CellStatistics c = cell_statistics(probabilities, tile, grid, spec.thresholds,
                                                   static_cast<int>(job.base_top_bin), thread_totals.local());
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
        if (blocks > 1) return std::vector<std::byte>{};  // rank 0 takes every statistic itself
        Totals totals(static_cast<size_t>(n_s), spec.thresholds.size());
        for (const Totals& t : thread_totals) totals.add(t);
        return bytes_of<int64_t>(std::span<const int64_t>(totals.flat()));
      });
}

}  // namespace minerisk::sweep
