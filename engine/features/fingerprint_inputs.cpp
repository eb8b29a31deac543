#include "fingerprint_inputs.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <map>

namespace minerisk::features {

ReachBox reach_box(const kernels::GridFrame& frame, const kernels::Window& tile, double reach_metres) {
  ReachBox box;
  if (!std::isfinite(reach_metres)) {
    box.everything = true;
    return box;
  }
  double min_x = std::numeric_limits<double>::infinity(), min_y = min_x;
  for (int64_t r = tile.row0; r < tile.row0 + tile.height; ++r) {
    const kernels::MetricScale s = frame.scale_at_row(r);
    min_x = std::min(min_x, s.x);
    min_y = std::min(min_y, s.y);
  }
  // A margin of one part in a million and one cell over the reach: never short of what a kernel
  // reads because of rounding in either computation.
  const double grow_x = reach_metres * (1 + 1e-6) / min_x + std::abs(frame.geotransform[1]);
  const double grow_y = reach_metres * (1 + 1e-6) / min_y + std::abs(frame.geotransform[5]);
  if (!std::isfinite(grow_x) || !std::isfinite(grow_y)) {  // a degree of longitude of no length: a pole
    box.everything = true;
    return box;
  }
  const auto& gt = frame.geotransform;
  const double xa = gt[0] + static_cast<double>(tile.col0) * gt[1];
  const double xb = gt[0] + static_cast<double>(tile.col0 + tile.width) * gt[1];
  const double ya = gt[3] + static_cast<double>(tile.row0) * gt[5];
  const double yb = gt[3] + static_cast<double>(tile.row0 + tile.height) * gt[5];
  box.x_lo = std::min(xa, xb) - grow_x;
  box.x_hi = std::max(xa, xb) + grow_x;
  box.y_lo = std::min(ya, yb) - grow_y;
  box.y_hi = std::max(ya, yb) + grow_y;
  return box;
}

void PointFingerprints::hash(const ReachBox& box, Sha256& out) const {
  const auto& points = *points_;
  std::vector<uint32_t> inside;
  if (box.everything) {
    for (uint32_t i = 0; i < points.size(); ++i) inside.push_back(i);
  } else {
    std::call_once(once_, [&] {
      by_x_.reserve(points.size());
      for (uint32_t i = 0; i < points.size(); ++i) by_x_.push_back({points[i].x, points[i].y, i});
      std::sort(by_x_.begin(), by_x_.end(), [](const Placed& a, const Placed& b) {
        return a.x < b.x || (a.x == b.x && a.index < b.index);
      });
    });
    auto it = std::lower_bound(by_x_.begin(), by_x_.end(), box.x_lo, [](const Placed& p, double x) { return p.x < x; });
    for (; it != by_x_.end() && it->x <= box.x_hi; ++it)
      if (box.contains(it->x, it->y)) inside.push_back(it->index);
    std::sort(inside.begin(), inside.end());  // back in input order: the kernel's order
  }
  for (uint32_t i : inside) out.add_bytes(&points[i], sizeof points[i]);  // x, y, weight: three doubles
  out.add_int(static_cast<int64_t>(inside.size()));
}

void PolygonFingerprints::hash(const ReachBox& box, Sha256& out) const {
  const auto& polygons = *polygons_;
  std::call_once(once_, [&] {
    for (const kernels::Polygon& p : polygons) {
      std::array<double, 4> b{INFINITY, -INFINITY, INFINITY, -INFINITY};
      for (const auto& ring : p.rings)
        for (const auto& v : ring) {
          b[0] = std::min(b[0], v[0]);
          b[1] = std::max(b[1], v[0]);
          b[2] = std::min(b[2], v[1]);
          b[3] = std::max(b[3], v[1]);
        }
      boxes_.push_back(b);
    }
  });
  std::map<int64_t, int64_t> record_rank;  // a record's number in this tile's sequence
  int64_t count = 0;
  for (size_t k = 0; k < polygons.size(); ++k) {
    const kernels::Polygon& p = polygons[k];
    if (!box.overlaps(boxes_[k][0], boxes_[k][1], boxes_[k][2], boxes_[k][3])) continue;
    out.add_double(p.value);
    out.add_int(record_rank.emplace(p.record, static_cast<int64_t>(record_rank.size())).first->second);
    out.add_int(static_cast<int64_t>(p.rings.size()));
    for (const auto& ring : p.rings) {
      out.add_int(static_cast<int64_t>(ring.size()));
      out.add_bytes(ring.data(), ring.size() * sizeof ring[0]);
    }
    ++count;
  }
  out.add_int(count);
}

void hash_segments(std::span<const kernels::Segment> segments, Sha256& out) {
  for (const kernels::Segment& s : segments) {
    out.add_double(s.x0);
    out.add_double(s.y0);
    out.add_double(s.x1);
    out.add_double(s.y1);
    out.add_int(s.prev);
    out.add_int(s.next);
  }
  out.add_int(static_cast<int64_t>(segments.size()));
}

}  // namespace minerisk::features
