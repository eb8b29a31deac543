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

void hash_points(std::span<const kernels::WeightedPoint> points, const ReachBox& box, Sha256& out) {
  int64_t count = 0;
  for (const kernels::WeightedPoint& p : points)
    if (box.contains(p.x, p.y)) {
      out.add_bytes(&p, sizeof p);  // x, y, weight: three doubles, no padding
      ++count;
    }
  out.add_int(count);
}

void hash_polygons(const std::vector<kernels::Polygon>& polygons, const ReachBox& box, Sha256& out) {
  std::map<int64_t, int64_t> record_rank;  // a record's number in this tile's sequence
  int64_t count = 0;
  for (const kernels::Polygon& p : polygons) {
    double x_lo = INFINITY, x_hi = -INFINITY, y_lo = INFINITY, y_hi = -INFINITY;
    for (const auto& ring : p.rings)
      for (const auto& v : ring) {
        x_lo = std::min(x_lo, v[0]);
        x_hi = std::max(x_hi, v[0]);
        y_lo = std::min(y_lo, v[1]);
        y_hi = std::max(y_hi, v[1]);
      }
    if (!box.overlaps(x_lo, x_hi, y_lo, y_hi)) continue;
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
