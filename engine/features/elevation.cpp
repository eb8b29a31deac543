// feature = "elevation": the DEM itself, in metres, as resampled onto the grid.
#include "feature_kinds.hpp"

namespace minerisk::features {
namespace {

class Elevation final : public Feature {
 public:
  explicit Elevation(double reach_m) : reach_m_(reach_m) {}
  void compute(const TileInput& in, std::span<float> out) const override {
    std::copy(in.elevation.begin(), in.elevation.end(), out.begin());
  }
  double reach_metres() const override { return reach_m_; }  // the bilinear warp's footprint
  std::vector<std::string> reads() const override { return {"terrain.dem"}; }
  void fingerprint(const kernels::Window&, const Grid&, Sha256&) const override {}  // the DEM: the model's

 private:
  double reach_m_;
};

}  // namespace

FeatureKind elevation_kind() {
  FeatureKind k;
  k.name = "elevation";
  k.description = "elevation of the DEM, metres";
  k.make = [](const LayerContext& c) { return std::make_unique<Elevation>(cell_diagonal_metres(c.grid)); };
  return k;
}

}  // namespace minerisk::features
