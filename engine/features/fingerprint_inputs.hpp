#pragma once
// What a feature hashes of its vector inputs for one tile (Feature::fingerprint): the features
// within its reach of the tile, in the order its kernel reads them (input order), so that the
// digest changes whenever anything the tile's values depend on changes, and only then. The box
// is a superset of what the kernels read: the tile's cell edges grown by the reach, converted
// to CRS units with the smallest metres-per-unit over the tile's rows (the kernels use the same
// scale from cell centres with a shorter cutoff).
#include <array>
#include <functional>
#include <memory>
#include <mutex>
#include <span>
#include <vector>

#include "minerisk/engine/digest.hpp"
#include "minerisk/kernels/grid_frame.hpp"
#include "minerisk/kernels/line_distance.hpp"
#include "minerisk/kernels/point_density.hpp"
#include "minerisk/kernels/polygon_coverage.hpp"

namespace minerisk::features {

/// The part of the plane, in CRS units, whose inputs can change a tile; `everything` for an
/// infinite reach (an uncapped distance).
struct ReachBox {
  double x_lo = 0, x_hi = 0, y_lo = 0, y_hi = 0;
  bool everything = false;
  bool contains(double x, double y) const { return everything || (x >= x_lo && x <= x_hi && y >= y_lo && y <= y_hi); }
  bool overlaps(double bx_lo, double bx_hi, double by_lo, double by_hi) const {
    return everything || (bx_hi >= x_lo && bx_lo <= x_hi && by_hi >= y_lo && by_lo <= y_hi);
  }
};

ReachBox reach_box(const kernels::GridFrame& frame, const kernels::Window& tile, double reach_metres);
/// reach_box() of each window.
std::vector<ReachBox> reach_boxes(const kernels::GridFrame& frame, std::span<const kernels::Window> windows,
                                  double reach_metres);

/// The smallest box holding all of `boxes` (`everything` if one is).
ReachBox bounding(std::span<const ReachBox> boxes);

/// The points inside the box, in input order (position and weight), then their count. The
/// points are indexed by x on first use, so a tile looks only at those in its box's columns.
class PointFingerprints {
 public:
  explicit PointFingerprints(std::shared_ptr<const std::vector<kernels::WeightedPoint>> points)
      : points_(std::move(points)) {}
  void hash(const ReachBox& box, Sha256& out) const;
  /// hash() of each box into its own digest, the boxes' points found once (a tile's sub-blocks).
  void hash_each(std::span<const ReachBox> boxes, std::span<Sha256> outs) const;

 private:
  // The indices of the points inside `box`, in input order.
  std::vector<uint32_t> inside(const ReachBox& box) const;
  std::shared_ptr<const std::vector<kernels::WeightedPoint>> points_;
  mutable std::once_flag once_;
  // Each point's x, y and index, sorted by x: a tile's box scans its columns' points in order,
  // without a read of the points themselves for each (most of them are outside it in y).
  struct Placed {
    double x, y;
    uint32_t index;
  };
  mutable std::vector<Placed> by_x_;
};

/// The polygons whose bounding box meets the box, in input order: value, rings, and which of
/// them are parts of one record (numbered by first appearance, so a record deleted elsewhere in
/// the layer does not change the digest), then their count. Bounding boxes are made on first use.
class PolygonFingerprints {
 public:
  explicit PolygonFingerprints(std::shared_ptr<const std::vector<kernels::Polygon>> polygons)
      : polygons_(std::move(polygons)) {}
  void hash(const ReachBox& box, Sha256& out) const;
  /// hash() of each box into its own digest, the boxes' polygons found once (a tile's sub-blocks).
  void hash_each(std::span<const ReachBox> boxes, std::span<Sha256> outs) const;

 private:
  // hash() over the polygons `candidates` (indices in input order) that meet `box`.
  void hash_among(const ReachBox& box, std::span<const uint32_t> candidates, Sha256& out) const;
  const std::vector<std::array<double, 4>>& boxes() const;
  std::shared_ptr<const std::vector<kernels::Polygon>> polygons_;
  mutable std::once_flag once_;
  mutable std::vector<std::array<double, 4>> boxes_;  // x_lo, x_hi, y_lo, y_hi
};

/// Every segment (ends and links), for a distance with no cap: any segment can be the nearest.
void hash_segments(std::span<const kernels::Segment> segments, Sha256& out);

/// A digest computed once, on first use, by whichever thread asks first: the whole-layer digest
/// of an input with infinite reach, the same for every tile.
class DigestOnce {
 public:
  const Digest& get(const std::function<Digest()>& make) const {
    std::call_once(once_, [&] { digest_ = make(); });
    return digest_;
  }

 private:
  mutable std::once_flag once_;
  mutable Digest digest_;
};

}  // namespace minerisk::features
