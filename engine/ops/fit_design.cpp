#include "fit_design.hpp"

#include <algorithm>
#include <cmath>
#include <map>
#include <mutex>
#include <random>
#include <unordered_set>

#include "../features/feature.hpp"
#include "minerisk/engine/errors.hpp"
#include "minerisk/engine/gdal_support.hpp"
#include "minerisk/engine/raster_source.hpp"
#include "minerisk/engine/tile_loop.hpp"
#include "minerisk/kernels/tile_plan.hpp"

namespace minerisk::fit_detail {

TrainingCells::TrainingCells(size_t grid_cells, std::vector<std::pair<size_t, int8_t>> labelled) {
  for (const auto& [cell, l] : labelled) positives += l == 1, negatives += l == 0;
  if (labelled.size() > grid_cells / 8) {  // many: one byte a cell is smaller than pairs
    dense_.assign(grid_cells, kUnused);
    for (const auto& [cell, l] : labelled) dense_[cell] = l;
  } else {
    sparse_ = std::move(labelled);
  }
}

int8_t TrainingCells::label_of(size_t cell) const {
  if (!dense_.empty()) return dense_[cell];
  const auto it = std::lower_bound(sparse_.begin(), sparse_.end(), std::make_pair(cell, int8_t{-128}));
  return it != sparse_.end() && it->first == cell ? it->second : kUnused;
}

bool TrainingCells::any_in(const kernels::Window& w, int64_t grid_width) const {
  for (int64_t r = 0; r < w.height; ++r) {
    const auto first = static_cast<size_t>((w.row0 + r) * grid_width + w.col0);
    if (!dense_.empty()) {
      for (size_t i = first; i < first + static_cast<size_t>(w.width); ++i)
        if (dense_[i] != kUnused) return true;
      continue;
    }
    const auto it = std::lower_bound(sparse_.begin(), sparse_.end(), std::make_pair(first, int8_t{-128}));
    if (it != sparse_.end() && it->first < first + static_cast<size_t>(w.width)) return true;
  }
  return false;
}

namespace {

// The cells of each window for which `pick(values[i])` gives a label, in row-major order: the
// windows run in parallel (threads, progress and Ctrl-C of `options`), merged in window order.
template <class Read, class Pick>
std::vector<std::pair<size_t, int8_t>> labelled_cells(const Grid& grid, const std::vector<kernels::Window>& windows,
                                                      const FitOptions& options, Read&& read, Pick&& pick) {
  std::vector<std::vector<std::pair<size_t, int8_t>>> per_window(windows.size());
  TileLoopOptions loop = options.loop("minerisk fit, training cells");
  loop.quiet = true;
  for_each_tile(windows, loop, [&](const kernels::Window& w) {
    const std::vector<float> values = read(w);
    auto& out = per_window[static_cast<size_t>(&w - windows.data())];
    for (int64_t r = 0; r < w.height; ++r)
      for (int64_t c = 0; c < w.width; ++c) {
        const int8_t l = pick(values[static_cast<size_t>(r * w.width + c)]);
        if (l != kUnused) out.emplace_back(static_cast<size_t>((w.row0 + r) * grid.width() + w.col0 + c), l);
      }
  });
  std::vector<std::pair<size_t, int8_t>> all;
  for (auto& v : per_window) all.insert(all.end(), v.begin(), v.end());
  return all;
}

}  // namespace

TrainingCells training_cells(const Scenario& s, const Model& model, const FitOptions& options) {
  const FitSpec& spec = options.spec;
  const Grid& grid = model.grid();
  const auto cells = static_cast<size_t>(grid.width() * grid.height());
  std::vector<std::pair<size_t, int8_t>> labelled;
  bool resampled = false;
  if (!spec.labels.empty()) {
    // Read in bands of rows, so the label raster is never held whole.
    const RasterSource labels(spec.labels, grid, "fit.labels", Resampling::nearest);
    resampled = !labels.aligned();
    const TilePlan bands(grid.width(), grid.height(), options.tile_size, TileShape::row_bands);
    labelled = labelled_cells(
        grid, bands.tiles(), options, [&](const kernels::Window& w) { return labels.read(w); },
        [](float v) -> int8_t { return v == 1.0f ? 1 : v == 0.0f ? 0 : kUnused; });
    std::sort(labelled.begin(), labelled.end());  // bands of full rows: sorted already, kept cheap
  } else {
    if (!s.finds) throw UserError(s.file.string() + ": fit needs positives: add [finds], or set [fit] labels = \"labels.tif\"");
    std::vector<size_t> positive;
    for (const kernels::WeightedPoint& p : *model.inputs().shared->finds) {
      int64_t row, col;
      if (grid.cell_at(p.x, p.y, row, col)) positive.push_back(static_cast<size_t>(row * grid.width() + col));
    }
    std::sort(positive.begin(), positive.end());
    positive.erase(std::unique(positive.begin(), positive.end()), positive.end());
    // Cleared land without finds: negatives (a find's cell stays positive).
    std::vector<std::pair<size_t, int8_t>> cleared;
    if (model.has_clearance()) {
      const TilePlan plan(grid.width(), grid.height(), options.tile_size);
      cleared = labelled_cells(
          grid, plan.tiles(), options, [&](const kernels::Window& w) { return model.cleared_pod(w); },
          [](float pod) -> int8_t { return pod > 0 ? 0 : kUnused; });
      std::sort(cleared.begin(), cleared.end());
    }
    labelled.reserve(positive.size() + cleared.size());
    size_t k = 0;
    for (const auto& [cell, l] : cleared) {
      for (; k < positive.size() && positive[k] < cell; ++k) labelled.emplace_back(positive[k], 1);
      if (k < positive.size() && positive[k] == cell) continue;  // the find's 1 wins
      labelled.emplace_back(cell, l);
    }
    for (; k < positive.size(); ++k) labelled.emplace_back(positive[k], 1);
  }
  int64_t positives = 0;
  for (const auto& [cell, l] : labelled) positives += l == 1;
  if (spec.background_ratio > 0 && positives > 0) {
    // Random background cells as negatives, drawn with the fit's seed (the same cells each run).
    std::mt19937_64 rng(spec.seed);
    std::uniform_int_distribution<size_t> any(0, cells - 1);
    const auto wanted = static_cast<int64_t>(std::llround(spec.background_ratio * static_cast<double>(positives)));
    std::unordered_set<size_t> added;
    auto labelled_already = [&](size_t cell) {
      const auto it = std::lower_bound(labelled.begin(), labelled.end(), std::make_pair(cell, int8_t{-128}));
      return it != labelled.end() && it->first == cell;
    };
    for (int64_t tries = 0; static_cast<int64_t>(added.size()) < wanted && tries < 20 * wanted + 1000; ++tries) {
      const size_t cell = any(rng);
      if (!labelled_already(cell)) added.insert(cell);
    }
    for (size_t cell : added) labelled.emplace_back(cell, 0);
    std::sort(labelled.begin(), labelled.end());
  }
  TrainingCells t(cells, std::move(labelled));
  t.labels_resampled = resampled;
  return t;
}

Design build_design(const Scenario& s, const Model& model, const TrainingCells& t, const FitOptions& options) {
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
    const TileFeatures f = model.features(w);
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

void check_design(const Scenario& s, const Design& d, const std::vector<size_t>& from_labels, size_t outside_folds,
                  bool by_zones) {
  const Eigen::Index positives = static_cast<Eigen::Index>(d.y.sum());
  // Cells in no zone were left out before this: the finds may lie on the grid, outside every zone.
  const std::string left_out = outside_folds == 0 ? std::string() :
      " (" + std::to_string(outside_folds) + " training cells in no zone were left out: give their land a zone)";
  if (positives == 0)
    throw UserError(s.file.string() + ": no positive training cells (no finds on the grid, or no 1 in the labels)" +
                    left_out + "; fit needs finds or labelled land");
  if (positives == d.y.size())
    throw UserError(s.file.string() + ": no negative training cells" + left_out +
                    "; add [cleared] land, [fit] background_ratio, or 0 cells in the labels");
  for (Eigen::Index j = 0; j < d.X.cols(); ++j) {
    if (d.X.col(j).maxCoeff() != d.X.col(j).minCoeff()) continue;
    // A layer built from the labels is built out of fold: with one block over the whole grid (a
    // --block-size of 1e7), no fold's labels reach another fold's cells, and it is constant.
    const bool out_of_fold = std::find(from_labels.begin(), from_labels.end(), static_cast<size_t>(j)) != from_labels.end();
    throw UserError(s.file.string() + ": layer 'model.evidence." + s.evidence[static_cast<size_t>(j)].name +
                    "' is constant over the training cells; " +
                    (!out_of_fold ? "remove it or give it varying data"
                     // Zones far apart: no other zone's labels come within the layer's reach of a cell.
                     : by_zones ? "it is built from the labels of the other zones, and none lies within its reach of "
                                  "a training cell: give zones that lie nearer each other, or the layer a longer reach (a "
                                  "density's bandwidth)"
                                : "it is built from the labels outside each cell's fold, and these folds leave it none "
                                  "to differ by: use smaller blocks (--block-size) or zones (--zones)"));
  }
}

std::vector<size_t> label_layers(const Scenario& s, const FitOptions& options, std::vector<std::string>& notes) {
  std::vector<size_t> layers;
  LabelLeakCheck leaks(s, options);
  for (size_t j = 0; j < s.evidence.size(); ++j) {
    const EvidenceSpec& e = s.evidence[j];
    leaks.refuse(e);
    if (features::find_feature_kind(e.feature)->built_from_labels(s, e)) layers.push_back(j);
  }
  notes.insert(notes.end(), leaks.notes().begin(), leaks.notes().end());
  return layers;
}

namespace {

// A layer value with no label left to build it from: a distance to nothing (+inf), a contrast
// with no find left (-inf), or neither set left (NaN). It takes the value of the row nearest in
// meaning among `rows`: the largest for +inf, the smallest for -inf, the median for NaN; raw
// and transformed values from that same row, so both stay finite and consistent.
void fill_unbuilt(const Scenario& s, size_t layer, const std::vector<Eigen::Index>& rows, bool by_zones, Design& d) {
  const auto col = static_cast<Eigen::Index>(layer);
  std::vector<Eigen::Index> built;
  for (Eigen::Index i : rows)
    if (std::isfinite(d.X(i, col)) && std::isfinite(d.raw(i, col))) built.push_back(i);
  if (built.size() == rows.size()) return;
  if (built.empty())
    throw UserError(s.file.string() + ": layer 'model.evidence." + s.evidence[layer].name +
                    (by_zones ? "' has no value in a whole zone once that zone's own labels are left out; give zones "
                                "that lie nearer each other, or that share the labels more evenly"
                              : "' has no value in a whole fold once that fold's own labels are left out; use more or "
                                "smaller blocks (--block-size, --folds), or zones (--zones)"));
  // Ordered by the raw value where that is what is missing (a transform may reverse it, as
  // exp_decay does), by the transformed value otherwise.
  std::vector<Eigen::Index> by_raw = built, by_x = built;
  std::sort(by_raw.begin(), by_raw.end(), [&](Eigen::Index a, Eigen::Index b) { return d.raw(a, col) < d.raw(b, col); });
  std::sort(by_x.begin(), by_x.end(), [&](Eigen::Index a, Eigen::Index b) { return d.X(a, col) < d.X(b, col); });
  for (Eigen::Index i : rows) {
    if (std::isfinite(d.X(i, col)) && std::isfinite(d.raw(i, col))) continue;
    const bool raw_missing = !std::isfinite(d.raw(i, col));
    const double v = raw_missing ? d.raw(i, col) : d.X(i, col);
    const std::vector<Eigen::Index>& order = raw_missing ? by_raw : by_x;
    const Eigen::Index from = std::isnan(v) ? order[order.size() / 2] : v > 0 ? order.back() : order.front();
    d.X(i, col) = d.X(from, col);
    d.raw(i, col) = d.raw(from, col);
  }
}

}  // namespace

void rebuild_label_columns(const Scenario& s, const Model& model, const features::HeldOutLabels& held_out,
                           const std::vector<size_t>& layers, const std::vector<Eigen::Index>& rows, Design& d,
                           const FitOptions& options) {
  if (rows.empty() || layers.empty()) return;
  const Grid& grid = model.grid();
  const int64_t across = (grid.width() + options.tile_size - 1) / options.tile_size;
  // The rows of each tile (the plan's squares are in row-major order).
  std::map<int64_t, std::vector<Eigen::Index>> by_tile;
  for (Eigen::Index i : rows) {
    const auto cell = static_cast<int64_t>(d.cell[static_cast<size_t>(i)]);
    const int64_t row = cell / grid.width(), col = cell % grid.width();
    by_tile[(row / options.tile_size) * across + col / options.tile_size].push_back(i);
  }
  // Each tile's layers are computed over the smallest window that holds its rows, not the
  // whole tile: a zone's few cells cost a few cells' work, where a fold of many zones (one
  // rebuild for every pair of them) recomputed whole tiles. A cell's value is the same in any
  // window (as for any tile size).
  std::vector<kernels::Window> tiles;
  std::vector<const std::vector<Eigen::Index>*> tile_rows;
  for (const auto& [index, its_rows] : by_tile) {
    int64_t row0 = grid.height(), col0 = grid.width(), row1 = -1, col1 = -1;
    for (Eigen::Index i : its_rows) {
      const auto cell = static_cast<int64_t>(d.cell[static_cast<size_t>(i)]);
      const int64_t row = cell / grid.width(), col = cell % grid.width();
      row0 = std::min(row0, row), row1 = std::max(row1, row), col0 = std::min(col0, col), col1 = std::max(col1, col);
    }
    tiles.push_back({col0, row0, col1 - col0 + 1, row1 - row0 + 1});
    tile_rows.push_back(&its_rows);
  }
  TileLoopOptions loop = options.loop("minerisk fit, cross-fitting");
  loop.quiet = true;
  // Each tile writes only its own rows of d: no two threads write the same element.
  for_each_tile(tiles, loop, [&](const kernels::Window& w) {
    const auto& its_rows = *tile_rows[static_cast<size_t>(&w - tiles.data())];
    for (size_t j : layers) {
      const std::vector<float> values = model.layer_without(j, w, held_out);
      for (Eigen::Index i : its_rows) {
        const auto cell = static_cast<int64_t>(d.cell[static_cast<size_t>(i)]);
        const int64_t r = cell / grid.width() - w.row0, c = cell % grid.width() - w.col0;
        const double raw = values[static_cast<size_t>(r * w.width + c)];
        d.raw(i, static_cast<Eigen::Index>(j)) = raw;
        d.X(i, static_cast<Eigen::Index>(j)) = s.evidence[j].transform.apply(raw);
      }
    }
  });
  for (size_t j : layers) fill_unbuilt(s, j, rows, !options.spec.zones.empty(), d);
}

}  // namespace minerisk::fit_detail
