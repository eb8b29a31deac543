#pragma once
// Transforms that turn a feature (a slope, a distance, a density) into evidence before it is
// weighted. Each is a pure function of one value.
#include <string>
#include <vector>

namespace minerisk::kernels {

enum class TransformKind {
  linear,       // x
  log1p,        // log(1 + x), for counts and densities (x >= 0)
  exp_decay,    // exp(-x / length), for distances: 1 at the feature, 1/e at `length`
  gaussian,     // exp(-((x - centre) / width)^2 / 2), a bump around a preferred value
  step,         // 1 if x >= threshold else 0
  piecewise,    // linear interpolation through (xs[i], ys[i]), constant beyond the ends
  categorical,  // ys[i] where x equals class xs[i], else `fallback` (land cover, zones ...)
};

struct Transform {
  TransformKind kind = TransformKind::linear;
  double length = 1.0;     // exp_decay
  double centre = 0.0;     // gaussian
  double width = 1.0;      // gaussian
  double threshold = 0.0;  // step
  std::vector<double> xs, ys;  // piecewise (xs strictly increasing) and categorical
  double fallback = 0.0;       // categorical: the value of any other class

  /// NaN in gives NaN out.
  double apply(double x) const;
};

/// The scenario-file name of a kind ("exp_decay" ...), and back; `parse` returns false for an
/// unknown name.
std::string transform_name(TransformKind kind);
bool parse_transform_kind(const std::string& name, TransformKind& kind);
std::vector<std::string> transform_names();

}  // namespace minerisk::kernels
