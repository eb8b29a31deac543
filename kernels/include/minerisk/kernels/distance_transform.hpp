#pragma once
// The exact Euclidean distance transform of a raster mask (Felzenszwalb and Huttenlocher 2012),
// in metres, with the index of the nearest feature cell.
#include <cstdint>
#include <memory>
#include <new>
#include <span>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

#include "minerisk/kernels/grid_frame.hpp"

namespace minerisk::kernels {

/// Why distances cannot be computed on `frame`, or "": cells so large that a distance across the
/// grid is beyond float32 (the result's type; its square, beyond a double, would make the
/// envelope's numbers NaN and its search endless), or so small that a cell's width squares to
/// 0. The transforms below refuse such a frame (std::invalid_argument).
std::string distance_frame_problem(const GridFrame& frame);

/// For every cell of the grid described by `frame`, the distance in metres from its centre to
/// the centre of the nearest cell with `is_feature` set (feature cells get 0), and, when
/// `nearest` is not empty, that cell's row-major index (-1 when there is no feature at all,
/// where the distance is +infinity).
///
/// Exact: the two passes (columns, then rows with the lower envelope of parabolas) find the
/// true nearest centre, not an approximation. Non-square pixels are handled by the metric;
/// on a geographic grid x is measured in metres at the cell's own row and y along the meridian,
/// so the distance is exact in that local metric. Ties between equally near features go to the
/// one found first in row-major order of the passes, the same for any thread count.
/// Runs in parallel over columns and then rows with oneTBB; the result does not depend on the
/// number of threads.
void euclidean_distance_transform(std::span<const uint8_t> is_feature, const GridFrame& frame, std::span<float> distance,
                                  std::span<int64_t> nearest = {});

/// An allocator whose vectors leave new elements uninitialised, for buffers whose every element
/// is written before it is read: zeroing them first (one thread, page faults included) took
/// longer than the parallel passes that fill them on 8192^2 cells.
template <class T>
struct UninitialisedAllocator : std::allocator<T> {
  template <class U>
  struct rebind {
    using other = UninitialisedAllocator<U>;
  };
  UninitialisedAllocator() = default;
  template <class U>
  UninitialisedAllocator(const UninitialisedAllocator<U>&) noexcept {}
  template <class U>
  void construct(U* p) noexcept(std::is_nothrow_default_constructible_v<U>) {
    ::new (static_cast<void*>(p)) U;  // default-initialisation: no value for a trivial type
  }
  template <class U, class... Args>
  void construct(U* p, Args&&... args) {
    ::new (static_cast<void*>(p)) U(std::forward<Args>(args)...);
  }
};
template <class T>
using UninitialisedVector = std::vector<T, UninitialisedAllocator<T>>;

// The transform a band of rows at a time, for a caller that streams its output (the proximity
// tool). Pass 1 needs each column whole, but of the rows outside a band only each column's
// nearest feature above the band and below it; so no table for the whole grid is kept (it was
// 2 bytes a cell, and first touching it was a large share of the run). The caller reads the
// mask by bands, noting each band's column ends, then computes the bands in any order.

/// The first and last feature row of each column within the rows [row0, row0 + rows) (-1: none
/// there).
struct ColumnEnds {
  int64_t row0 = 0, rows = 0;
  std::vector<int32_t> first, last;
};
/// The ends of each column's features in `mask_rows`, which holds whole rows, from row0 on, of a
/// mask `width` cells wide.
ColumnEnds column_ends(std::span<const uint8_t> mask_rows, int64_t width, int64_t row0);
/// Whether any column of the band holds a feature.
bool has_feature(const ColumnEnds& ends);

/// The transform of a grid by bands of rows, once every band's column ends are known.
class BandedDistanceTransform {
 public:
  /// `bands`: the column ends of bands that tile the grid's rows top to bottom, in that order;
  /// anything else (a gap, an overlap, another width) is refused with std::invalid_argument.
  BandedDistanceTransform(const GridFrame& frame, std::vector<ColumnEnds> bands);

  /// Both passes for the band of rows [row0, row0 + rows), one of those given: `mask_rows` holds
  /// its rows of the mask. Distances (and nearest indices, when `nearest` is not empty) are
  /// written row-major for those rows only, bit for bit those of euclidean_distance_transform.
  /// Thread-safe: bands can be computed in any order or in parallel.
  void distance_for_band(std::span<const uint8_t> mask_rows, int64_t row0, int64_t rows, std::span<float> distance,
                         std::span<int64_t> nearest = {}) const;

 private:
  GridFrame frame_;
  std::vector<double> row_y_;  // each row centre's distance along the meridian from row 0's (m)
  std::vector<int64_t> band_row0_;  // each band's first row; a band ends where the next starts
  // Per band and column: the last feature row above the band and the first below it (-1: none).
  std::vector<std::vector<int32_t>> above_, below_;
};

}  // namespace minerisk::kernels
