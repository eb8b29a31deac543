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
  int64_t row, col;
  return grid_.cell_at(x, y, row, col) && excluded_fold(fold_of_cell_(row, col));  // off the grid: in no fold
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
  // Clamped as doubles first: a vertex far off the grid must not overflow the conversion.
  const auto clamp_col = [&](double x) {
    return static_cast<int64_t>(std::clamp(std::floor((x - gt[0]) / gt[1]), 0.0, static_cast<double>(grid_.width() - 1)));
  };
  const auto clamp_row = [&](double y) {
    return static_cast<int64_t>(std::clamp(std::floor((y - gt[3]) / gt[5]), 0.0, static_cast<double>(grid_.height() - 1)));
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
  auto& slot = kept_points_[&all];
  if (!slot) {
    auto points = std::make_shared<std::vector<kernels::WeightedPoint>>();
    for (const auto& p : all)
      if (!excludes_point(p.x, p.y)) points->push_back(p);
    slot = points;
  }
  return slot;
}

bool HeldOutLabels::excludes_segment(const kernels::Segment& s) const {
  const auto& gt = grid_.frame.geotransform;
  const double step = 0.5 * std::min(std::abs(gt[1]), std::abs(gt[5]));
  const double length = std::hypot(s.x1 - s.x0, s.y1 - s.y0);
  // At most a million samples: a segment far longer than the grid is mostly off it anyway.
  const double samples = std::min(std::ceil(length / step), 1e6);
  for (double k = 0; k <= samples; ++k) {
    const double t = samples > 0 ? k / samples : 0.0;
    if (excludes_point(s.x0 + t * (s.x1 - s.x0), s.y0 + t * (s.y1 - s.y0))) return true;
  }
  return false;
}

std::shared_ptr<const Geometries> HeldOutLabels::kept(const Geometries& all) const {
  std::lock_guard lock(mutex_);
  auto& slot = kept_geometries_[&all];
  if (!slot) {
    // The features that touch an excluded fold through any of their parts.
    std::vector<int64_t> excluded;
    for (size_t i = 0; i < all.segments.size(); ++i)
      if (excludes_segment(all.segments[i])) excluded.push_back(all.segment_feature[i]);
    for (size_t i = 0; i < all.polygons.size(); ++i)
      if (excludes_polygon(all.polygons[i])) excluded.push_back(all.polygon_feature[i]);
    std::sort(excluded.begin(), excluded.end());
    const auto left_out = [&](int64_t feature) { return std::binary_search(excluded.begin(), excluded.end(), feature); };
    auto g = std::make_shared<Geometries>();
    // Segment links (prev/next) are renumbered; a feature's segments go or stay together.
    std::vector<int32_t> renumbered(all.segments.size(), -1);
    for (size_t i = 0; i < all.segments.size(); ++i)
      if (!left_out(all.segment_feature[i])) {
        renumbered[i] = static_cast<int32_t>(g->segments.size());
        g->segments.push_back(all.segments[i]);
        g->segment_feature.push_back(all.segment_feature[i]);
      }
    for (auto& segment : g->segments) {
      if (segment.prev >= 0) segment.prev = renumbered[static_cast<size_t>(segment.prev)];
      if (segment.next >= 0) segment.next = renumbered[static_cast<size_t>(segment.next)];
    }
    for (size_t i = 0; i < all.polygons.size(); ++i)
      if (!left_out(all.polygon_feature[i])) {
        g->polygons.push_back(all.polygons[i]);
        g->polygon_feature.push_back(all.polygon_feature[i]);
      }
    slot = g;
  }
  return slot;
}

}  // namespace minerisk::features
