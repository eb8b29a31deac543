// `minerisk sweep`, the loop: per tile, the features once, then every scenario's probability
// (recomputing only the layers its draws change), then the per-cell statistics and the
// per-scenario sums. The sweep file is read in sweep_spec.cpp, the scenarios are made in
// sweep_draws.cpp, a tile's work is in sweep_tiles.cpp, the statistics in sweep_statistics.cpp,
// and the passes over MPI ranks in sweep_cluster.cpp.
#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cmath>
#include <mutex>
#include <optional>

#include <tbb/enumerable_thread_specific.h>

#include "minerisk/engine/cluster.hpp"
#include "minerisk/engine/errors.hpp"
#include "minerisk/engine/grid_file_writer.hpp"
#include "minerisk/engine/input_set.hpp"
#include "minerisk/engine/model.hpp"
#include "minerisk/engine/ops/sweep.hpp"
#include "minerisk/engine/provenance.hpp"
#include "minerisk/engine/output_format.hpp"
#include "minerisk/engine/output_set.hpp"
#include "minerisk/engine/tile_loop.hpp"
#include "minerisk/engine/version.hpp"
#include "minerisk/kernels/tile_plan.hpp"
#include "staging.hpp"
#include "sweep_cluster.hpp"
#include "sweep_draws.hpp"
#include "sweep_statistics.hpp"

namespace fs = std::filesystem;

