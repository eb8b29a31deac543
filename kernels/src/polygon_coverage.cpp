#include "minerisk/kernels/polygon_coverage.hpp"

#include <algorithm>
#include <cmath>
#include <stdexcept>

namespace minerisk::kernels {

void edge_crossings(const Polygon& polygon, double y, std::vector<double>& xs) {
  xs.clear();
  for (const auto& ring : polygon.rings) {
    const size_t n = ring.size();
    for (size_t i = 0; i < n; ++i) {
      const auto& p = ring[i];
      const auto& q = ring[(i + 1) % n];
      // Half-open in y so a vertex shared by two edges is counted once.
      if ((p[1] <= y) == (q[1] <= y)) continue;
      // From the lower end, so an edge shared by two polygons (traced in opposite directions)
      // gives both the same crossing to the last bit.
      const auto& a = p[1] < q[1] ? p : q;
      const auto& b = p[1] < q[1] ? q : p;
      const double t = (y - a[1]) / (b[1] - a[1]);
      xs.push_back(a[0] + t * (b[0] - a[0]));
    }
  }
  std::sort(xs.begin(), xs.end());
}

void combined_coverage_probability(std::span<const Polygon> polygons, const Window& w, const GridFrame& frame,
                                   std::span<float> out) {
  if (static_cast<int64_t>(out.size()) != w.cells())
    throw std::invalid_argument("combined_coverage_probability: output size does not match the window");
  std::vector<double> miss(static_cast<size_t>(w.cells()), 1.0);  // prod (1 - value)
  // Rows of the window span this y range; polygons wholly outside are skipped cheaply.
  const double y_top = frame.centre_y(w.row0), y_bottom = frame.centre_y(w.row0 + w.height - 1);
  const double y_lo = std::min(y_top, y_bottom), y_hi = std::max(y_top, y_bottom);
  for (const Polygon& p : polygons) {
    if (p.rings.empty()) continue;
    double pmin = INFINITY, pmax = -INFINITY;
    for (const auto& v : p.rings.front()) pmin = std::min(pmin, v[1]), pmax = std::max(pmax, v[1]);
    if (pmax < y_lo || pmin > y_hi) continue;
    const double keep = 1.0 - p.value;
    for_each_covered_cell(p, w, frame, [&](int64_t i) { miss[static_cast<size_t>(i)] *= keep; });
  }
  for (size_t i = 0; i < miss.size(); ++i) out[i] = static_cast<float>(1.0 - miss[i]);
}

CoverageIndex::CoverageIndex(std::span<const Polygon> polygons, const Window& w, const GridFrame& frame) {
  std::vector<std::vector<uint32_t>> lists(static_cast<size_t>(w.cells()));
  for (size_t p = 0; p < polygons.size(); ++p)
    for_each_covered_cell(polygons[p], w, frame,
                          [&](int64_t i) { lists[static_cast<size_t>(i)].push_back(static_cast<uint32_t>(p)); });
  offset_.reserve(lists.size() + 1);
  offset_.push_back(0);
  for (const auto& l : lists) {
    polygon_.insert(polygon_.end(), l.begin(), l.end());
    offset_.push_back(static_cast<uint32_t>(polygon_.size()));
  }
}

}  // namespace minerisk::kernels
