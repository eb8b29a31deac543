#include "fingerprint_inputs.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <map>
#include <numeric>

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

std::vector<ReachBox> reach_boxes(const kernels::GridFrame& frame, std::span<const kernels::Window> windows,
                                  double reach_metres) {
  std::vector<ReachBox> boxes;
  for (const kernels::Window& w : windows) boxes.push_back(reach_box(frame, w, reach_metres));
  return boxes;
}

ReachBox bounding(std::span<const ReachBox> boxes) {
  ReachBox out{INFINITY, -INFINITY, INFINITY, -INFINITY};
  for (const ReachBox& b : boxes) {
    if (b.everything) return ReachBox{.everything = true};
    out.x_lo = std::min(out.x_lo, b.x_lo);
    out.x_hi = std::max(out.x_hi, b.x_hi);
    out.y_lo = std::min(out.y_lo, b.y_lo);
    out.y_hi = std::max(out.y_hi, b.y_hi);
  }
  return out;
}

std::vector<uint32_t> PointFingerprints::inside(const ReachBox& box) const {
  const auto& points = *points_;
  std::vector<uint32_t> found;
  if (box.everything) {
    for (uint32_t i = 0; i < points.size(); ++i) found.push_back(i);
    return found;
  }
  std::call_once(once_, [&] {
    by_x_.reserve(points.size());
    for (uint32_t i = 0; i < points.size(); ++i) by_x_.push_back({points[i].x, points[i].y, i});
    std::sort(by_x_.begin(), by_x_.end(), [](const Placed& a, const Placed& b) {
      return a.x < b.x || (a.x == b.x && a.index < b.index);
    });
  });
  auto it = std::lower_bound(by_x_.begin(), by_x_.end(), box.x_lo, [](const Placed& p, double x) { return p.x < x; });
  for (; it != by_x_.end() && it->x <= box.x_hi; ++it)
    if (box.contains(it->x, it->y)) found.push_back(it->index);
  std::sort(found.begin(), found.end());  // back in input order: the kernel's order
  return found;
}

void PointFingerprints::hash(const ReachBox& box, Sha256& out) const {
  const std::vector<uint32_t> found = inside(box);
  for (uint32_t i : found) out.add_bytes(&(*points_)[i], sizeof(*points_)[i]);  // x, y, weight: three doubles
  out.add_int(static_cast<int64_t>(found.size()));
}

void PointFingerprints::hash_each(std::span<const ReachBox> boxes, std::span<Sha256> outs) const {
  const auto& points = *points_;
  const std::vector<uint32_t> candidates = inside(bounding(boxes));
  for (size_t b = 0; b < boxes.size(); ++b) {
    int64_t count = 0;
    for (uint32_t i : candidates)
      if (boxes[b].contains(points[i].x, points[i].y)) {
        outs[b].add_bytes(&points[i], sizeof points[i]);
        ++count;
      }
    outs[b].add_int(count);
  }
}

const std::vector<std::array<double, 4>>& PolygonFingerprints::boxes() const {
  std::call_once(once_, [&] {
    for (const kernels::Polygon& p : *polygons_) {
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
  return boxes_;
}

void PolygonFingerprints::hash_among(const ReachBox& box, std::span<const uint32_t> candidates, Sha256& out) const {
  const auto& polygons = *polygons_;
  const auto& bounds = boxes();
  std::map<int64_t, int64_t> record_rank;  // a record's number in this tile's sequence
  int64_t count = 0;
  for (uint32_t k : candidates) {
    const kernels::Polygon& p = polygons[k];
    if (!box.overlaps(bounds[k][0], bounds[k][1], bounds[k][2], bounds[k][3])) continue;
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

void PolygonFingerprints::hash(const ReachBox& box, Sha256& out) const {
  std::vector<uint32_t> all(polygons_->size());
  std::iota(all.begin(), all.end(), 0u);
  hash_among(box, all, out);
}

void PolygonFingerprints::hash_each(std::span<const ReachBox> boxes, std::span<Sha256> outs) const {
  const ReachBox around = bounding(boxes);
  const auto& bounds = this->boxes();
  std::vector<uint32_t> candidates;
  for (uint32_t k = 0; k < bounds.size(); ++k)
    if (around.overlaps(bounds[k][0], bounds[k][1], bounds[k][2], bounds[k][3])) candidates.push_back(k);
  for (size_t b = 0; b < boxes.size(); ++b) hash_among(boxes[b], candidates, outs[b]);
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
