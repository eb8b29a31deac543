// feature = "slope": degrees, from the DEM by Horn's method (as gdaldem slope).
#include "feature_kinds.hpp"
#include "terrain_feature.hpp"

namespace minerisk::features {

void TerrainFeature::compute(const TileInput& in, std::span<float> out) const {
  const std::vector<float>& values = in.memo.get<std::vector<float>>("terrain:" + std::to_string(static_cast<int>(measure_)), [&] {
    std::vector<float> v(in.cells());
    kernels::terrain(in.dem, in.tile, in.grid.frame, v, measure_);
    return v;
  });
  std::copy(values.begin(), values.end(), out.begin());
}

FeatureKind slope_kind() {
  FeatureKind k;
  k.name = "slope";
  k.description = "slope of the DEM in degrees (Horn)";
  k.make = [](const LayerContext& c) {
    return std::make_unique<TerrainFeature>(kernels::TerrainMeasure::slope_degrees, cell_diagonal_metres(c.grid));
  };
  return k;
}

}  // namespace minerisk::features
