// feature = "find_density": Gaussian kernel density of the finds (items per km2), of all of
// [finds] or of those its own `where` selects, with a bandwidth in metres. Built from labels:
// fit builds it out of fold (engine/features/held_out_labels.hpp).
#include <algorithm>
#include <iterator>

#include "fingerprint_inputs.hpp"
#include "feature_kinds.hpp"
#include "held_out_labels.hpp"
#include "minerisk/engine/input_set.hpp"
#include "minerisk/engine/vector_inputs.hpp"

namespace minerisk::features {
namespace {

class FindDensity final : public Feature {
 public:
  FindDensity(std::shared_ptr<const std::vector<kernels::WeightedPoint>> points, double bandwidth)
      : points_(std::move(points)), bandwidth_(bandwidth), fingerprints_(points_) {}

  void compute(const TileInput& in, std::span<float> out) const override {
    if (in.held_out) {
      kernels::gaussian_density_per_km2(*in.held_out->kept(*points_), bandwidth_, in.tile, in.grid.frame, out);
    } else {
      kernels::gaussian_density_per_km2(*points_, bandwidth_, in.tile, in.grid.frame, out);
    }
  }
  // The kernel is truncated at kDefaultTruncate bandwidths along x and y: the square's corner.
  double reach_metres() const override { return kernels::kDefaultTruncate * bandwidth_ * std::sqrt(2.0); }
  std::vector<std::string> reads() const override { return {"finds"}; }
  void fingerprint(const kernels::Window& tile, const Grid& grid, Sha256& out) const override {
    fingerprints_.hash(reach_box(grid.frame, tile, reach_metres()), out);
  }
  void fingerprint_each(std::span<const kernels::Window> windows, const Grid& grid,
                        std::span<Sha256> outs) const override {
    fingerprints_.hash_each(reach_boxes(grid.frame, windows, reach_metres()), outs);
  }

 private:
  std::shared_ptr<const std::vector<kernels::WeightedPoint>> points_;
  double bandwidth_;
  PointFingerprints fingerprints_;
};

}  // namespace

FeatureKind find_density_kind() {
  FeatureKind k;
  k.name = "find_density";
  k.description = "Gaussian kernel density of finds, items per km2";
  k.keys = {"bandwidth", "where"};
  k.required_keys = {"bandwidth"};
  k.sections = {"finds"};
  k.built_from_labels = [](const Scenario&, const EvidenceSpec&) { return true; };
  k.make = [](const LayerContext& c) -> std::unique_ptr<Feature> {
    if (c.spec.where.empty()) return std::make_unique<FindDensity>(c.shared->finds, c.spec.bandwidth);
    VectorInputSpec spec = *c.scenario.finds;
    spec.where = c.spec.where;
    return std::make_unique<FindDensity>(
        std::make_shared<const std::vector<kernels::WeightedPoint>>(load_points(spec, c.grid, "model.evidence." + c.spec.name)),
        c.spec.bandwidth);
  };
  return k;
}

}  // namespace minerisk::features
