// The list of feature kinds: adding one is a new file in this folder plus one line here.
#include "feature_kinds.hpp"

#include <algorithm>

namespace minerisk::features {

const std::vector<FeatureKind>& feature_kinds() {
  static const std::vector<FeatureKind> kinds = {
      slope_kind(),
      ruggedness_kind(),
      elevation_kind(),
      front_line_distance_kind(),
      find_density_kind(),
      find_share_kind(),
      find_contrast_kind(),
      record_coverage_kind(),
      vector_distance_kind(),
      raster_kind(),
  };
  return kinds;
}

const FeatureKind* find_feature_kind(const std::string& name) {
  const auto& kinds = feature_kinds();
  const auto it = std::find_if(kinds.begin(), kinds.end(), [&](const FeatureKind& k) { return k.name == name; });
  return it == kinds.end() ? nullptr : &*it;
}

std::vector<std::string> feature_kind_names() {
  std::vector<std::string> names;
  for (const FeatureKind& k : feature_kinds()) names.push_back(k.name);
  return names;
}

double cell_diagonal_metres(const Grid& grid) {
  // On a geographic grid a degree is widest nearest the equator: look at every row.
  double widest = 0;
  for (int64_t row = 0; row < grid.height(); ++row) {
    const kernels::MetricScale s = grid.frame.scale_at_row(row);
    widest = std::max(widest, std::hypot(grid.frame.cell_width() * s.x, grid.frame.cell_height() * s.y));
  }
  return widest;
}

}  // namespace minerisk::features
