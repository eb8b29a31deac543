#pragma once
// The pruning behind line_distance_metres (private to the kernel): which segments can be the
// nearest for some cell of a rectangle of cells, and the window-wide tables it reads.
#include <cstdint>
#include <optional>
#include <span>
#include <utility>
#include <vector>

#include "minerisk/kernels/line_distance.hpp"

namespace minerisk::kernels::detail {

// Cells per side of a leaf: the rectangles whose cells are measured against their own
// candidates. A leaf's row is also the number of cells computed together (vector lanes).
constexpr int64_t kLanes = 16;

// Centres and metric of a window's cells, computed once per window from global indices (the
// values GridFrame gives each cell, so the same bits whatever the window). Columns are padded
// to whole leaves so that a leaf's lanes always read kLanes columns.
struct Centres {
  int64_t width = 0;  // columns of the window (x holds more)
  std::vector<double> x, y;
  std::vector<MetricScale> scale;
  bool uniform = false;  // every row has the same scale (a projected CRS)
};
Centres centres_of(const Window& window, const GridFrame& frame);

// A rectangle of a window's cells, in window-relative indices.
struct CellRect {
  int64_t c0, r0, nc, nr;
};

// The two halves of `cells` along its longer side (counted in leaves), each a whole number of
// leaves except at the far edge.
std::pair<CellRect, CellRect> halves(const CellRect& cells);

// Levels of halving a window can need before its rectangles are leaves, plus the window itself
// (one level per halving of one side: quartering needs no more).
size_t depth_needed(int64_t width, int64_t height);

// The segments kept for one window, as structure of arrays, in input order.
struct Candidates {
  std::vector<double> x0, y0, x1, y1;
  std::vector<uint32_t> index;  // into the caller's segments
};

// What the bounds of one rectangle of cells need to know about it.
struct Bounds {
  double xmin, ymin, xmax, ymax;  // box of its cell centres, CRS units
  double cx, cy;                  // a point inside that box
  double sx_lo, sy_lo;            // smallest metres per unit along x and y over its rows
  double sx_hi, sy_hi;            // largest
  double stretch;                 // largest ratio of one of its rows' metric to the (sx_lo, sy_lo) one
  double reach_lo, reach_hi;      // distance from (cx, cy) to the farthest centre: in that metric, and in any row's
};
Bounds bounds_of(const CellRect& cells, const Centres& centres);

// The segments of `segments` (all of them, or those `subset` names) that can be the nearest for
// some cell of the window `centres` describes, given the distance cap.
Candidates segments_near(std::span<const Segment> segments, std::optional<std::span<const uint32_t>> subset,
                         const Centres& centres, double cap);

// The candidates among `from` (indices into `candidates`) that can be the nearest for some cell
// of the rectangle `b` bounds, in the order of `from`, written to `kept`.
void prune_candidates(const Candidates& candidates, std::span<const uint32_t> from, const Bounds& b, double cap,
                      std::vector<uint32_t>& kept);

}  // namespace minerisk::kernels::detail
