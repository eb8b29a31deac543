#pragma once
// The DEM's terrain measures as features (slope, ruggedness): the terrain kernel on the tile's
// DEM with its one-cell halo, each measure computed once per tile whichever layers use it.
#include "feature.hpp"

namespace minerisk::features {

class TerrainFeature final : public Feature {
 public:
  TerrainFeature(kernels::TerrainMeasure measure, double reach_m) : measure_(measure), reach_m_(reach_m) {}
  void compute(const TileInput& in, std::span<float> out) const override;
  double reach_metres() const override { return reach_m_; }
  std::vector<std::string> reads() const override { return {"terrain.dem"}; }
  void fingerprint(const kernels::Window&, const Grid&, Sha256&) const override {}  // the DEM: the model's

 private:
  kernels::TerrainMeasure measure_;
  double reach_m_;
};

}  // namespace minerisk::features
