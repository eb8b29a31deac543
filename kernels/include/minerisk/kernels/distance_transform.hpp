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

/// An allocator whose vectors leave new elements uninitialised. Pass 1 writes every element of
/// its output; zeroing 4 bytes a cell first (one thread, page faults included) took longer
/// than the parallel pass itself on 8192^2 cells, and the pass now touches the pages first.
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

/// Pass 1's table: for every cell, the row of the nearest feature in its own column, or -1.
/// 16-bit when every row fits (fewer than 32767 rows): half the memory, and half the page
/// faults of first touching it, which were a large share of pass 1 (256 MiB at 8192^2 as
/// 32-bit); 32-bit otherwise. Exactly one of the two is filled.
struct NearestRows {
  UninitialisedVector<int16_t> narrow;
  UninitialisedVector<int32_t> wide;
};

/// The transform in its two passes, so a caller can stream the output a band of rows at a time.
/// Pass 1: for every cell, the row of the nearest feature in its own column, or -1 (parallel).
NearestRows nearest_feature_rows(std::span<const uint8_t> is_feature, const GridFrame& frame);
/// Pass 2 for the rows [row0, row0 + rows): distances (and nearest indices, when `nearest` is
/// not empty) written row-major for those rows only. Rows are independent: call it for bands
/// in any order or in parallel.
void distance_for_rows(const NearestRows& nearest_rows, const GridFrame& frame, int64_t row0, int64_t rows,
                       std::span<float> distance, std::span<int64_t> nearest = {});

}  // namespace minerisk::kernels
