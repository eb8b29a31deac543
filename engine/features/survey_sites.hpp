#pragma once
// The surveyed sites two feature kinds compare (find_share, find_contrast): the finds, and the
// sites surveyed without finds, both read from [finds]' layer: the finds through the layer's
// own `where` (or [finds]' filter), the others through its `others` filter.
#include <memory>
#include <vector>

#include "feature.hpp"

namespace minerisk::features {

struct SurveySites {
  std::shared_ptr<const std::vector<kernels::WeightedPoint>> finds, others;

  /// Both sets as a layer may use them: without the held-out labels when `held_out` is given.
  SurveySites kept(const HeldOutLabels* held_out) const;
};

SurveySites load_survey_sites(const LayerContext& c);

}  // namespace minerisk::features
