#include "minerisk/engine/model.hpp"

#include "minerisk/engine/stage_times.hpp"

#include <cmath>

#include "../features/clearance.hpp"
#include "../features/feature.hpp"
#include "minerisk/engine/errors.hpp"
#include "minerisk/kernels/combine.hpp"
#include "minerisk/kernels/raster_ops.hpp"

namespace minerisk {

using kernels::Window;

TileFeatures::TileFeatures() = default;
TileFeatures::~TileFeatures() = default;
TileFeatures::TileFeatures(TileFeatures&&) noexcept = default;
TileFeatures& TileFeatures::operator=(TileFeatures&&) noexcept = default;

Model::Model(const Scenario& scenario, std::shared_ptr<const InputSet> inputs)
    : intercept_(scenario.intercept), evidence_(scenario.evidence), inputs_(std::move(inputs)) {
  for (const EvidenceSpec& e : evidence_) {
    names_.push_back(e.name);
    descriptions_.push_back("contribution of " + e.feature + " (" + kernels::transform_name(e.transform.kind) +
                            " transform, weight " + std::to_string(e.weight) + ") to the log-odds of contamination");
  }
  if (inputs_->clearance) {
    names_.push_back("clearance");
    descriptions_.push_back("log(1 - POD) of the clearance already done: its contribution to the log-odds");
  }
}

features::TileInput Model::tile_input(TileFeatures& f, const features::HeldOutLabels* held_out) const {
  return {inputs_->grid, f.tile, f.dem, f.elevation, *f.memo, held_out};
}

TileFeatures Model::features(const Window& tile, StageTimes* times, Digest* dem_digest) const {
  TileFeatures f;
  f.tile = tile;
  f.memo = std::make_shared<features::TileMemo>();
  {
    // The DEM with a one-cell halo: for the terrain measures, and as the region's no-data mask.
    const TimedWork timed(times, "read dem");
    f.dem = inputs_->dem->read(tile.grown(1));
    f.elevation = kernels::interior(f.dem, tile, 1);
  }
  if (dem_digest) *dem_digest = dem_window_digest(f.dem);
  const features::TileInput in = tile_input(f);
  for (size_t k = 0; k < inputs_->layers.size(); ++k) {
    const auto& layer = inputs_->layers[k];
    const TimedWork timed(times, times ? "feature " + names_[k] : "");  // a layer per evidence name
    std::vector<float> feature(in.cells());
    layer->compute(in, feature);
    kernels::propagate_nodata(f.elevation, feature);  // the DEM's no-data is the region's no-data
    // log1p is defined from -1 up: below it (an elevation under sea level, say) every such cell
    // became a probability of no data, and fit left its training cells out, with nothing said.
    if (evidence_[k].transform.kind == kernels::TransformKind::log1p) {
      bool below = false;
      for (const float v : feature) below |= v <= -1.0f;
      if (below)
        throw UserError("layer 'model.evidence." + evidence_[k].name +
                        "' holds values of -1 or below, where its transform log1p is not finite (those cells would be "
                        "no data); give it a transform defined there (linear, exp_decay, piecewise...), or shift its "
                        "values up");
    }
    f.layers.push_back(std::move(feature));
  }
  return f;
}

std::vector<float> Model::layer_without(size_t layer, const Window& tile, const features::HeldOutLabels& held_out) const {
  TileFeatures f;
  f.tile = tile;
  f.memo = std::make_shared<features::TileMemo>();
  std::vector<float> out(static_cast<size_t>(tile.cells()));
  inputs_->layers.at(layer)->compute(tile_input(f, &held_out), out);
  return out;
}

void Model::feature_on(const features::Feature& feature, TileFeatures& f, std::vector<float>& out) const {
  const features::TileInput in = tile_input(f);
  out.resize(in.cells());
  feature.compute(in, out);
  kernels::propagate_nodata(f.elevation, out);
}

std::vector<float> Model::cleared_pod(TileFeatures& f) const {
  std::vector<float> pod(static_cast<size_t>(f.tile.cells()), 0.0f);
  if (inputs_->clearance) inputs_->clearance->pod(tile_input(f), pod);
  return pod;
}

std::vector<float> Model::cleared_pod(const Window& tile) const {
  TileFeatures f;  // no DEM: the clearance does not need it
  f.tile = tile;
  f.memo = std::make_shared<features::TileMemo>();
  return cleared_pod(f);
}

std::vector<float> Model::cleared_pod(TileFeatures& f, const features::InputDraw& draw) const {
  std::vector<float> pod(static_cast<size_t>(f.tile.cells()), 0.0f);
  if (inputs_->clearance) inputs_->clearance->pod(tile_input(f), draw, pod);
  return pod;
}

TileResult Model::compute(const Window& tile, StageTimes* times, Digest* dem_digest) const {
  const auto n = static_cast<size_t>(tile.cells());
  TileResult result;
  result.window = tile;
  result.probability.assign(n, NAN);
  TileFeatures feature = features(tile, times, dem_digest);
  result.evidence.assign(names_.size(), std::vector<float>(n));
  std::vector<kernels::EvidenceLayer> layers;
  for (size_t k = 0; k < evidence_.size(); ++k)
    layers.push_back({feature.layers[k], evidence_[k].transform, evidence_[k].weight, result.evidence[k]});
  std::vector<float> pod;
  std::span<float> clearance_out;
  if (inputs_->clearance) {
    const TimedWork timed(times, "clearance");
    pod = cleared_pod(feature);
    clearance_out = result.evidence.back();
  }
  const TimedWork timed(times, "combine");
  kernels::combine_log_odds(intercept_, layers, pod, clearance_out, result.probability);
  // A contribution is stored as float32: weight x value beyond 3.4e38 was written as an infinity
  // (explain then showed log-odds that did not give the probability). Only the clearance's is
  // ever infinite, -inf where the POD is 1.
  // The layer's own value can be what overflowed (a find density of counts of 1e38): no weight
  // mends that.
  for (size_t k = 0; k < evidence_.size(); ++k) {
    const int64_t at = kernels::first_infinite_or_equal(result.evidence[k]);
    if (at < 0) continue;
    const std::string layer = "layer 'model.evidence." + evidence_[k].name + "'";
    if (std::isinf(feature.layers[k][static_cast<size_t>(at)]))
      throw UserError(layer + ": its value (" + evidence_[k].feature + ") goes beyond float32's range (3.4e38) in "
                      "which it is computed; its input's numbers are too large (a count or weight field): rescale them");
    throw UserError(layer + ": its weight times its transformed value goes beyond float32's range (3.4e38) in which "
                    "contributions are stored; lower the weight or rescale the layer");
  }

  // The DEM's no-data is the region's no-data, in every output (the clearance layer too).
  kernels::propagate_nodata(feature.elevation, result.probability);
  for (auto& layer : result.evidence) kernels::propagate_nodata(feature.elevation, layer);
  return result;
}

}  // namespace minerisk
