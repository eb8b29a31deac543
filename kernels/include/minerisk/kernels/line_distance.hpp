#pragma once
// Exact distance in metres from each cell centre to the nearest segment of a line layer.
#include <limits>
#include <span>
#include <vector>

#include "minerisk/kernels/grid_frame.hpp"

namespace minerisk::kernels {

/// A straight segment in the grid's CRS units.
struct Segment {
  double x0, y0, x1, y1;
};

/// Distance from the centre of each cell of `window` to the nearest of `segments`, in metres,
/// written row-major to `out`.
///
/// The distance is exact (no rasterisation): each centre is measured against the segments
/// themselves. In a geographic CRS the degrees are scaled to metres at the cell's row
/// (a local equirectangular metric), which is exact to well under a metre for the few
/// kilometres over which distance to a front line matters.
///
/// Only segments that can be the nearest for some cell of the window are visited: a segment
/// whose lower-bound distance to the window exceeds the smallest upper bound of any segment is
/// skipped, so the result is the same whatever the window. With `cap` finite, distances are
/// clamped to `cap` and segments farther than `cap` from the window are skipped too.
/// With no segments at all, every cell gets `cap` (infinity when uncapped).
void line_distance_metres(std::span<const Segment> segments, const Window& window, const GridFrame& frame,
                          std::span<float> out, double cap = std::numeric_limits<double>::infinity());

/// The segments that can matter for `window` (the pruning described above), in input order.
std::vector<Segment> segments_near_window(std::span<const Segment> segments, const Window& window,
                                          const GridFrame& frame, double cap);

}  // namespace minerisk::kernels
