#pragma once
// The values of a grid read as probabilities (areas, evaluate, diff, map). Internal to the engine.
#include <cmath>
#include <span>
#include <string>
#include <vector>

namespace minerisk::ops {

/// Infinities become NaN: no data, as explain, diff and evaluate take them (a probability is
/// never infinite), so that every later step sees one kind of missing value.
void infinities_as_no_data(std::vector<float>& values);

/// A probability in [0, 1], or missing (NaN, an infinity): what a probability grid may hold.
inline bool probability_or_missing(float v) { return !std::isfinite(v) || (v >= 0 && v <= 1); }

/// Refuses (UserError naming `what` and the first such value) a finite value outside [0, 1]: a
/// count, a score, a DEM, or a no-data value the file does not declare (-9999), which would be
/// ranked as the least likely land and skew every figure. NaN and infinities pass.
void require_probabilities(std::span<const float> values, const std::string& what);

}  // namespace minerisk::ops
