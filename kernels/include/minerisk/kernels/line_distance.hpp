#pragma once
// Exact distance in metres from each cell centre to the nearest segment of a line layer,
// optionally signed by the side of the line.
#include <cstdint>
#include <limits>
#include <span>
#include <vector>

#include "minerisk/kernels/grid_frame.hpp"

namespace minerisk::kernels {

/// A straight segment in the grid's CRS units. `prev` and `next` are the indices of the
/// segments sharing its first and last point in the same line (-1 at a line's ends); only the
/// signed distance needs them.
struct Segment {
  double x0, y0, x1, y1;
  int32_t prev = -1, next = -1;
};

/// Links consecutive segments: segments [first, first + count) form one line, in order;
/// `closed` links the last to the first (a polygon's ring).
void link_polyline(std::span<Segment> segments, size_t first, size_t count, bool closed);

/// Distance from the centre of each cell of `window` to the nearest of `segments`, in metres,
/// written row-major to `out`.
///
/// Exact (no rasterisation): each centre is measured against the segments themselves. In a
/// geographic CRS the degrees are scaled to metres at the cell's row (a local equirectangular
/// metric), which is exact to well under a metre over the few kilometres that matter here.
///
/// Tile-local through a hierarchical pruning: the window keeps only the segments that can be
/// the nearest for one of its cells (a segment whose lower-bound distance to the window exceeds
/// the smallest upper bound of any segment cannot), then its quarters do the same from its list,
/// and theirs, down to blocks of 16 x 16 cells; each level also drops the segments that one
/// point of its nearest segment beats at every cell. Pruning only drops segments that can be
/// neither the nearest nor tied with it, so every cell gets what measuring it against every
/// segment gives (the first of equally near segments in input order deciding the sign),
/// whatever the window. A block's rows are computed 16 cells at a time in vector lanes, with
/// the same double-precision operations as one cell, and one square root per cell. With `cap`
/// finite, distances are clamped to `cap` and segments farther than `cap` are never visited.
/// With no segments at all, every cell gets `cap` (infinity when uncapped). A segment with a
/// coordinate that is not finite is never the nearest.
///
/// With `signed_distance`, the distance is positive on the left of the lines' direction and
/// negative on the right (for a front line drawn with the defenders on its left, positive is
/// the defended side). Where the nearest point is a vertex joining two segments, the side is
/// the outside of the turn; beyond a line's end, the side of the end segment's extension.
void line_distance_metres(std::span<const Segment> segments, const Window& window, const GridFrame& frame,
                          std::span<float> out, double cap = std::numeric_limits<double>::infinity(),
                          bool signed_distance = false);

/// Indices of the segments that can be the nearest for some cell of `window` (the window's
/// pruning described above), in input order.
std::vector<uint32_t> segments_near_window(std::span<const Segment> segments, std::span<const uint32_t> candidates,
                                           const Window& window, const GridFrame& frame, double cap);

}  // namespace minerisk::kernels
