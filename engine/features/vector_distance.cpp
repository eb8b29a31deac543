// feature = "vector_distance": metres to the nearest feature of any vector layer (roads,
// settlements, rivers): points, lines and polygon boundaries; 0 inside polygons. `signed` as
// for front lines.
#include "feature_kinds.hpp"
#include "minerisk/engine/input_set.hpp"
#include "minerisk/engine/vector_inputs.hpp"

namespace minerisk::features {
namespace {

class VectorDistance final : public Feature {
 public:
  VectorDistance(Geometries geometries, bool signed_distance) : g_(std::move(geometries)), signed_(signed_distance) {}

  void compute(const TileInput& in, std::span<float> out) const override {
    kernels::line_distance_metres(g_.segments, in.tile, in.grid.frame, out, INFINITY, signed_);
    for (const kernels::Polygon& p : g_.polygons)
      kernels::for_each_covered_cell(p, in.tile, in.grid.frame, [&](int64_t i) { out[static_cast<size_t>(i)] = 0.0f; });
  }
  double reach_metres() const override { return INFINITY; }
  std::vector<std::string> reads() const override { return {"layer"}; }

 private:
  Geometries g_;
  bool signed_;
};

}  // namespace

FeatureKind vector_distance_kind() {
  FeatureKind k;
  k.name = "vector_distance";
  k.description = "metres to the nearest feature of a vector layer";
  k.keys = {"path", "layer", "where", "signed"};
  k.required_keys = {"path"};
  k.make = [](const LayerContext& c) {
    const std::string role = "model.evidence." + c.spec.name;
    auto f = std::make_unique<VectorDistance>(load_geometries(*c.spec.vector, c.grid, role), c.spec.signed_distance);
    c.add_input(role, c.spec.vector->path);
    return f;
  };
  return k;
}

}  // namespace minerisk::features
