#include "fit_design.hpp"

#include <algorithm>
#include <cmath>
#include <mutex>
#include <random>

#include "../features/feature.hpp"
#include "minerisk/engine/errors.hpp"
#include "minerisk/engine/raster_source.hpp"
#include "minerisk/engine/tile_loop.hpp"
#include "minerisk/kernels/tile_plan.hpp"

namespace minerisk::fit_detail {

// Row and column of the cell holding a point, or false when it is off the grid.
bool cell_of(const Grid& grid, double x, double y, int64_t& row, int64_t& col) {
  const auto& gt = grid.frame.geotransform;
  col = static_cast<int64_t>(std::floor((x - gt[0]) / gt[1]));
  row = static_cast<int64_t>(std::floor((y - gt[3]) / gt[5]));
  return col >= 0 && row >= 0 && col < grid.width() && row < grid.height();
}

TrainingCells training_cells(const Scenario& s, const Model& model, const FitSpec& spec, int64_t tile_size) {
  const Grid& grid = model.grid();
  const auto cells = static_cast<size_t>(grid.width() * grid.height());
  TrainingCells t;
  if (!spec.labels.empty()) {
    // Read in bands of rows, so the label raster is never held whole.
    const RasterSource labels(spec.labels, grid, "fit.labels", Resampling::nearest);
    const TilePlan bands(grid.width(), grid.height(), tile_size, TileShape::row_bands);
    for (const kernels::Window& band : bands.tiles()) {
      const std::vector<float> values = labels.read(band);
      const auto first = static_cast<size_t>(band.row0 * grid.width());
      for (size_t i = 0; i < values.size(); ++i)
        if (values[i] == 1.0f) t.label.emplace(first + i, 1);
        else if (values[i] == 0.0f) t.label.emplace(first + i, 0);
    }
  } else {
    if (!s.finds) throw UserError(s.file.string() + ": fit needs positives: add [finds], or set [fit] labels = \"labels.tif\"");
    for (const kernels::WeightedPoint& p : *model.inputs().shared->finds) {
      int64_t row, col;
      if (cell_of(grid, p.x, p.y, row, col)) t.label[static_cast<size_t>(row * grid.width() + col)] = 1;
    }
    // Cleared land without finds: negatives.
    const TilePlan plan(grid.width(), grid.height(), tile_size);
    if (model.has_clearance())
      for (const kernels::Window& w : plan.tiles()) {
        const std::vector<float> pod = model.cleared_pod(w);
        for (int64_t r = 0; r < w.height; ++r)
          for (int64_t c = 0; c < w.width; ++c)
            if (pod[static_cast<size_t>(r * w.width + c)] > 0)
              t.label.emplace(static_cast<size_t>((w.row0 + r) * grid.width() + w.col0 + c), 0);  // keeps a 1
      }
  }
  for (const auto& [cell, l] : t.label) t.positives += l == 1, t.negatives += l == 0;
  if (spec.background_ratio > 0 && t.positives > 0) {
    // Random background cells as negatives, drawn with the fit's seed (the same cells each run).
    std::mt19937_64 rng(spec.seed);
    std::uniform_int_distribution<size_t> any(0, cells - 1);
    const auto wanted = static_cast<int64_t>(std::llround(spec.background_ratio * static_cast<double>(t.positives)));
    int64_t added = 0;
    for (int64_t tries = 0; added < wanted && tries < 20 * wanted + 1000; ++tries)
      if (t.label.emplace(any(rng), 0).second) ++added;
    t.negatives += added;
  }
  return t;
}

Design build_design(const Scenario& s, const Model& model, const TrainingCells& t, const PointFilter* keep_finds,
                    const FitOptions& options) {
  const Grid& grid = model.grid();
  const size_t k = s.evidence.size();
  const TilePlan plan(grid.width(), grid.height(), options.tile_size);
  // Per cell, the transformed features then the raw ones; ordered by cell whatever the threads.
  std::map<size_t, std::vector<double>> rows;
  std::mutex mutex;
  TileLoopOptions loop = options.loop("minerisk fit");
  loop.quiet = true;  // fit prints its own summary; the design's tiles are an internal pass
  for_each_tile(plan.tiles(), loop, [&](const kernels::Window& w) {
    if (!t.any_in(w, grid.width())) return;
    const TileFeatures f = model.features(w, keep_finds);
    std::map<size_t, std::vector<double>> local;
    for (int64_t r = 0; r < w.height; ++r)
      for (int64_t c = 0; c < w.width; ++c) {
        const auto cell = static_cast<size_t>((w.row0 + r) * grid.width() + w.col0 + c);
        if (t.label_of(cell) == kUnused) continue;
        std::vector<double> row(2 * k);
        bool complete = true;
        for (size_t j = 0; j < k; ++j) {
          row[k + j] = f.layers[j][static_cast<size_t>(r * w.width + c)];
          row[j] = s.evidence[j].transform.apply(row[k + j]);
          complete = complete && std::isfinite(row[j]);
        }
        if (complete) local.emplace(cell, std::move(row));
      }
    std::lock_guard lock(mutex);
    rows.merge(local);
  });
  Design d;
  d.X.resize(static_cast<Eigen::Index>(rows.size()), static_cast<Eigen::Index>(k));
  d.raw.resize(d.X.rows(), d.X.cols());
  d.y.resize(static_cast<Eigen::Index>(rows.size()));
  Eigen::Index i = 0;
  for (const auto& [cell, row] : rows) {
    d.cell.push_back(cell);
    for (size_t j = 0; j < k; ++j) {
      d.X(i, static_cast<Eigen::Index>(j)) = row[j];
      d.raw(i, static_cast<Eigen::Index>(j)) = row[k + j];
    }
    d.y(i) = t.label_of(cell);
    ++i;
  }
  return d;
}

void check_design(const Scenario& s, const Design& d) {
  const Eigen::Index positives = static_cast<Eigen::Index>(d.y.sum());
  if (positives == 0)
    throw UserError(s.file.string() + ": no positive training cells (no finds on the grid, or no 1 in the labels); "
                                      "fit needs finds or labelled land");
  if (positives == d.y.size())
    throw UserError(s.file.string() + ": no negative training cells; add [cleared] land, [fit] background_ratio, "
                                      "or 0 cells in the labels");
  for (Eigen::Index j = 0; j < d.X.cols(); ++j)
    if (d.X.col(j).maxCoeff() == d.X.col(j).minCoeff())
      throw UserError(s.file.string() + ": layer 'model.evidence." + s.evidence[static_cast<size_t>(j)].name +
                      "' is constant over the training cells; remove it or give it varying data");
}

// The fold of each design row: by zone raster (one fold per zone) or by square blocks dealt
// into `folds` folds; -1 when there is no cross-validation.
std::vector<int64_t> folds_of(const Design& d, const Grid& grid, const FitSpec& spec, int64_t tile_size, int& count) {
  std::vector<int64_t> fold(d.cell.size(), -1);
  count = 0;
  if (!spec.zones.empty()) {
    // The zones of the design's cells, read in bands of rows (the design is in row-major order).
    const RasterSource zones(spec.zones, grid, "fit.zones", Resampling::nearest);
    std::map<float, int64_t> index;
    size_t i = 0;
    const TilePlan bands(grid.width(), grid.height(), tile_size, TileShape::row_bands);
    for (const kernels::Window& band : bands.tiles()) {
      const auto first = static_cast<size_t>(band.row0 * grid.width()), end = first + static_cast<size_t>(band.cells());
      if (i >= d.cell.size() || d.cell[i] >= end) continue;
      const std::vector<float> z = zones.read(band);
      for (; i < d.cell.size() && d.cell[i] < end; ++i) {
        const float v = z[d.cell[i] - first];
        if (std::isnan(v)) continue;
        fold[i] = index.try_emplace(v, static_cast<int64_t>(index.size())).first->second;
      }
    }
    count = static_cast<int>(index.size());
    return fold;
  }
  if (spec.block_size <= 0) return fold;
  // Block size in CRS units along x and y; in a geographic CRS, degrees at the grid's middle row.
  const kernels::MetricScale scale = grid.frame.scale_at_row(grid.height() / 2);
  const double block_x = spec.block_size / scale.x, block_y = spec.block_size / scale.y;
  for (size_t i = 0; i < d.cell.size(); ++i) {
    const auto row = static_cast<int64_t>(d.cell[i]) / grid.width(), col = static_cast<int64_t>(d.cell[i]) % grid.width();
    const auto bx = static_cast<int64_t>(std::floor((grid.frame.centre_x(col) - grid.frame.geotransform[0]) / block_x));
    const auto by = static_cast<int64_t>(std::floor((grid.frame.geotransform[3] - grid.frame.centre_y(row)) / block_y));
    // A fixed scramble of the block's coordinates deals neighbouring blocks into different folds.
    uint64_t h = static_cast<uint64_t>(bx) * 0x9E3779B97F4A7C15ULL ^ (static_cast<uint64_t>(by) + spec.seed) * 0xC2B2AE3D27D4EB4FULL;
    h ^= h >> 31;
    fold[i] = static_cast<int64_t>(h % static_cast<uint64_t>(spec.folds));
  }
  count = spec.folds;
  return fold;
}

}  // namespace minerisk::fit_detail
