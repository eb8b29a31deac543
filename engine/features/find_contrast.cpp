// feature = "find_contrast": whether the nearest surveyed evidence around a cell is a find,
//     log(1 + d_others / 1 km) - log(1 + d_finds / 1 km),
// with d_finds the metres to the nearest find and d_others to the nearest site surveyed without
// finds (`others`, a filter on [finds]' layer). Positive where finds are nearer than empty
// surveys, negative where empty surveys are nearer, 0 where both are equally far: the no-fit
// "nearest label" rule as one layer, so a fit weighs it as a whole. Built from labels: fit
// builds it out of fold (engine/features/held_out_labels.hpp).
#include "feature_kinds.hpp"
#include "survey_sites.hpp"

namespace minerisk::features {
namespace {

using Points = std::vector<kernels::WeightedPoint>;

// Metres from each cell of the tile to the nearest point (infinity with none).
void nearest_metres(const Points& points, const TileInput& in, std::span<float> out) {
  std::vector<kernels::Segment> dots;
  dots.reserve(points.size());
  for (const auto& p : points) dots.push_back({p.x, p.y, p.x, p.y});
  kernels::line_distance_metres(dots, in.tile, in.grid.frame, out, INFINITY, false);
}

class FindContrast final : public Feature {
 public:
  explicit FindContrast(SurveySites sites) : sites_(std::move(sites)) {}

  void compute(const TileInput& in, std::span<float> out) const override {
    const SurveySites sites = sites_.kept(in.held_out);
    std::vector<float> to_others(out.size());
    nearest_metres(*sites.finds, in, out);
    nearest_metres(*sites.others, in, to_others);
    for (size_t i = 0; i < out.size(); ++i)
      out[i] = static_cast<float>(std::log1p(to_others[i] / 1000.0) - std::log1p(out[i] / 1000.0));
  }
  double reach_metres() const override { return INFINITY; }
  std::vector<std::string> reads() const override { return {"finds"}; }

 private:
  SurveySites sites_;
};

}  // namespace

FeatureKind find_contrast_kind() {
  FeatureKind k;
  k.name = "find_contrast";
  k.description = "log(1 + km to the nearest site without finds) - log(1 + km to the nearest find)";
  k.keys = {"where", "others"};
  k.required_keys = {"others"};
  k.sections = {"finds"};
  k.built_from_labels = [](const Scenario&, const EvidenceSpec&) { return true; };
  k.make = [](const LayerContext& c) -> std::unique_ptr<Feature> {
    return std::make_unique<FindContrast>(load_survey_sites(c));
  };
  return k;
}

}  // namespace minerisk::features
