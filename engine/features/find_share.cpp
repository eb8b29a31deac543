// feature = "find_share": the share of finds among the surveyed sites around a cell, each site
// weighted by the same Gaussian kernel as find_density:
//     (D_finds + prior_share * prior_density) / (D_finds + D_others + prior_density),
// with D in sites per km2. `others` selects, from [finds]' layer, the surveyed sites where
// nothing was found (a survey or clearance record with no find). A cell with many sites nearby
// gets their share of finds; one with none gets prior_share. Unlike a density it does not
// grow with how much was surveyed, only with how often surveying found something. Built from
// labels: fit builds it out of fold (engine/features/held_out_labels.hpp).
#include "fingerprint_inputs.hpp"
#include "feature_kinds.hpp"
#include "survey_sites.hpp"

namespace minerisk::features {
namespace {

class FindShare final : public Feature {
 public:
  FindShare(SurveySites sites, const EvidenceSpec& spec)
      : sites_(std::move(sites)), bandwidth_(spec.bandwidth), prior_share_(spec.prior_share),
        prior_density_(spec.prior_density), finds_(sites_.finds), others_(sites_.others) {}

  void compute(const TileInput& in, std::span<float> out) const override {
    const SurveySites sites = sites_.kept(in.held_out);
    std::vector<float> other_density(out.size());
    kernels::gaussian_density_per_km2(*sites.finds, bandwidth_, in.tile, in.grid.frame, out);
    kernels::gaussian_density_per_km2(*sites.others, bandwidth_, in.tile, in.grid.frame, other_density);
    for (size_t i = 0; i < out.size(); ++i)
      out[i] = static_cast<float>((out[i] + prior_share_ * prior_density_) / (out[i] + other_density[i] + prior_density_));
  }
  double reach_metres() const override { return kernels::kDefaultTruncate * bandwidth_ * std::sqrt(2.0); }
  std::vector<std::string> reads() const override { return {"finds"}; }
  void fingerprint(const kernels::Window& tile, const Grid& grid, Sha256& out) const override {
    const ReachBox box = reach_box(grid.frame, tile, reach_metres());
    finds_.hash(box, out);
    others_.hash(box, out);
  }
  void fingerprint_each(std::span<const kernels::Window> windows, const Grid& grid,
                        std::span<Sha256> outs) const override {
    const std::vector<ReachBox> boxes = reach_boxes(grid.frame, windows, reach_metres());
    finds_.hash_each(boxes, outs);
    others_.hash_each(boxes, outs);
  }

 private:
  SurveySites sites_;
  double bandwidth_, prior_share_, prior_density_;
  PointFingerprints finds_, others_;
};

}  // namespace

FeatureKind find_share_kind() {
  FeatureKind k;
  k.name = "find_share";
  k.description = "share of finds among the surveyed sites nearby (Gaussian kernel), with a prior";
  k.keys = {"bandwidth", "where", "others", "prior_share", "prior_density"};
  k.required_keys = {"bandwidth", "others"};
  k.sections = {"finds"};
  k.built_from_labels = [](const Scenario&, const EvidenceSpec&) { return true; };
  k.make = [](const LayerContext& c) -> std::unique_ptr<Feature> {
    return std::make_unique<FindShare>(load_survey_sites(c), c.spec);
  };
  return k;
}

}  // namespace minerisk::features
