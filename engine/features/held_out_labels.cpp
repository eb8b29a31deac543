#include "held_out_labels.hpp"

#include <algorithm>
#include <cmath>

namespace minerisk::features {

HeldOutLabels::HeldOutLabels(const Grid& grid, FoldOfCell fold_of_cell, std::vector<int64_t> excluded_folds)
    : grid_(grid), fold_of_cell_(std::move(fold_of_cell)), excluded_(std::move(excluded_folds)) {
  std::sort(excluded_.begin(), excluded_.end());
}

bool HeldOutLabels::excluded_fold(int64_t fold) const {
  return fold >= 0 && std::binary_search(excluded_.begin(), excluded_.end(), fold);
}

bool HeldOutLabels::excludes_point(double x, double y) const {
  const auto& gt = grid_.frame.geotransform;
  const double c = std::floor((x - gt[0]) / gt[1]), r = std::floor((y - gt[3]) / gt[5]);
  if (!(c >= 0 && r >= 0 && c < static_cast<double>(grid_.width()) && r < static_cast<double>(grid_.height())))
    return false;  // off the grid: in no fold
  return excluded_fold(fold_of_cell_(static_cast<int64_t>(r), static_cast<int64_t>(c)));
}

bool HeldOutLabels::excludes_polygon(const kernels::Polygon& polygon) const {
  double x0 = INFINITY, y0 = INFINITY, x1 = -INFINITY, y1 = -INFINITY;
  for (const auto& ring : polygon.rings)
    for (const auto& [x, y] : ring) {
      if (excludes_point(x, y)) return true;
      x0 = std::min(x0, x), x1 = std::max(x1, x), y0 = std::min(y0, y), y1 = std::max(y1, y);
    }
  // The cells whose centres it covers, within its bounding box clipped to the grid.
  const auto& gt = grid_.frame.geotransform;
  const auto clamp_col = [&](double x) {
    return std::clamp(static_cast<int64_t>(std::floor((x - gt[0]) / gt[1])), int64_t{0}, grid_.width() - 1);
  };
  const auto clamp_row = [&](double y) {
    return std::clamp(static_cast<int64_t>(std::floor((y - gt[3]) / gt[5])), int64_t{0}, grid_.height() - 1);
  };
  const int64_t c0 = std::min(clamp_col(x0), clamp_col(x1)), c1 = std::max(clamp_col(x0), clamp_col(x1));
  const int64_t r0 = std::min(clamp_row(y0), clamp_row(y1)), r1 = std::max(clamp_row(y0), clamp_row(y1));
  const kernels::Window box{c0, r0, c1 - c0 + 1, r1 - r0 + 1};
  bool touches = false;
  kernels::for_each_covered_cell(polygon, box, grid_.frame, [&](int64_t i) {
    touches = touches || excluded_fold(fold_of_cell_(box.row0 + i / box.width, box.col0 + i % box.width));
  });
  return touches;
}

std::shared_ptr<const std::vector<kernels::WeightedPoint>> HeldOutLabels::kept(
    const std::vector<kernels::WeightedPoint>& all) const {
  std::lock_guard lock(mutex_);
  auto& slot = kept_[&all];
  if (!slot) {
    auto points = std::make_shared<std::vector<kernels::WeightedPoint>>();
    for (const auto& p : all)
      if (!excludes_point(p.x, p.y)) points->push_back(p);
    slot = points;
  }
  return std::static_pointer_cast<const std::vector<kernels::WeightedPoint>>(slot);
}

std::shared_ptr<const Geometries> HeldOutLabels::kept(const Geometries& all) const {
  std::lock_guard lock(mutex_);
  auto& slot = kept_[&all];
  if (!slot) {
    auto g = std::make_shared<Geometries>();
    // Segments [first, end) of one line are linked by prev/next (a ring's first segment links
    // back to its last): a line is kept or left out whole.
    const auto& s = all.segments;
    std::vector<int32_t> renumbered(s.size(), -1);
    for (size_t first = 0; first < s.size();) {
      size_t end = first + 1;
      while (end < s.size() && s[end].prev == static_cast<int32_t>(end - 1)) ++end;
      bool excluded = false;
      for (size_t i = first; i < end && !excluded; ++i)
        excluded = excludes_point(s[i].x0, s[i].y0) || excludes_point(s[i].x1, s[i].y1);
      if (!excluded)
        for (size_t i = first; i < end; ++i) {
          renumbered[i] = static_cast<int32_t>(g->segments.size());
          g->segments.push_back(s[i]);
        }
      first = end;
    }
    for (auto& segment : g->segments) {
      if (segment.prev >= 0) segment.prev = renumbered[static_cast<size_t>(segment.prev)];
      if (segment.next >= 0) segment.next = renumbered[static_cast<size_t>(segment.next)];
    }
    for (const auto& p : all.polygons)
      if (!excludes_polygon(p)) g->polygons.push_back(p);
    slot = g;
  }
  return std::static_pointer_cast<const Geometries>(slot);
}

}  // namespace minerisk::features
