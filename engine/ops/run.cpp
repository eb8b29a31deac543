#include "minerisk/engine/ops/run.hpp"

#include "grid_output.hpp"
#include "grid_worker.hpp"
#include "update_lock.hpp"
#include "minerisk/engine/cluster.hpp"
#include "minerisk/engine/input_set.hpp"
#include "minerisk/engine/model.hpp"
#include "minerisk/engine/tile_loop.hpp"
#include "minerisk/kernels/tile_plan.hpp"

namespace fs = std::filesystem;

namespace minerisk {

namespace {
// A run computes every tile.
class ComputeEveryTile final : public ops::TileSupplier {
 public:
  explicit ComputeEveryTile(const Model& model) : model_(model) {}
  ops::SuppliedTile supply(int64_t, const Window& tile, const RunFileWriter& writer, StageTimes* times) override {
    ops::SuppliedTile out = ops::compute_tile(model_, writer, tile, times);
    ops::test_hook_slow_tiles();
    return out;
  }

 private:
  const Model& model_;
};
}  // namespace

fs::path picture_path(const fs::path& output) {
  fs::path p = output;
  p.replace_extension(".png");
  return p;
}

namespace {
// The changes table's record of a run: every tile computed.
nlohmann::json full_run_change(const std::string& date, int64_t tiles, const std::string& why) {
  return {{"date", date}, {"command", "run"}, {"inputs_changed", nlohmann::json::array()}, {"tiles_recomputed", tiles},
          {"tiles_total", tiles}, {"full_reason", why}};
}
}  // namespace

RunSummary run_scenario(const Scenario& scenario, const RunOptions& options) {
  // Another MPI rank computes rank 0's tiles; rank 0 alone writes and commits.
  if (cluster::is_worker()) {
    ops::serve_grid_tiles(scenario, options);
    return {};
  }
  // An output the nightly update keeps: not replaced while an update writes it, nor updated
  // from while this run replaces it (each would commit over the other's result unseen).
  const std::unique_ptr<ops::UpdateLock> lock = ops::UpdateLock::for_run(options.output);
  ops::GridOutput output(scenario, options);
  ComputeEveryTile supplier(output.model());
  UpdateRecord record = output.record_frame();
  record.changes.push_back(full_run_change(output.metadata().created_utc, record.tiles(), "a full run"));
  return output.write(supplier, std::move(record));
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
  ops::require_data(ops::valid_cells(out.probability), scenario);
  return out;
}

}  // namespace minerisk
