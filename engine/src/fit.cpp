#include "minerisk/engine/fit.hpp"

#include <algorithm>
#include <cmath>
#include <map>
#include <functional>
#include <mutex>
#include <nlohmann/json.hpp>
#include <random>
#include <sstream>
#include <toml++/toml.h>

#include "../features/feature.hpp"
#include "minerisk/engine/errors.hpp"
#include "minerisk/engine/input_set.hpp"
#include "minerisk/engine/model.hpp"
#include "minerisk/engine/provenance.hpp"
#include "minerisk/engine/raster_source.hpp"
#include "minerisk/engine/tile_loop.hpp"
#include "minerisk/kernels/tile_plan.hpp"
#include "minerisk/engine/tile_loop.hpp"
#include "minerisk/kernels/metrics.hpp"

namespace minerisk {
namespace {

constexpr int8_t kUnused = -1;

// The training cells, sparse: only labelled cells are held (a grid of 10^9 cells with 10^5
// finds holds 10^5 entries, not 10^9), in row-major cell order.
struct TrainingCells {
  std::map<size_t, int8_t> label;  // cell index -> 1 or 0
  int64_t positives = 0, negatives = 0;

  int8_t label_of(size_t cell) const {
    const auto it = label.find(cell);
    return it == label.end() ? kUnused : it->second;
  }
  /// Whether any cell of `w` is labelled.
  bool any_in(const kernels::Window& w, int64_t grid_width) const {
    for (int64_t r = 0; r < w.height; ++r) {
      const auto first = static_cast<size_t>((w.row0 + r) * grid_width + w.col0);
      const auto it = label.lower_bound(first);
      if (it != label.end() && it->first < first + static_cast<size_t>(w.width)) return true;
    }
    return false;
  }
};

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

// The design: one row per training cell with a value in every layer, in row-major cell order.
struct Design {
  std::vector<size_t> cell;        // grid index of each row
  Eigen::MatrixXd X;               // transformed features
  Eigen::MatrixXd raw;             // the features before their transforms (classes, for WoE)
  Eigen::VectorXd y;
};

Design build_design(const Scenario& s, const Model& model, const TrainingCells& t, const PointFilter* keep_finds,
                    const FitOptions& options) {
  const Grid& grid = model.grid();
  const size_t k = s.evidence.size();
  const TilePlan plan(grid.width(), grid.height(), options.tile_size);
  // Per cell, the transformed features then the raw ones; ordered by cell whatever the threads.
  std::map<size_t, std::vector<double>> rows;
  std::mutex mutex;
  for_each_tile(plan.tiles(), {options.threads, true, "minerisk fit", options.cancel, {}}, [&](const kernels::Window& w) {
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

kernels::LogisticFit fit_or_explain(const Scenario& s, const Eigen::MatrixXd& X, const Eigen::VectorXd& y, double l2) {
  try {
    return kernels::fit_logistic_l2(X, y, l2);
  } catch (const std::domain_error& e) {
    throw UserError(s.file.string() + ": the model cannot be fitted: " + e.what() +
                    "; remove a layer that repeats another, or set [fit] l2 larger than 0");
  }
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

std::string fitted_toml(const Scenario& s, const FitResult& r) {
  toml::table root = toml::parse(s.resolved_toml);
  root["model"].as_table()->insert_or_assign("intercept", r.coefficients[0].weight);
  for (size_t k = 0; k < s.evidence.size(); ++k)
    root["model"]["evidence"][s.evidence[k].name].as_table()->insert_or_assign("weight", r.coefficients[k + 1].weight);
  std::ostringstream out;
  out << "# Fitted by minerisk fit on " << utc_now_iso8601() << " from " << s.file.string() << "\n";
  out << "# " << r.positives << " positive and " << r.negatives << " negative training cells";
  if (r.folds > 0) out << "; spatial cross-validation over " << r.folds << " folds: ROC-AUC " << r.cv_roc_auc << ", PR-AUC " << r.cv_pr_auc;
  out << "\n\n" << toml::toml_formatter(root) << "\n";
  return out.str();
}

}  // namespace

// The options, wherever they came from (scenario, command line, Python), checked once.
void check_fit_spec(const FitSpec& f) {
  if (!(f.folds >= 2 && f.folds <= 100)) throw UserError("fit: folds must be a whole number from 2 to 100");
  if (!(f.background_ratio >= 0 && f.background_ratio <= 100))
    throw UserError("fit: background_ratio must lie in [0, 100] (random background cells per positive)");
  if (!(f.l2 >= 0) || !std::isfinite(f.l2)) throw UserError("fit: l2 must be zero or positive");
  if (!(f.block_size >= 0) || !std::isfinite(f.block_size))
    throw UserError("fit: block_size must be zero (no cross-validation) or a positive size in metres");
}

FitResult fit_scenario(const Scenario& s, const FitOptions& options) {
  check_fit_spec(options.spec);
  if (s.evidence.empty()) throw UserError(s.file.string() + ": [model] has no evidence layer to fit");
  check_tile_size(options.tile_size);
  const auto inputs = load_inputs(s);
  const Model model(s, inputs);
  const InputSet& in = *inputs;
  const TrainingCells cells = training_cells(s, model, options.spec, options.tile_size);
  const Design design = build_design(s, model, cells, nullptr, options);
  check_design(s, design);

  FitResult r;
  r.positives = static_cast<int64_t>(design.y.sum());
  r.negatives = design.y.size() - r.positives;
  const kernels::LogisticFit fit = fit_or_explain(s, design.X, design.y, options.spec.l2);
  for (Eigen::Index j = 0; j < fit.coefficients.size(); ++j) {
    Coefficient c;
    c.name = j == 0 ? "intercept" : s.evidence[static_cast<size_t>(j - 1)].name;
    c.weight = fit.coefficients(j);
    c.standard_error = fit.standard_errors(j);
    c.z = c.weight / c.standard_error;
    c.p_value = std::erfc(std::abs(c.z) / std::sqrt(2.0));
    r.coefficients.push_back(c);
  }
  for (Eigen::Index i = 0; i < fit.covariance.rows(); ++i) {
    r.covariance.emplace_back();
    for (Eigen::Index j = 0; j < fit.covariance.cols(); ++j) r.covariance.back().push_back(fit.covariance(i, j));
  }

  // Spatial cross-validation: fit without each fold, predict it, pool the predictions. Density
  // layers built from the finds are rebuilt from the training folds' finds only, so nothing
  // built from the held-out land's labels sees it.
  int fold_count = 0;
  const std::vector<int64_t> fold = folds_of(design, in.grid, options.spec, options.tile_size, fold_count);
  const bool rebuild = std::any_of(s.evidence.begin(), s.evidence.end(),
                                   [](const EvidenceSpec& e) { return features::find_feature_kind(e.feature)->reads_finds; });
  std::vector<kernels::ScoredCell> pooled;
  for (int f = 0; f < fold_count; ++f) {
    std::vector<Eigen::Index> train, test;
    for (size_t i = 0; i < fold.size(); ++i) (fold[i] == f ? test : train).push_back(static_cast<Eigen::Index>(i));
    if (test.empty()) continue;
    const Design* d = &design;
    Design refit;
    if (rebuild) {
      // A find is held out when its cell is a held-out training cell.
      const PointFilter keep = [&](const kernels::WeightedPoint& p) {
        int64_t row, col;
        if (!cell_of(in.grid, p.x, p.y, row, col)) return true;
        const auto cell = static_cast<size_t>(row * in.grid.width() + col);
        const auto it = std::lower_bound(design.cell.begin(), design.cell.end(), cell);
        return !(it != design.cell.end() && *it == cell && fold[static_cast<size_t>(it - design.cell.begin())] == f);
      };
      refit = build_design(s, model, cells, &keep, options);
      // Only the densities change, and they are finite everywhere: the rows stay the same cells.
      if (refit.cell != design.cell) throw std::logic_error("fit: a fold's design lost or gained training cells");
      d = &refit;
    }
    const Eigen::MatrixXd Xtrain = d->X(train, Eigen::all);
    const Eigen::VectorXd ytrain = d->y(train);
    if (ytrain.sum() == 0 || ytrain.sum() == static_cast<double>(ytrain.size())) continue;
    const kernels::LogisticFit ff = fit_or_explain(s, Xtrain, ytrain, options.spec.l2);
    for (Eigen::Index i : test) {
      const double eta = ff.coefficients(0) + d->X.row(i).dot(ff.coefficients.tail(ff.coefficients.size() - 1));
      pooled.push_back({1.0 / (1.0 + std::exp(-eta)), d->y(i)});
    }
    ++r.folds;
  }
  if (r.folds > 0) {
    const double none[1] = {0.1};
    try {
      const kernels::RankingMetrics m = kernels::ranking_metrics(pooled, none);
      r.cv_roc_auc = m.roc_auc;
      r.cv_pr_auc = m.average_precision;
    } catch (const std::invalid_argument&) {
      r.folds = 0;  // the held-out cells held one class only
    }
  }

  // Weights of evidence of the classed layers over the training cells.
  for (size_t j = 0; j < s.evidence.size(); ++j) {
    const EvidenceSpec& e = s.evidence[j];
    const auto column = design.X.col(static_cast<Eigen::Index>(j));
    const auto raw = design.raw.col(static_cast<Eigen::Index>(j));
    std::vector<std::pair<std::string, std::function<bool(Eigen::Index)>>> classes;
    if (e.transform.kind == kernels::TransformKind::categorical) {
      for (size_t c = 0; c < e.transform.xs.size(); ++c) {  // one per listed class, by its value
        char label[96];
        std::snprintf(label, sizeof label, "%s = %.17g", e.name.c_str(), e.transform.xs[c]);
        const double cls = e.transform.xs[c];
        classes.emplace_back(label, [&, cls](Eigen::Index i) { return raw(i) == cls; });
      }
    } else if (e.transform.kind == kernels::TransformKind::step) {
      classes.emplace_back(e.name, [&](Eigen::Index i) { return column(i) > 0; });
    } else if (features::find_feature_kind(e.feature)->classed) {
      classes.emplace_back(e.name, [&](Eigen::Index i) { return raw(i) > 0; });
    }
    for (const auto& [label, in_class] : classes) {
      double bd = 0, bn = 0, nd = 0, nn = 0;
      for (Eigen::Index i = 0; i < design.y.size(); ++i) {
        const bool b = in_class(i), d = design.y(i) > 0;
        (b ? (d ? bd : bn) : (d ? nd : nn)) += 1;
      }
      try {
        r.weights_of_evidence.emplace_back(label, kernels::weights_of_evidence(bd, bn, nd, nn));
      } catch (const std::domain_error&) {
        // A class with no training cell on one side has no finite weights: left out.
      }
    }
  }
  r.fitted_toml = fitted_toml(s, r);
  std::ostringstream csv;
  csv.precision(17);
  for (const EvidenceSpec& e : s.evidence) csv << e.name << ",";
  csv << "label\n";
  for (Eigen::Index i = 0; i < design.X.rows(); ++i) {
    for (Eigen::Index j = 0; j < design.X.cols(); ++j) csv << design.X(i, j) << ",";
    csv << design.y(i) << "\n";
  }
  r.design_csv = csv.str();
  return r;
}

std::string fit_json(const FitResult& r) {
  nlohmann::ordered_json j;
  j["positives"] = r.positives;
  j["negatives"] = r.negatives;
  nlohmann::ordered_json table = nlohmann::ordered_json::array();
  for (const Coefficient& c : r.coefficients)
    table.push_back({{"name", c.name}, {"weight", c.weight}, {"standard_error", c.standard_error}, {"z", c.z}, {"p_value", c.p_value}});
  j["coefficients"] = table;
  j["covariance"] = r.covariance;  // of the coefficients, in the table's order
  j["cross_validation"] = {{"folds", r.folds}, {"roc_auc", r.folds ? r.cv_roc_auc : 0.0}, {"pr_auc", r.folds ? r.cv_pr_auc : 0.0}};
  nlohmann::ordered_json woe = nlohmann::ordered_json::array();
  for (const auto& [name, w] : r.weights_of_evidence)
    woe.push_back({{"layer", name}, {"w_plus", w.w_plus}, {"w_minus", w.w_minus}, {"contrast", w.contrast},
                   {"contrast_sd", w.contrast_sd}, {"studentised_contrast", w.studentised}});
  j["weights_of_evidence"] = woe;
  return j.dump(2);
}

}  // namespace minerisk
