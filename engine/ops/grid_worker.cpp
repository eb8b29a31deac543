#include "grid_worker.hpp"

#include <chrono>
#include <cstring>
#include <mutex>

#include "minerisk/engine/cluster.hpp"
#include "minerisk/engine/errors.hpp"
#include "minerisk/engine/progress.hpp"
#include "minerisk/engine/quicklook.hpp"
#include "tile_message.hpp"

namespace minerisk::ops {

namespace {
// What rank 0 tells the workers before the tiles: how the files store a tile (an update keeps
// the previous output's tiling and storage), and the grid and layers it read, which each worker
// checks against its own.
struct GridJob {
  int64_t tile_size = 0, storage = 0, width = 0, height = 0, layers = 0;
  Digest scenario;  // of the resolved scenario (the model, its weights, every path and key)
};

Digest scenario_digest(const Scenario& scenario) {
  return sha256_of(std::as_bytes(std::span(scenario.resolved_toml)));
}

std::vector<std::byte> header_of(const GridJob& job) {
  std::vector<std::byte> bytes(sizeof job);
  std::memcpy(bytes.data(), &job, sizeof job);
  return bytes;
}

GridJob job_of(const std::vector<std::byte>& bytes) {
  GridJob job;
  if (bytes.size() != sizeof job) throw std::runtime_error("a grid job's header of the wrong size");
  std::memcpy(&job, bytes.data(), sizeof job);
  return job;
}

// A tile computed here for rank 0: what compute_tile gives, compressed for its files.
std::vector<std::byte> remote_tile(const Model& model, const RunTileEncoding& encoding, const QuickLook& picture,
                                   const std::vector<kernels::Window>& tiles, int64_t index) {
  if (index < 0 || index >= static_cast<int64_t>(tiles.size()))
    throw std::runtime_error("rank 0 asked for tile " + std::to_string(index) + " of " + std::to_string(tiles.size()));
  const kernels::Window& tile = tiles[static_cast<size_t>(index)];
  const auto start = std::chrono::steady_clock::now();
  FingerprintedTile computed = compute_fingerprinted(model, tile, nullptr);
  const TileResult& result = computed.result;
  TileMessage m;
  m.index = index;
  m.fingerprint = std::move(computed.fingerprint);
  m.stored = encoding.encode(result.window, result.probability, result.evidence);
  m.chunk = sha256_of(m.stored.chunks.front());
  m.valid_cells = valid_cells(result.probability);
  m.picture = picture.reduce(tile, result.probability);
  m.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  test_hook_slow_tiles();
  return pack_tile_message(m);
}
}  // namespace

void share_grid_tiles(TileSupplier& supplier, const RunFileWriter& writer, const Scenario& scenario,
                      const RunOptions& options, const std::string& command, const Grid& grid, size_t evidence_layers,
                      const std::vector<kernels::Window>& tiles, const std::function<SuppliedTile(int64_t)>& supply,
                      const std::function<void(int64_t, SuppliedTile)>& take) {
  const GridJob job{options.tile_size,  static_cast<int64_t>(options.evidence), grid.width(), grid.height(),
                    static_cast<int64_t>(evidence_layers), scenario_digest(scenario)};
  std::vector<bool> remote_ok(tiles.size());
  for (size_t i = 0; i < tiles.size(); ++i) remote_ok[i] = supplier.computes(static_cast<int64_t>(i));
  const int threads = cluster::default_threads(options.threads);
  Progress progress(static_cast<int64_t>(tiles.size()),
                    "minerisk " + command + " (" + std::to_string(cluster::size()) + " ranks)", options.quiet);
  std::mutex tick_mutex;
  int64_t done = 0;
  std::atomic<bool> progress_said_stop{false};  // the caller's progress callback returned false
  auto tick = [&] {
    progress.tick();
    if (!options.progress) return;
    std::lock_guard lock(tick_mutex);
    if (!options.progress(static_cast<double>(++done) / static_cast<double>(tiles.size())))
      progress_said_stop = true;
  };
  const auto stop = [&] { return progress_said_stop.load() || (options.cancel && options.cancel->load()); };
  cluster::share_tiles(
      header_of(job), remote_ok, threads, stop, [&](int64_t index) { take(index, supply(index)); },
      [&](int sender, std::vector<std::byte> bytes) {
        TileMessage m = unpack_tile_message(bytes);
        if (m.index < 0 || m.index >= static_cast<int64_t>(tiles.size()) || !remote_ok[static_cast<size_t>(m.index)])
          throw std::runtime_error("another rank sent tile " + std::to_string(m.index) + ", which it was not given");
        SuppliedTile t;
        t.encoded = writer.detached_tile(tiles[static_cast<size_t>(m.index)], std::move(m.stored));
        t.fingerprint = std::move(m.fingerprint);
        t.chunk = m.chunk;
        t.picture = std::move(m.picture);
        t.valid_cells = m.valid_cells;
        t.rank = sender;
        t.seconds = m.seconds;
        supplier.computed_elsewhere(m.index, t);
        take(m.index, std::move(t));
      },
      tick);
  progress.finish();
}

void serve_grid_tiles(const Scenario& scenario, const RunOptions& options) {
  // An error here (inputs this rank cannot read) is rank 0's to report, once its job starts.
  std::exception_ptr failed;
  std::shared_ptr<const InputSet> inputs;
  std::unique_ptr<Model> model;
  std::optional<ScopedBlockCacheLimit> cache_limit;
  try {
    cache_limit.emplace(256LL << 20);  // as GridOutput's
    inputs = load_inputs(scenario, nullptr, /*hash_files=*/false);  // rank 0 records the provenance
    model = std::make_unique<Model>(scenario, inputs);
  } catch (...) {
    failed = std::current_exception();
  }
  const auto stop = [&] { return options.cancel && options.cancel->load(); };
  const std::optional<cluster::Job> job = cluster::await_job();
  if (!job) return;  // rank 0 ended before its tiles: its error is the job's
  std::optional<kernels::TilePlan> plan;
  std::optional<RunTileEncoding> encoding;
  std::optional<QuickLook> picture;
  if (!failed) try {
      const GridJob wanted = job_of(job->header);
      const Grid& grid = inputs->grid;
      // The same model over the same grid as rank 0, or the output would be a patchwork.
      if (!(scenario_digest(scenario) == wanted.scenario))
        throw UserError("read another scenario than rank 0 ('" + scenario.file.string() +
                        "'): every rank must see the same files at the same paths");
      if (grid.width() != wanted.width || grid.height() != wanted.height ||
          static_cast<int64_t>(model->evidence_names().size()) != wanted.layers)
        throw UserError("read a grid of " + std::to_string(grid.width()) + " x " + std::to_string(grid.height()) +
                        " cells where rank 0 read " +
                        std::to_string(wanted.width) + " x " + std::to_string(wanted.height) +
                        ": every rank must see the same files at the same paths");
      plan.emplace(wanted.width, wanted.height, wanted.tile_size);
      encoding.emplace(wanted.width, wanted.height, wanted.tile_size, static_cast<EvidenceStorage>(wanted.storage));
      picture.emplace(wanted.width, wanted.height);
    } catch (...) {
      failed = std::current_exception();
    }
  const int threads = cluster::default_threads(options.threads);
  cluster::serve_tiles(
      *job, threads, stop, [&](int64_t index) { return remote_tile(*model, *encoding, *picture, plan->tiles(), index); },
      failed);
}

}  // namespace minerisk::ops
