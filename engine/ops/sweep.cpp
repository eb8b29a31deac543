// `minerisk sweep`, the loop: per tile, the features once, then every scenario's probability
// (recomputing only the layers its draws change), then the per-cell statistics and the
// per-scenario sums. The sweep file is read in sweep_spec.cpp, the scenarios are made in
// sweep_draws.cpp, the statistics in sweep_statistics.cpp.
#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cmath>
#include <mutex>
#include <optional>

#include <tbb/enumerable_thread_specific.h>

#include "../features/feature.hpp"
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
#include "minerisk/kernels/combine.hpp"
#include "minerisk/kernels/raster_ops.hpp"
#include "minerisk/kernels/tile_plan.hpp"
#include "staging.hpp"
#include "sweep_draws.hpp"
#include "sweep_statistics.hpp"

namespace fs = std::filesystem;

namespace minerisk {
namespace {

using sweep::Draw;

// Features are kept from the base's pass for the scenarios' pass up to this many bytes; the
// tiles beyond are computed again rather than held.
constexpr double kFeatureCacheBytes = 1 << 30;

// What a tile's features hold: its layers and DEM (the memo's values are of the same order).
double tile_bytes(const TileFeatures& f) {
  double floats = static_cast<double>(f.dem.capacity() + f.elevation.capacity());
  for (const auto& layer : f.layers) floats += static_cast<double>(layer.capacity());
  return 4.0 * floats * 2.0;  // x 2: the memo keeps about as much again
}

// Each layer under each scenario's draws: nullptr where the draw leaves the layer as it is.
using DrawnLayers = std::vector<std::vector<std::unique_ptr<features::Feature>>>;

DrawnLayers drawn_layers(const InputSet& in, const std::vector<Draw>& draws) {
  DrawnLayers out(draws.size());
  for (size_t s = 0; s < draws.size(); ++s)
    for (const auto& layer : in.layers) out[s].push_back(layer->drawn(draws[s].inputs));
  return out;
}

// The probability of every scenario (and, last, the base) on one tile.
std::vector<std::vector<float>> tile_probabilities(const Model& model, TileFeatures& f, const std::vector<Draw>& draws,
                                                   const DrawnLayers& drawn, const Draw& base) {
  const auto n = static_cast<size_t>(f.tile.cells());
  const std::vector<float> base_pod = model.cleared_pod(f);
  std::vector<std::vector<float>> out;
  // One buffer per layer: several layers may each be recomputed for a scenario.
  std::vector<std::vector<float>> changed(f.layers.size());
  std::vector<float> pod;
  for (size_t s = 0; s <= draws.size(); ++s) {
    const Draw& d = s < draws.size() ? draws[s] : base;
    std::vector<kernels::EvidenceLayer> layers;
    for (size_t k = 0; k < f.layers.size(); ++k) {
      std::span<const float> feature = f.layers[k];
      if (s < draws.size() && drawn[s][k]) {
        model.feature_on(*drawn[s][k], f, changed[k]);
        feature = changed[k];
      }
      layers.push_back({feature, d.transform[k], d.weight[k], {}});
    }
    std::span<const float> pod_view;
    if (model.has_clearance()) {
      if (d.inputs.changes_pod()) {
        pod = model.cleared_pod(f, d.inputs);
        pod_view = pod;
      } else {
        pod_view = base_pod;
      }
    }
    std::vector<float> p(n);
    kernels::combine_log_odds(d.intercept, layers, pod_view, {}, p);
    kernels::propagate_nodata(f.elevation, p);
    out.push_back(std::move(p));
  }
  return out;
}

}  // namespace

SweepSummary run_sweep(const SweepSpec& spec, const SweepOptions& options) {
  const auto start = std::chrono::steady_clock::now();
  options.check();
  // The output first: one that would replace an input, or an unwritable folder, is reported
  // before any work is done.
  OutputSet outputs({spec.file, spec.weights_from}, options.overwrite);
  outputs.add_inputs(ops::scenario_files(spec.base));
  const size_t out = outputs.add(options.output);  // the refusals that protect data first
  const std::string note = check_netcdf_output_name(options.output, "mean");
  const auto inputs = load_inputs(spec.base);
  outputs.add_inputs(ops::paths_of(inputs->files));
  const InputSet& in = *inputs;
  const Model model(spec.base, inputs);
  const std::vector<Draw> draws = sweep::make_draws(spec, in);
  const DrawnLayers drawn = drawn_layers(in, draws);
  const Draw base = sweep::base_draw(spec.base);
  const auto n_s = static_cast<int64_t>(draws.size());
  const Grid& grid = in.grid;
  // A tile holds every scenario's probabilities: smaller tiles keep that within 256 MB a thread
  // (besides each thread's totals: two histograms of 8129 bins per scenario).
  int64_t tile_size = options.tile_size;
  while (tile_size > 64 && static_cast<double>(n_s + 1) * static_cast<double>(tile_size * tile_size) * 4.0 > 256e6)
    tile_size /= 2;
  const TilePlan plan(grid.width(), grid.height(), tile_size);
  const TileLoopOptions loop = options.pass(0.25, 1.0).loop("minerisk sweep (" + std::to_string(n_s) + " scenarios)");

  OutputMetadata meta;
  meta.title = spec.base.title + " (sweep of " + std::to_string(n_s) + " scenarios)";
  meta.version = kVersion;
  meta.created_utc = utc_now_iso8601();
  meta.history = meta.created_utc + ": " + (options.command_line.empty() ? "minerisk sweep" : options.command_line);
  meta.scenario_toml = spec.base.resolved_toml;
  meta.inputs_json = inputs_json(in.files);
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
    auto tile_index = [&](const Window& tile) { return static_cast<size_t>(&tile - plan.tiles().data()); };
    std::vector<int64_t> base_histogram(sweep::kBins, 0);
    int64_t valid_cells = 0;
    std::mutex mutex;
    TileLoopOptions base_loop = options.pass(0.0, 0.25).loop("minerisk sweep, the base");
    for_each_tile(plan.tiles(), base_loop, [&](const Window& tile) {
      TileFeatures f = model.features(tile);
      const auto probs = tile_probabilities(model, f, {}, {}, base);
      std::vector<int64_t> local(sweep::kBins, 0);
      int64_t local_valid = 0;
      for (float p : probs.back())
        if (!std::isnan(p)) ++local[static_cast<size_t>(sweep::bin_of(p))], ++local_valid;
      const double bytes = tile_bytes(f);
      if (kept_bytes.fetch_add(bytes) + bytes <= kFeatureCacheBytes) kept[tile_index(tile)] = std::move(f);
      std::lock_guard lock(mutex);
      for (int b = 0; b < sweep::kBins; ++b) base_histogram[static_cast<size_t>(b)] += local[static_cast<size_t>(b)];
      valid_cells += local_valid;
  });
  const auto wanted = static_cast<int64_t>(std::ceil(spec.top_share * static_cast<double>(valid_cells)));
  const int base_top_bin = sweep::top_bin(base_histogram, wanted);

  // Pass 1: the per-cell statistics, the stack, and per scenario the sums and histograms (of
  // all cells, and of the base's top cells, from which the overlap follows exactly).
  // Each thread sums into its own totals (integers: exact in any order), merged at the end.
  tbb::enumerable_thread_specific<sweep::Totals> thread_totals(
      [&] { return sweep::Totals(static_cast<size_t>(n_s), spec.thresholds.size()); });
  for_each_tile(plan.tiles(), loop, [&](const Window& tile) {
    std::optional<TileFeatures>& cached = kept[tile_index(tile)];
    TileFeatures f = cached ? std::move(*cached) : model.features(tile);
    cached.reset();
    const auto probs = tile_probabilities(model, f, draws, drawn, base);
    const sweep::CellStatistics c =
        sweep::cell_statistics(probs, tile, grid, spec.thresholds, base_top_bin, thread_totals.local());
    // Compressed here, on this worker, while the others compute; only the appends are serialised.
    std::vector<GridFileWriter::EncodedChunk> chunks;
    chunks.push_back(writer.encode(mean, tile, c.mean));
    chunks.push_back(writer.encode(sd, tile, c.sd));
    chunks.push_back(writer.encode(p05, tile, c.p05));
    chunks.push_back(writer.encode(p50, tile, c.p50));
    chunks.push_back(writer.encode(p95, tile, c.p95));
    for (size_t t = 0; t < spec.thresholds.size(); ++t) chunks.push_back(writer.encode(exceed[t], tile, c.above[t]));
    if (stack)
      for (int64_t k = 0; k < n_s; ++k) chunks.push_back(writer.encode(*stack, k, tile, probs[static_cast<size_t>(k)]));
    std::lock_guard lock(mutex);
    for (const GridFileWriter::EncodedChunk& chunk : chunks) writer.write(chunk);
  });
  sweep::Totals totals(static_cast<size_t>(n_s), spec.thresholds.size());
  for (const sweep::Totals& t : thread_totals) totals.add(t);

  // How much of the base's top land each scenario's top land covers.
  std::vector<int64_t> overlap(static_cast<size_t>(n_s), 0);
  for (size_t k = 0; k < overlap.size(); ++k)
    for (int b = sweep::top_bin(totals.histogram[k], wanted); b < sweep::kBins; ++b)
      overlap[k] += totals.in_base_top[k][static_cast<size_t>(b)];

  // The scenario table.
  for (size_t a = 0; a < spec.axes.size(); ++a) {
    std::vector<double> column;
    for (const Draw& d : draws) column.push_back(d.values[a]);
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
