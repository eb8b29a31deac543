#include "minerisk/engine/model.hpp"

#include <cmath>
#include <optional>

#include "minerisk/kernels/combine.hpp"
#include "minerisk/kernels/raster_ops.hpp"
#include "minerisk/kernels/terrain.hpp"

namespace minerisk {

using kernels::Window;

Model::Model(const Scenario& scenario, const InputSet& inputs) : scenario_(scenario), inputs_(inputs) {
  for (const EvidenceSpec& e : scenario_.evidence) {
    names_.push_back(e.name);
    descriptions_.push_back("contribution of " + feature_name(e.feature) + " (" +
                            kernels::transform_name(e.transform.kind) + " transform, weight " +
                            std::to_string(e.weight) + ") to the log-odds of contamination");
  }
  if (scenario_.cleared) {
    names_.push_back("clearance");
    descriptions_.push_back("log(1 - POD) of the clearance already done: its contribution to the log-odds");
  }
}

TileResult Model::compute(const Window& tile) const {
  const auto& frame = inputs_.grid.frame;
  const size_t n = static_cast<size_t>(tile.cells());
  TileResult result;
  result.window = tile;
  result.probability.assign(n, NAN);

  // The DEM with a one-cell halo: for slope, and as the region's no-data mask.
  const Window with_halo = tile.grown(1);
  const std::vector<float> dem = inputs_.dem->read(with_halo);
  std::optional<std::vector<float>> slope, front_distance, record_cover;

  std::vector<std::vector<float>> features;
  for (const EvidenceSpec& e : scenario_.evidence) {
    std::vector<float> feature(n);
    switch (e.feature) {
      case FeatureKind::slope:
        if (!slope) {
          slope.emplace(n);
          kernels::slope_horn_degrees(dem, tile, frame, *slope);
        }
        feature = *slope;
        break;
      case FeatureKind::front_line_distance:
        if (!front_distance) {
          front_distance.emplace(n);
          kernels::line_distance_metres(inputs_.front_lines, tile, frame, *front_distance);
        }
        feature = *front_distance;
        break;
      case FeatureKind::find_density:
        kernels::gaussian_density_per_km2(inputs_.finds, e.bandwidth, tile, frame, feature);
        break;
      case FeatureKind::record_coverage:
        if (!record_cover) {
          record_cover.emplace(n);
          kernels::combined_coverage_probability(inputs_.records, tile, frame, *record_cover);
        }
        feature = *record_cover;
        break;
    }
    features.push_back(std::move(feature));
  }

  result.evidence.assign(names_.size(), std::vector<float>(n));
  std::vector<kernels::EvidenceLayer> layers;
  for (size_t k = 0; k < scenario_.evidence.size(); ++k)
    layers.push_back({features[k], scenario_.evidence[k].transform, scenario_.evidence[k].weight, result.evidence[k]});
  std::vector<float> pod;
  std::span<float> clearance_out;
  if (scenario_.cleared) {
    pod.resize(n);
    kernels::combined_coverage_probability(inputs_.cleared, tile, frame, pod);
    clearance_out = result.evidence.back();
  }
  kernels::combine_log_odds(scenario_.intercept, layers, pod, clearance_out, result.probability);

  // The DEM's no-data is the region's no-data.
  const std::vector<float> elevation = kernels::interior(dem, tile, 1);
  kernels::propagate_nodata(elevation, result.probability);
  for (auto& layer : result.evidence) kernels::propagate_nodata(elevation, layer);
  return result;
}

}  // namespace minerisk
