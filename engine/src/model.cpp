#include "minerisk/engine/model.hpp"

#include <algorithm>
#include <cmath>
#include <iterator>
#include <map>
#include <optional>

#include "minerisk/kernels/combine.hpp"
#include "minerisk/kernels/raster_ops.hpp"
#include "minerisk/kernels/terrain.hpp"
#include "minerisk/kernels/polygon_coverage.hpp"

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

TileFeatures Model::features(const Window& tile, const PointFilter* keep) const {
  const auto& frame = inputs_.grid.frame;
  const auto n = static_cast<size_t>(tile.cells());
  // The DEM with a one-cell halo: for the terrain measures, and as the region's no-data mask.
  const std::vector<float> dem = inputs_.dem->read(tile.grown(1));
  TileFeatures out;
  out.elevation = kernels::interior(dem, tile, 1);
  const std::vector<float>& elevation = out.elevation;
  std::map<kernels::TerrainMeasure, std::vector<float>> terrain;  // each measure computed once
  auto terrain_of = [&](kernels::TerrainMeasure m) -> const std::vector<float>& {
    auto [it, fresh] = terrain.try_emplace(m, n);
    if (fresh) kernels::terrain(dem, tile, frame, it->second, m);
    return it->second;
  };
  std::optional<std::vector<float>> front_distance, record_cover;

  for (size_t k = 0; k < scenario_.evidence.size(); ++k) {
    const EvidenceSpec& e = scenario_.evidence[k];
    const LayerInputs& own = inputs_.layers[k];
    std::vector<float> feature(n);
    switch (e.feature) {
      case FeatureKind::slope: feature = terrain_of(kernels::TerrainMeasure::slope_degrees); break;
      case FeatureKind::ruggedness: feature = terrain_of(kernels::TerrainMeasure::ruggedness); break;
      case FeatureKind::elevation: feature = elevation; break;
      case FeatureKind::front_line_distance:
        if (own.own_segments || e.signed_distance) {
          kernels::line_distance_metres(own.own_segments ? own.segments : inputs_.front_lines, tile, frame, feature,
                                        INFINITY, e.signed_distance);
        } else {
          if (!front_distance) {
            front_distance.emplace(n);
            kernels::line_distance_metres(inputs_.front_lines, tile, frame, *front_distance);
          }
          feature = *front_distance;
        }
        break;
      case FeatureKind::vector_distance:
        kernels::line_distance_metres(own.segments, tile, frame, feature, INFINITY, e.signed_distance);
        for (const kernels::Polygon& p : own.polygons)
          kernels::for_each_covered_cell(p, tile, frame, [&](int64_t i) { feature[static_cast<size_t>(i)] = 0.0f; });
        break;
      case FeatureKind::find_density: {
        const auto& points = own.own_points ? own.points : inputs_.finds;
        if (keep) {
          std::vector<kernels::WeightedPoint> kept;
          std::copy_if(points.begin(), points.end(), std::back_inserter(kept), *keep);
          kernels::gaussian_density_per_km2(kept, e.bandwidth, tile, frame, feature);
        } else {
          kernels::gaussian_density_per_km2(points, e.bandwidth, tile, frame, feature);
        }
        break;
      }
      case FeatureKind::record_coverage:
        if (!record_cover) {
          record_cover.emplace(n);
          kernels::combined_coverage_probability(inputs_.records, tile, frame, *record_cover);
        }
        feature = *record_cover;
        break;
      case FeatureKind::raster: feature = own.raster->read(tile); break;
    }
    kernels::propagate_nodata(elevation, feature);  // the DEM's no-data is the region's no-data
    out.layers.push_back(std::move(feature));
  }
  return out;
}

std::vector<float> Model::cleared_pod(const Window& tile) const {
  std::vector<float> pod(static_cast<size_t>(tile.cells()), 0.0f);
  if (scenario_.cleared) kernels::combined_coverage_probability(inputs_.cleared, tile, inputs_.grid.frame, pod);
  return pod;
}

TileResult Model::compute(const Window& tile) const {
  const auto n = static_cast<size_t>(tile.cells());
  TileResult result;
  result.window = tile;
  result.probability.assign(n, NAN);
  const TileFeatures feature = features(tile);
  result.evidence.assign(names_.size(), std::vector<float>(n));
  std::vector<kernels::EvidenceLayer> layers;
  for (size_t k = 0; k < scenario_.evidence.size(); ++k)
    layers.push_back({feature.layers[k], scenario_.evidence[k].transform, scenario_.evidence[k].weight, result.evidence[k]});
  std::vector<float> pod;
  std::span<float> clearance_out;
  if (scenario_.cleared) {
    pod = cleared_pod(tile);
    clearance_out = result.evidence.back();
  }
  kernels::combine_log_odds(scenario_.intercept, layers, pod, clearance_out, result.probability);

  // The DEM's no-data is the region's no-data, in every output (the clearance layer too).
  kernels::propagate_nodata(feature.elevation, result.probability);
  for (auto& layer : result.evidence) kernels::propagate_nodata(feature.elevation, layer);
  return result;
}

}  // namespace minerisk
