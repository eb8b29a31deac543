#include "minerisk/engine/ops/run.hpp"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <mutex>

#include <tbb/info.h>

#include "minerisk/engine/errors.hpp"
#include "minerisk/engine/gdal_support.hpp"
#include "minerisk/engine/run_file_writer.hpp"
#include "minerisk/engine/stage_times.hpp"
#include "minerisk/engine/input_set.hpp"
#include "minerisk/engine/model.hpp"
#include "minerisk/engine/quicklook.hpp"
#include "minerisk/engine/output_format.hpp"
#include "minerisk/engine/output_set.hpp"
#include "minerisk/engine/tile_loop.hpp"
#include "minerisk/kernels/tile_plan.hpp"
#include "minerisk/engine/version.hpp"
#include "staging.hpp"

namespace fs = std::filesystem;

namespace minerisk {

namespace {
// The result's cells that hold a value. Counted per tile as it is computed (a pass over memory
// already in cache), so an all-no-data result is refused before anything is written in place.
int64_t valid_cells(const std::vector<float>& values) {
  return std::count_if(values.begin(), values.end(), [](float v) { return !std::isnan(v); });
}

// The DEM's no-data is the region's no-data: no valid cell means the DEM has none over the grid.
void require_data(int64_t valid, const Scenario& s) {
  if (valid == 0)
    throw UserError("terrain.dem: '" + s.dem.string() +
                    "' has no data over the grid: every cell is no-data; check its no-data value and that it covers "
                    "the grid");
}

// What the user should know of how the evidence was stored: packed values beyond the range,
// and, without evidence, an older evidence file left beside the new grid (never removed: it is
// not an output of this run, and the grid no longer names it).
void print_storage_notes(const std::vector<std::pair<std::string, int64_t>>& clipped, const RunOptions& options) {
  for (const auto& [layer, count] : clipped)
    std::fprintf(stderr,
                 "minerisk: note: %lld cells of evidence layer '%s' lie beyond +-32.767 log-odds and are stored at "
                 "that limit (packed evidence); use --evidence float32 to keep their exact values\n",
                 static_cast<long long>(count), layer.c_str());
  std::error_code ec;
  if (options.evidence == EvidenceStorage::none && fs::exists(evidence_file_for(options.output), ec))
    std::fprintf(stderr,
                 "minerisk: note: '%s' beside the grid is an older run's evidence (this run wrote none, and the grid "
                 "does not name it); remove it if it is no longer wanted\n",
                 evidence_file_for(options.output).string().c_str());
}
}  // namespace

fs::path picture_path(const fs::path& output) {
  fs::path p = output;
  p.replace_extension(".png");
  return p;
}

RunSummary run_scenario(const Scenario& scenario, const RunOptions& options) {
  const auto start = std::chrono::steady_clock::now();
  options.check();
  StageTimes times;
  StageTimes* timed = options.timings.empty() ? nullptr : &times;

  // The outputs first: a path that would replace an input, or an unwritable folder, is
  // reported before any work is done. The grid is the main output: committed last.
  OutputSet outputs(ops::scenario_files(scenario), options.overwrite);
  const size_t grid_out = outputs.add(options.output);  // the refusals that protect data first
  const std::string note = check_netcdf_output_name(options.output, "probability");
  const bool with_evidence = options.evidence != EvidenceStorage::none;
  const fs::path evidence_path = with_evidence ? evidence_file_for(options.output) : fs::path();
  const size_t evidence_out = with_evidence ? outputs.add(evidence_path) : 0;
  const size_t timings_out = timed ? outputs.add(options.timings) : 0;
  const size_t picture_out = options.quicklook ? outputs.add(picture_path(options.output)) : 0;

  // A DEM is read tile by tile: a quarter of a gigabyte of blocks holds every tile's
  // neighbours many times over (bench/RESULTS.md, "Scaling": memory stays flat).
  const ScopedBlockCacheLimit cache_limit(256LL << 20);
  const auto inputs = load_inputs(scenario);
  std::vector<InputFile> input_files = inputs->files;
  if (!options.model_file.empty()) input_files.push_back(describe_input("model", options.model_file));
  outputs.add_inputs(ops::paths_of(input_files));
  const Grid& grid = inputs->grid;
  const Model model(scenario, inputs);
  const TilePlan plan(grid.width(), grid.height(), options.tile_size);

  OutputMetadata meta;
  meta.title = scenario.title;
  meta.version = kVersion;
  meta.created_utc = utc_now_iso8601();
  meta.history = meta.created_utc + ": " + (options.command_line.empty() ? "minerisk run" : options.command_line);
  meta.scenario_toml = scenario.resolved_toml;
  meta.inputs_json = inputs_json(input_files);
  meta.run_id = new_run_id();
  // Both files charged to the grid's folder (the same): float32 probability, the layers as stored.
  const size_t layers = with_evidence ? model.evidence_names().size() : 0;
  const bool packed = options.evidence == EvidenceStorage::packed;
  outputs.expect_size(grid_out, ops::grid_file_lower_bound(
                                    grid.width(), grid.height(), options.tile_size, 1 + (packed ? 0 : layers),
                                    meta.title.size() + meta.history.size() + meta.scenario_toml.size() +
                                        meta.inputs_json.size() + grid.crs_wkt.size() * 2,
                                    packed ? layers : 0));
  std::vector<std::pair<std::string, int64_t>> clipped;  // packed layers' values beyond the range
  outputs.writing([&] {
    RunFileWriter writer(outputs.temporary(grid_out), with_evidence ? outputs.temporary(evidence_out) : fs::path(),
                         evidence_path.filename().string(), grid, options.tile_size, model.evidence_names(),
                         model.evidence_descriptions(), meta, options.evidence);
    QuickLook quicklook(grid.width(), grid.height());
    std::mutex write_mutex;
    std::atomic<int64_t> valid{0};
    if (timed) times.mark_phase("prepare");
    for_each_tile(plan.tiles(), options.loop("minerisk run"), [&](const Window& tile) {
      const TileResult result = model.compute(tile, timed);
      valid += valid_cells(result.probability);
      if (options.quicklook) {
        const TimedWork t(timed, "quicklook");
        quicklook.add(result);
      }
      // Compressed here, on this worker, while the others compute; only the append is serialised.
      RunFileWriter::EncodedTile encoded;
      {
        const TimedWork t(timed, "compress");
        encoded = writer.encode_tile(result.window, result.probability, result.evidence);
      }
      std::lock_guard lock(write_mutex);
      const TimedWork t(timed, "write");
      writer.write_tile(encoded);
    });
    if (timed) times.mark_phase("tiles");
    require_data(valid, scenario);
    clipped = writer.clipped_layers();
    writer.close();
    if (timed) times.mark_phase("close");
    if (options.quicklook) {
      char note[160];
      std::snprintf(note, sizeof note, "GRID %lld X %lld CELLS. PICTURE: MAXIMUM OF EACH %lld X %lld BLOCK.",
                    static_cast<long long>(grid.width()), static_cast<long long>(grid.height()),
                    static_cast<long long>(quicklook.block()), static_cast<long long>(quicklook.block()));
      quicklook.write_png(outputs.temporary(picture_out), scenario.title, note);
      if (timed) times.mark_phase("picture");
    }
    if (timed)
      outputs.write_text(timings_out,
                         times.json("run", options.threads > 0 ? options.threads : tbb::info::default_concurrency()));
  });
  // Both are complete: the picture, then the grid, into place, unless a signal came first.
  outputs.commit(options.cancel);
  // After the commit, so that a failed run still says one line.
  if (!note.empty() && !options.quiet) std::fprintf(stderr, "minerisk: %s\n", note.c_str());
  if (!options.quiet) print_storage_notes(clipped, options);

  RunSummary summary;
  summary.output = options.output;
  summary.evidence = evidence_path;  // empty without evidence
  summary.picture = options.quicklook ? picture_path(options.output) : fs::path();
  summary.width = grid.width();
  summary.height = grid.height();
  summary.tiles = static_cast<int64_t>(plan.tiles().size());
  summary.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  return summary;
}

GridResult compute_grid(const Scenario& scenario, const ops::Control& control) {
  control.check();
  const auto inputs = load_inputs(scenario);
  const Model model(scenario, inputs);
  const TilePlan plan(inputs->grid.width(), inputs->grid.height(), control.tile_size);
  GridResult out;
  out.grid = inputs->grid;
  out.evidence_names = model.evidence_names();
  require_whole_grid_memory(inputs->grid, static_cast<int64_t>(sizeof(float) * (1 + out.evidence_names.size())),
                            "computing a grid in memory");
  const auto cells = static_cast<size_t>(inputs->grid.width() * inputs->grid.height());
  out.probability.assign(cells, NAN);
  out.evidence.assign(out.evidence_names.size(), std::vector<float>(cells, NAN));
  const int64_t width = inputs->grid.width();
  for_each_tile(plan.tiles(), control.loop("minerisk"), [&](const Window& tile) {
    const TileResult r = model.compute(tile);
    // Tiles do not overlap, so each writes its own cells without a lock.
    auto place = [&](const std::vector<float>& from, std::vector<float>& to) {
      for (int64_t row = 0; row < tile.height; ++row)
        std::copy_n(from.begin() + row * tile.width, tile.width, to.begin() + (tile.row0 + row) * width + tile.col0);
    };
    place(r.probability, out.probability);
    for (size_t k = 0; k < r.evidence.size(); ++k) place(r.evidence[k], out.evidence[k]);
  });
  require_data(valid_cells(out.probability), scenario);
  return out;
}

}  // namespace minerisk
