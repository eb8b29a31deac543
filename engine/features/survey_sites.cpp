#include "survey_sites.hpp"

#include "held_out_labels.hpp"
#include "minerisk/engine/input_set.hpp"
#include "minerisk/engine/vector_inputs.hpp"

namespace minerisk::features {

using Points = std::vector<kernels::WeightedPoint>;

SurveySites SurveySites::kept(const HeldOutLabels* held_out) const {
  if (!held_out) return *this;
  return {held_out->kept(*finds), held_out->kept(*others)};
}

SurveySites load_survey_sites(const LayerContext& c) {
  const std::string role = "model.evidence." + c.spec.name;
  SurveySites sites{c.shared->finds, nullptr};
  VectorInputSpec spec = *c.scenario.finds;
  if (!c.spec.where.empty()) {
    spec.where = c.spec.where;
    sites.finds = std::make_shared<const Points>(load_points(spec, c.grid, role));
  }
  spec.where = c.spec.others;
  sites.others = std::make_shared<const Points>(load_points(spec, c.grid, role + ".others"));
  return sites;
}

}  // namespace minerisk::features
