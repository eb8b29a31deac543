#pragma once
// Which cells a polygon covers, by the cell-centre rule, and layers built from that.
#include <algorithm>
#include <array>
#include <cmath>
#include <cstdint>
#include <span>
#include <vector>

#include "minerisk/kernels/grid_frame.hpp"

namespace minerisk::kernels {

/// A polygon in the grid's CRS units: the first ring is the outer boundary, the others holes.
/// Rings need not be closed; the closing edge is implied. `value` is the attribute carried
/// (a probability of detection, a reliability ...).
struct Polygon {
  std::vector<std::vector<std::array<double, 2>>> rings;
  double value = 0.0;
  int64_t record = -1;  // the input feature it comes from (a multi-part record gives several)
};

/// Calls fn(index) for every cell of `window` (row-major index) whose centre lies inside the
/// polygon (even-odd rule over all rings, so holes are excluded). A centre exactly on a left
/// edge is inside, on a right edge outside, so two polygons sharing an edge never both cover a
/// cell and neither misses it.
template <class Fn>
void for_each_covered_cell(const Polygon& polygon, const Window& window, const GridFrame& frame, Fn&& fn);

/// For each cell, 1 - prod_i (1 - value_i) over the polygons covering it: the combined
/// probability that at least one of several independent events (detections, records) holds.
/// Cells covered by no polygon get 0. Values must lie in [0, 1].
void combined_coverage_probability(std::span<const Polygon> polygons, const Window& window, const GridFrame& frame,
                                   std::span<float> out);

/// Which polygons cover each cell of one window, in polygon order: found once, then combined
/// with many sets of polygon values (a sweep's scenarios) without finding the cells again.
class CoverageIndex {
 public:
  CoverageIndex(std::span<const Polygon> polygons, const Window& window, const GridFrame& frame);
  /// out[i] = 1 - prod (1 - value(p)) over the polygons p covering cell i, in polygon order:
  /// the same arithmetic as combined_coverage_probability with value(p) = polygons[p].value.
  template <class Value>
  void combine(Value&& value, std::span<float> out) const {
    for (size_t i = 0; i + 1 < offset_.size(); ++i) {
      double miss = 1.0;
      for (uint32_t k = offset_[i]; k < offset_[i + 1]; ++k) miss *= 1.0 - value(polygon_[k]);
      out[i] = static_cast<float>(1.0 - miss);
    }
  }

 private:
  std::vector<uint32_t> offset_, polygon_;  // cell i: polygon_[offset_[i] .. offset_[i + 1])
};

// Implementation detail, exposed for the template: x positions (sorted) where the horizontal
// line y crosses the polygon's edges.
void edge_crossings(const Polygon& polygon, double y, std::vector<double>& xs);

template <class Fn>
void for_each_covered_cell(const Polygon& polygon, const Window& w, const GridFrame& frame, Fn&& fn) {
  std::vector<double> xs;
  const double gt0 = frame.geotransform[0], gt1 = frame.geotransform[1];
  for (int64_t r = 0; r < w.height; ++r) {
    edge_crossings(polygon, frame.centre_y(w.row0 + r), xs);
    for (size_t k = 0; k + 1 < xs.size(); k += 2) {
      // Columns whose centre x satisfies xs[k] <= x < xs[k+1].
      const double first = std::ceil((xs[k] - gt0) / gt1 - 0.5);
      const double last = std::ceil((xs[k + 1] - gt0) / gt1 - 0.5) - 1.0;
      int64_t c0 = std::max<int64_t>(static_cast<int64_t>(first) - w.col0, 0);
      int64_t c1 = std::min<int64_t>(static_cast<int64_t>(last) - w.col0, w.width - 1);
      // The division above can round across a centre; settle the ends on the exact centres.
      while (c0 > 0 && frame.centre_x(w.col0 + c0 - 1) >= xs[k]) --c0;
      while (c0 <= c1 && frame.centre_x(w.col0 + c0) < xs[k]) ++c0;
      while (c1 < w.width - 1 && frame.centre_x(w.col0 + c1 + 1) < xs[k + 1]) ++c1;
      while (c1 >= c0 && frame.centre_x(w.col0 + c1) >= xs[k + 1]) --c1;
      for (int64_t c = c0; c <= c1; ++c) fn(r * w.width + c);
    }
  }
}

}  // namespace minerisk::kernels
