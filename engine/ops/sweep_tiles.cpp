#include "sweep_tiles.hpp"

#include <algorithm>
#include <cmath>
#include <stdexcept>

#include "minerisk/kernels/combine.hpp"
#include "minerisk/kernels/raster_ops.hpp"

namespace minerisk::sweep {

void BaseSums::add(std::span<const float> base) {
  for (float p : base)
    if (!std::isnan(p)) ++histogram[static_cast<size_t>(bin_of(p))], ++valid;
}

void BaseSums::add(const BaseSums& o) {
  for (int b = 0; b < kBins; ++b) histogram[static_cast<size_t>(b)] += o.histogram[static_cast<size_t>(b)];
  valid += o.valid;
}

std::vector<int64_t> BaseSums::flat() const {
  std::vector<int64_t> out(histogram);
  out.push_back(valid);
  return out;
}

BaseSums BaseSums::from_flat(const std::vector<int64_t>& sums) {
  if (sums.size() != static_cast<size_t>(kBins) + 1) throw std::runtime_error("a sweep's base sums of the wrong size");
  BaseSums out;
  std::copy(sums.begin(), sums.end() - 1, out.histogram.begin());
  out.valid = sums.back();
  return out;
}

SweepTiles::SweepTiles(const SweepSpec& spec, const SweepOptions& options, bool hash_files)
    : base_(base_draw(spec.base)) {
  inputs_ = load_inputs(spec.base, nullptr, hash_files);
  model_ = std::make_unique<Model>(spec.base, inputs_);
  draws_ = make_draws(spec, *inputs_);
  for (const Draw& d : draws_) {
    drawn_.emplace_back();
    for (const auto& layer : inputs_->layers) drawn_.back().push_back(layer->drawn(d.inputs));
  }
  const auto n_s = static_cast<double>(draws_.size());
  tile_size_ = options.tile_size;
  while (tile_size_ > 64 && (n_s + 1) * static_cast<double>(tile_size_ * tile_size_) * 4.0 > 256e6) tile_size_ /= 2;
  plan_ = std::make_unique<kernels::TilePlan>(inputs_->grid.width(), inputs_->grid.height(), tile_size_);
}

TileFeatures SweepTiles::base_pass(const kernels::Window& tile, BaseSums& sums) const {
  TileFeatures f = model_->features(tile);
  sums.add(probabilities(f, 0, 0).back());
  return f;
}

std::vector<std::vector<float>> SweepTiles::probabilities(TileFeatures& f, size_t first, size_t count) const {
  const Model& model = *model_;
  const auto n = static_cast<size_t>(f.tile.cells());
  const size_t last = std::min(draws_.size(), first + count);
  const std::vector<float> base_pod = model.cleared_pod(f);
  std::vector<std::vector<float>> out;
  // One buffer per layer: several layers may each be recomputed for a scenario.
  std::vector<std::vector<float>> changed(f.layers.size());
  std::vector<float> pod;
  auto scenario = [&](const Draw& d, const std::vector<std::unique_ptr<features::Feature>>* drawn) {
    std::vector<kernels::EvidenceLayer> layers;
    for (size_t k = 0; k < f.layers.size(); ++k) {
      std::span<const float> feature = f.layers[k];
      if (drawn && (*drawn)[k]) {
        model.feature_on(*(*drawn)[k], f, changed[k]);
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
  };
  for (size_t s = first; s < last; ++s) scenario(draws_[s], &drawn_[s]);
  scenario(base_, nullptr);
  return out;
}

double tile_bytes(const TileFeatures& f) {
  double floats = static_cast<double>(f.dem.capacity() + f.elevation.capacity());
  for (const auto& layer : f.layers) floats += static_cast<double>(layer.capacity());
  return 4.0 * floats * 2.0;  // x 2: the memo keeps about as much again
}

std::vector<std::span<const float>> stored_values(const CellStatistics& c,
                                                  const std::vector<std::vector<float>>& probabilities, bool stack) {
  std::vector<std::span<const float>> out{c.mean, c.sd, c.p05, c.p50, c.p95};
  for (const auto& above : c.above) out.emplace_back(above);
  if (stack)
    for (size_t k = 0; k + 1 < probabilities.size(); ++k) out.emplace_back(probabilities[k]);
  return out;
}

}  // namespace minerisk::sweep
