#pragma once
// fit's cross-fitting: which label geometries a layer may use when it is built for cells whose
// own labels must not be seen. The grid's cells are dealt into folds (spatial blocks or zones);
// a label geometry (a find, a cleared polygon, a feature of a vector layer read from the
// labels' files) that touches a cell of an excluded fold is left out, so no layer value of a
// cell in that fold is computed from that fold's labels.
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <vector>

#include "minerisk/engine/grid.hpp"
#include "minerisk/engine/vector_inputs.hpp"

namespace minerisk::features {

/// The fold of each cell, or -1 for a cell in no fold (no zone).
using FoldOfCell = std::function<int64_t(int64_t row, int64_t col)>;

class HeldOutLabels {
 public:
  HeldOutLabels(const Grid& grid, FoldOfCell fold_of_cell, std::vector<int64_t> excluded_folds);

  /// Whether the cell holding the point belongs to an excluded fold.
  bool excludes_point(double x, double y) const;
  /// A segment touches an excluded fold when a point along it (every half cell) lies in one; a
  /// polygon when a vertex, or a cell whose centre it covers, does.
  bool excludes_segment(const kernels::Segment& segment) const;
  bool excludes_polygon(const kernels::Polygon& polygon) const;

  /// The points a layer may use. Filtered once per source list (keyed by its address) and
  /// shared by every tile and thread.
  std::shared_ptr<const std::vector<kernels::WeightedPoint>> kept(const std::vector<kernels::WeightedPoint>& all) const;
  /// The same for a distance layer's geometries: a feature (a point, a line, a polygon with its
  /// outline) is left out whole when any of its parts touches an excluded fold.
  std::shared_ptr<const Geometries> kept(const Geometries& all) const;

 private:
  bool excluded_fold(int64_t fold) const;

  const Grid& grid_;
  FoldOfCell fold_of_cell_;
  std::vector<int64_t> excluded_;  // sorted
  mutable std::mutex mutex_;
  // Keyed by the source list's address: the sources live as long as the Model that owns them.
  mutable std::map<const std::vector<kernels::WeightedPoint>*, std::shared_ptr<const std::vector<kernels::WeightedPoint>>>
      kept_points_;
  mutable std::map<const Geometries*, std::shared_ptr<const Geometries>> kept_geometries_;
};

}  // namespace minerisk::features
