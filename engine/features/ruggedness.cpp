// feature = "ruggedness": the terrain ruggedness index (Riley) of the DEM, in metres.
#include "feature_kinds.hpp"
#include "terrain_feature.hpp"

namespace minerisk::features {

FeatureKind ruggedness_kind() {
  FeatureKind k;
  k.name = "ruggedness";
  k.description = "terrain ruggedness index of the DEM, metres (Riley)";
  k.make = [](const LayerContext& c) {
    return std::make_unique<TerrainFeature>(kernels::TerrainMeasure::ruggedness, cell_diagonal_metres(c.grid));
  };
  return k;
}

}  // namespace minerisk::features
