#pragma once
// The summation at the heart of the point density (internal to point_density.cpp): each cell's
// sum of its points' Gaussian factors, added one by one in input order, in double.
#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

#include "minerisk/kernels/grid_frame.hpp"

namespace minerisk::kernels::density_detail {

/// Rows and columns a projected grid sums together, in registers: a block of 4 rows by a chunk
/// of 32 columns. A point's factors are stored padded with zeros to whole blocks and chunks.
inline constexpr int64_t kBlockRows = 4;
inline constexpr int64_t kChunkCols = 32;
inline int64_t block_start(int64_t row) { return row / kBlockRows * kBlockRows; }
inline int64_t chunk_start(int64_t col) { return col / kChunkCols * kChunkCols; }

/// A point that reaches the window: the window's cells it reaches (inclusive) and where its
/// factors begin in the pools. The row pool holds its rows block_start(r0) .. block_start(r1) + 3,
/// the column pool (projected grids only) its columns chunk_start(c0) .. chunk_start(c1) + 31,
/// each factor 0 outside the cells it reaches. Unless `padding_adds_zero`, the padding may be
/// NaN (a factor that is not finite times 0) and is never read.
struct PointFactors {
  int64_t c0, c1, r0, r1;
  size_t point;                 // its index in the input
  size_t fx_offset, fy_offset;  // where its column and row factors begin in the pools
  bool padding_adds_zero;

  /// How many factors it has in each pool, padding included.
  size_t pooled_columns() const { return static_cast<size_t>(chunk_start(c1) + kChunkCols - chunk_start(c0)); }
  size_t pooled_rows() const { return static_cast<size_t>(block_start(r1) + kBlockRows - block_start(r0)); }
};

/// Sums a projected grid's density into `out` (the window's cells, row by row, as float): the
/// row factors `fy` times the column factors `fx` of every point reaching a cell, added in the
/// order of `points`, in double.
void sum_projected(const std::vector<PointFactors>& points, const std::vector<double>& fx, const std::vector<double>& fy,
                   const Window& window, std::span<float> out);

}  // namespace minerisk::kernels::density_detail