namespace minerisk {

using sweep::BaseSums;
using sweep::SweepTiles;

// Features are kept from the base's pass for the scenarios' pass up to this many bytes; the
// tiles beyond are computed again rather than held.
constexpr double kFeatureCacheBytes = 1 << 30;

SweepSummary run_sweep(const SweepSpec& spec, const SweepOptions& options) {
  // Another MPI rank computes rank 0's tiles (sweep_cluster.cpp); rank 0 alone writes.
  if (cluster::is_worker()) {
    sweep::serve_sweep(spec, options);
    return {};
  }
  const auto start = std::chrono::steady_clock::now();
  options.check();
  // The output first: one that would replace an input, or an unwritable folder, is reported
  // before any work is done.
  OutputSet outputs({spec.file, spec.weights_from}, options.overwrite);
  outputs.add_inputs(ops::scenario_files(spec.base));
  const size_t out = outputs.add(options.output);  // the refusals that protect data first
  const std::string note = check_netcdf_output_name(options.output, "mean");
  const SweepTiles work(spec, options);
  const InputSet& in = work.inputs();
  outputs.add_inputs(ops::paths_of(in.files));
  const Model& model = work.model();
  const auto n_s = work.scenarios();
  const Grid& grid = in.grid;
  const int64_t tile_size = work.tile_size();
  const TilePlan& plan = work.plan();
  const bool shared = cluster::size() > 1;
  const TileLoopOptions loop = options.pass(0.25, 1.0).loop("minerisk sweep (" + std::to_string(n_s) + " scenarios)");

  OutputMetadata meta;
  meta.title = spec.base.title + " (sweep of " + std::to_string(n_s) + " scenarios)";
  meta.version = kVersion;
  meta.created_utc = utc_now_iso8601();
  meta.history = meta.created_utc + ": " + (options.command_line.empty() ? "minerisk sweep" : options.command_line);
  meta.scenario_toml = spec.base.resolved_toml;
  meta.inputs_json = inputs_json(in.files);
  // Which computation this is, as a run's grid says it: a report refuses another sweep's
  // evaluation or hazard areas by it (each rank draws one; only the first writes the file).
  meta.run_id = new_run_id();
  const uint64_t variables = 5 + spec.thresholds.size() + (spec.stack ? static_cast<uint64_t>(n_s) : 0);
  outputs.expect_size(out, ops::grid_file_lower_bound(grid.width(), grid.height(), tile_size, variables,
                                                      meta.title.size() + meta.history.size() +
                                                          meta.scenario_toml.size() + meta.inputs_json.size() +
                                                          grid.crs_wkt.size() * 2));
  outputs.writing([&] {
    GridFileWriter writer(outputs.temporary(out), grid, tile_size, meta);
    const auto mean = writer.add_variable("mean", "mean probability of contamination across scenarios", "1");
    const auto sd = writer.add_variable("sd", "standard deviation of the probability across scenarios", "1");
    const auto p05 = writer.add_variable("p05", "5th percentile of the probability across scenarios", "1");
    const auto p50 = writer.add_variable("p50", "median probability across scenarios", "1");
    const auto p95 = writer.add_variable("p95", "95th percentile of the probability across scenarios", "1");
    std::vector<decltype(writer.add_variable("", "", ""))> exceed;
    for (double t : spec.thresholds)
      exceed.push_back(writer.add_variable("probability_above_" + sweep::threshold_name(t),
                                           "share of scenarios where the probability exceeds " +
                                               sweep::threshold_text(t),
                                           "1"));
    std::optional<decltype(writer.add_stack("", 1, "", ""))> stack;
    if (spec.stack)
      stack = writer.add_stack("probability_stack", n_s, "probability of contamination in each scenario", "1");

    // Pass 0: the base alone, for its top share of the land. Its tiles' features are kept for
    // pass 1 while their bytes (layers, DEM and per-tile memo alike, as measured) stay within
    // the budget; the tiles beyond it are computed again in pass 1.
    std::atomic<double> kept_bytes{0};
    std::vector<std::optional<TileFeatures>> kept(plan.tiles().size());
    BaseSums base_sums;
    std::mutex mutex;
    auto base_tile = [&](int64_t index) {
      BaseSums local;
      TileFeatures f = work.base_pass(plan.tiles()[static_cast<size_t>(index)], local);
      const double bytes = sweep::tile_bytes(f);
      if (kept_bytes.fetch_add(bytes) + bytes <= kFeatureCacheBytes) kept[static_cast<size_t>(index)] = std::move(f);
      std::lock_guard lock(mutex);
      base_sums.add(local);
    };
    if (shared)
      sweep::share_base_pass(spec, work, options, base_tile, base_sums);
    else
      for_each_job(static_cast<int64_t>(plan.tiles().size()), options.pass(0.0, 0.25).loop("minerisk sweep, the base"),
                   base_tile);
    const auto wanted = static_cast<int64_t>(std::ceil(spec.top_share * static_cast<double>(base_sums.valid)));
    const int base_top_bin = sweep::top_bin(base_sums.histogram, wanted);

    // Pass 1: the per-cell statistics, the stack, and per scenario the sums and histograms (of
    // all cells, and of the base's top cells, from which the overlap follows exactly).
    // Each thread sums into its own totals (integers: exact in any order), merged at the end.
    tbb::enumerable_thread_specific<sweep::Totals> thread_totals(
        [&] { return sweep::Totals(static_cast<size_t>(n_s), spec.thresholds.size()); });
    // Where each of a tile's values goes: the variables, then the stack's layers.
    std::vector<GridFileWriter::Variable> variables{mean, sd, p05, p50, p95};
    variables.insert(variables.end(), exceed.begin(), exceed.end());
    auto write_chunks = [&](const std::vector<GridFileWriter::EncodedChunk>& chunks) {
      std::lock_guard lock(mutex);
      for (const GridFileWriter::EncodedChunk& chunk : chunks) writer.write(chunk);
    };
    sweep::StatisticsPass pass;
    // Over MPI, several threads may want one tile's features (blocks of its scenarios): the
    // first takes the kept ones, the others compute their own.
    std::mutex kept_mutex;
    pass.features = [&](int64_t index) {
      std::optional<TileFeatures> cached;
      {
        std::lock_guard lock(kept_mutex);
        cached.swap(kept[static_cast<size_t>(index)]);
      }
      return cached ? std::move(*cached) : model.features(plan.tiles()[static_cast<size_t>(index)]);
    };
    pass.statistics = [&](int64_t index, std::vector<std::vector<float>> probs) {
      const Window& tile = plan.tiles()[static_cast<size_t>(index)];
      const sweep::CellStatistics c =
          sweep::cell_statistics(probs, tile, grid, spec.thresholds, base_top_bin, thread_totals.local());
      // Compressed here, on this worker, while the others compute; only the appends are serialised.
      const auto values = sweep::stored_values(c, probs, spec.stack);
      std::vector<GridFileWriter::EncodedChunk> chunks;
      for (size_t k = 0; k < values.size(); ++k)
        chunks.push_back(k < variables.size() ? writer.encode(variables[k], tile, values[k])
                                              : writer.encode(*stack, static_cast<int64_t>(k - variables.size()),
                                                              tile, values[k]));
      write_chunks(chunks);
    };
    pass.whole_tile = [&](int64_t index) {
      TileFeatures f = pass.features(index);
      pass.statistics(index, work.probabilities(f, 0, static_cast<size_t>(n_s)));
    };
    pass.computed_elsewhere = [&](int64_t index, std::vector<std::vector<std::byte>> stored) {
      const Window& tile = plan.tiles()[static_cast<size_t>(index)];
      if (stored.size() != variables.size() + (stack ? static_cast<size_t>(n_s) : 0))
        throw std::runtime_error("another rank sent a sweep tile of " + std::to_string(stored.size()) + " chunks");
      std::vector<GridFileWriter::EncodedChunk> chunks;
      for (size_t k = 0; k < stored.size(); ++k)
        chunks.push_back(k < variables.size() ? writer.stored(variables[k], tile, std::move(stored[k]))
                                              : writer.stored(*stack, static_cast<int64_t>(k - variables.size()),
                                                              tile, std::move(stored[k])));
      write_chunks(chunks);
    };
    sweep::Totals totals(static_cast<size_t>(n_s), spec.thresholds.size());
    if (shared)
      sweep::share_statistics_pass(work, options, base_top_bin, pass, totals);
    else
      for_each_job(static_cast<int64_t>(plan.tiles().size()), loop, pass.whole_tile);
  for (const sweep::Totals& t : thread_totals) totals.add(t);

  // How much of the base's top land each scenario's top land covers.
  std::vector<int64_t> overlap(static_cast<size_t>(n_s), 0);
  for (size_t k = 0; k < overlap.size(); ++k)
    for (int b = sweep::top_bin(totals.histogram[k], wanted); b < sweep::kBins; ++b)
      overlap[k] += totals.in_base_top[k][static_cast<size_t>(b)];

  // The scenario table.
  for (size_t a = 0; a < spec.axes.size(); ++a) {
    std::vector<double> column;
    for (const sweep::Draw& d : work.draws()) column.push_back(d.values[a]);
    std::string name = spec.axes[a].parameter;
    std::replace(name.begin(), name.end(), '.', '_');
    writer.add_series("parameter_" + name, column, "value of " + spec.axes[a].parameter + " in each scenario", "1");
  }
  std::vector<double> expected_ha, share;
  for (int64_t k = 0; k < n_s; ++k) {
    expected_ha.push_back(static_cast<double>(totals.expected_milli_m2[static_cast<size_t>(k)]) / 1e7);
    share.push_back(totals.base_top > 0
                        ? static_cast<double>(overlap[static_cast<size_t>(k)]) / static_cast<double>(totals.base_top)
                        : NAN);
  }
  writer.add_series("expected_contaminated_area", expected_ha, "sum over cells of probability x cell area", "ha");
  for (size_t t = 0; t < spec.thresholds.size(); ++t) {
    std::vector<double> ha;
    for (int64_t v : totals.above_milli_m2[t]) ha.push_back(static_cast<double>(v) / 1e7);
    writer.add_series("area_above_" + sweep::threshold_name(spec.thresholds[t]), ha,
                      "area where the probability exceeds " + sweep::threshold_text(spec.thresholds[t]), "ha");
  }
  writer.add_series("top_overlap_with_base", share,
                    "share of the base scenario's top " + sweep::threshold_text(spec.top_share) +
                        " of the area that is also in this scenario's top",
                    "1");
  writer.close();
  });
  outputs.commit(options.cancel);
  // After the commit, so that a failed run still says one line.
  if (!note.empty() && !options.quiet) std::fprintf(stderr, "minerisk: %s\n", note.c_str());
  return {n_s, std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count()};
}

}  // namespace minerisk
