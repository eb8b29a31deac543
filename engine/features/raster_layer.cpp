// feature = "raster": any GDAL raster, brought onto the grid bilinearly, or by nearest
// neighbour when the layer's transform is categorical (classes must not be averaged).
#include "feature_kinds.hpp"
#include "minerisk/engine/raster_source.hpp"

namespace minerisk::features {
namespace {

class RasterLayer final : public Feature {
 public:
  RasterLayer(std::shared_ptr<const RasterSource> source, double reach_m) : source_(std::move(source)), reach_m_(reach_m) {}

  void compute(const TileInput& in, std::span<float> out) const override {
    const std::vector<float> values = source_->read(in.tile);
    std::copy(values.begin(), values.end(), out.begin());
  }
  double reach_metres() const override { return reach_m_; }
  std::vector<std::string> reads() const override { return {"raster"}; }
  // The window compute() reads, as read: what the warp makes of the file is what the tile sees.
  void fingerprint(const kernels::Window& tile, const Grid&, Sha256& out) const override {
    const std::vector<float> values = source_->read(tile);
    out.add_bytes(values.data(), values.size() * sizeof(float));
  }
  std::vector<std::filesystem::path> fingerprint_rasters() const override { return source_->files(); }

 private:
  std::shared_ptr<const RasterSource> source_;
  double reach_m_;
};

}  // namespace

FeatureKind raster_kind() {
  FeatureKind k;
  k.name = "raster";
  k.description = "values of a raster, continuous or categorical";
  k.keys = {"path"};
  k.required_keys = {"path"};
  k.make = [](const LayerContext& c) {
    const std::string role = "model.evidence." + c.spec.name;
    const bool categorical = c.spec.transform.kind == kernels::TransformKind::categorical;
    auto source = std::make_shared<const RasterSource>(c.spec.raster, c.grid, role,
                                                       categorical ? Resampling::nearest : Resampling::bilinear);
    c.add_input(role, c.spec.raster);
    return std::make_unique<RasterLayer>(std::move(source), cell_diagonal_metres(c.grid));
  };
  return k;
}

}  // namespace minerisk::features
