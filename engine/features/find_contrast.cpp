// feature = "find_contrast": whether the nearest surveyed evidence around a cell is a find,
//     log(1 + d_others / 1 km) - log(1 + d_finds / 1 km),
// with d_finds the metres to the nearest find and d_others to the nearest site surveyed without
// finds (`others`, a filter on [finds]' layer). Positive where finds are nearer than empty
// surveys, negative where empty surveys are nearer, 0 where both are equally far: the no-fit
// "nearest label" rule as one layer, so a fit weighs it as a whole. Built from labels: fit
// builds it out of fold (engine/features/held_out_labels.hpp).
#include "fingerprint_inputs.hpp"
#include "feature_kinds.hpp"
#include "survey_sites.hpp"

namespace minerisk::features {
namespace {

using Points = std::vector<kernels::WeightedPoint>;
using Dots = std::vector<kernels::Segment>;

// Points as zero-length segments, the line distance kernel's input.
Dots dots_of(const Points& points) {
  Dots dots;
  dots.reserve(points.size());
  for (const auto& p : points) dots.push_back({p.x, p.y, p.x, p.y});
  return dots;
}

// Metres from each cell of the tile to the nearest point (infinity with none).
void nearest_metres(const Dots& dots, const TileInput& in, std::span<float> out) {
  kernels::line_distance_metres(dots, in.tile, in.grid.frame, out, INFINITY, false);
}

class FindContrast final : public Feature {
 public:
  // The sites as dots once, not per tile: tens of thousands of finds would be copied per tile.
  explicit FindContrast(SurveySites sites)
      : sites_(std::move(sites)), finds_(dots_of(*sites_.finds)), others_(dots_of(*sites_.others)) {}

  void compute(const TileInput& in, std::span<float> out) const override {
    std::vector<float> to_others(out.size());
    if (in.held_out) {  // fit's cross-fitting: this fold's sites, without the held-out labels
      const SurveySites sites = sites_.kept(in.held_out);
      nearest_metres(dots_of(*sites.finds), in, out);
      nearest_metres(dots_of(*sites.others), in, to_others);
    } else {
      nearest_metres(finds_, in, out);
      nearest_metres(others_, in, to_others);
    }
    for (size_t i = 0; i < out.size(); ++i)
      out[i] = static_cast<float>(std::log1p(to_others[i] / 1000.0) - std::log1p(out[i] / 1000.0));
  }
  double reach_metres() const override { return INFINITY; }
  std::vector<std::string> reads() const override { return {"finds"}; }
  // No cap on the distances: every site counts, the same digest for every tile.
  void fingerprint(const kernels::Window&, const Grid&, Sha256& out) const override {
    out.add_digest(all_sites_.get([&] {
      Sha256 h;
      hash_segments(finds_, h);
      hash_segments(others_, h);
      return h.finish();
    }));
  }

 private:
  SurveySites sites_;
  Dots finds_, others_;
  DigestOnce all_sites_;
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
