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
#include "grid_output.hpp"
#include "staging.hpp"

namespace fs = std::filesystem;

namespace minerisk {

namespace {
// The result's cells that hold a value.
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

// A run computes every tile.
class ComputeEveryTile final : public ops::TileSupplier {
 public:
  explicit ComputeEveryTile(const Model& model) : model_(model) {}
  ops::SuppliedTile supply(int64_t, const Window& tile, const RunFileWriter& writer, StageTimes* times) override {
    return ops::compute_tile(model_, writer, tile, times);
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

nlohmann::json full_run_change(const std::string& date, int64_t tiles, const std::string& why) {
  return {{"date", date}, {"command", "run"}, {"inputs_changed", nlohmann::json::array()}, {"tiles_recomputed", tiles},
          {"tiles_total", tiles}, {"full_reason", why}};
}

RunSummary run_scenario(const Scenario& scenario, const RunOptions& options) {
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
  require_data(valid_cells(out.probability), scenario);
  return out;
}

}  // namespace minerisk
