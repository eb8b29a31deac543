#include "minerisk/kernels/transforms.hpp"

#include <algorithm>
#include <cmath>
#include <utility>

namespace minerisk::kernels {
namespace {
const std::pair<TransformKind, const char*> kNames[] = {
    {TransformKind::linear, "linear"},       {TransformKind::log1p, "log1p"},
    {TransformKind::exp_decay, "exp_decay"}, {TransformKind::gaussian, "gaussian"},
    {TransformKind::step, "step"},           {TransformKind::piecewise, "piecewise"},
    {TransformKind::categorical, "categorical"},
};
}

double Transform::apply(double x) const {
  if (std::isnan(x)) return x;
  switch (kind) {
    case TransformKind::linear: return x;
    case TransformKind::log1p: return std::log1p(x);
    case TransformKind::exp_decay: return std::exp(-x / length);
    case TransformKind::gaussian: {
      const double z = (x - centre) / width;
      return std::exp(-0.5 * z * z);
    }
    case TransformKind::step: return x >= threshold ? 1.0 : 0.0;
    case TransformKind::piecewise: {
      if (xs.empty()) return 0.0;
      if (x <= xs.front()) return ys.front();
      if (x >= xs.back()) return ys.back();
      const size_t i = static_cast<size_t>(std::upper_bound(xs.begin(), xs.end(), x) - xs.begin());
      const double t = (x - xs[i - 1]) / (xs[i] - xs[i - 1]);
      return ys[i - 1] + t * (ys[i] - ys[i - 1]);
    }
    case TransformKind::categorical:
      for (size_t i = 0; i < xs.size(); ++i)
        if (x == xs[i]) return ys[i];
      return fallback;
  }
  return x;
}

std::string transform_name(TransformKind kind) {
  for (const auto& [k, name] : kNames)
    if (k == kind) return name;
  return "linear";
}

bool parse_transform_kind(const std::string& name, TransformKind& kind) {
  for (const auto& [k, n] : kNames)
    if (name == n) {
      kind = k;
      return true;
    }
  return false;
}

std::vector<std::string> transform_names() {
  std::vector<std::string> names;
  for (const auto& entry : kNames) names.emplace_back(entry.second);
  return names;
}

}  // namespace minerisk::kernels
