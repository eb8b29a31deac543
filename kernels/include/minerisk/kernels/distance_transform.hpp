#pragma once
// The exact Euclidean distance transform of a raster mask (Felzenszwalb and Huttenlocher 2012),
// in metres, with the index of the nearest feature cell.
#include <cstdint>
#include <memory>
#include <new>
#include <span>
#include <type_traits>
#include <utility>
#include <vector>

#include "minerisk/kernels/grid_frame.hpp"

namespace minerisk::kernels {

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

/// The transform a band of rows at a time, for a caller that streams its output (the proximity
/// tool). Pass 1 needs each column whole, but of the rows outside a band only each column's
/// nearest feature above the band and below it; so no table for the whole grid is kept (it was
/// 2 bytes a cell, and first touching it was a large share of the run).
///
/// The first and last feature row of each column within some rows (-1: none there).
struct ColumnEnds {
  std::vector<int32_t> first, last;
};
/// The ends of each column's features in `mask_rows`, which holds the rows [row0, ...) of a
/// mask `width` cells wide.
ColumnEnds column_ends(std::span<const uint8_t> mask_rows, int64_t width, int64_t row0);

/// What a band needs of the rest of its columns: the last feature row above it and the first
/// below it (-1: none).
struct BeyondBand {
  std::vector<int32_t> above, below;
};
/// For bands that tile the grid top to bottom, given in that order by their column ends: what
/// each band needs of the others.
std::vector<BeyondBand> beyond_bands(const std::vector<ColumnEnds>& bands, int64_t width);

/// Both passes for the rows [row0, row0 + rows): `mask_rows` holds those rows of the mask and
/// `beyond` the features outside them. Distances (and nearest indices, when `nearest` is not
/// empty) are written row-major for those rows only, bit for bit those of the whole transform.
/// Bands are independent: call it for them in any order or in parallel.
void distance_for_band(std::span<const uint8_t> mask_rows, const GridFrame& frame, int64_t row0, int64_t rows,
                       const BeyondBand& beyond, std::span<float> distance, std::span<int64_t> nearest = {});

}  // namespace minerisk::kernels
