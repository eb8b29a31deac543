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
/// of 16 columns. A point's factors are stored padded with zeros to whole blocks and chunks.
inline constexpr int64_t kBlockRows = 4;
inline constexpr int64_t kChunkCols = 32;
inline int64_t block_start(int64_t row) { return row / kBlockRows * kBlockRows; }
inline int64_t chunk_start(int64_t col) { return col / kChunkCols * kChunkCols; }

/// A point that reaches the window: the window's cells it reaches (inclusive) and where its
/// factors begin in the pools. Along rows, the pool holds block_start(r0) .. block_start(r1) + 3,
/// along columns (projected grids only) chunk_start(c0) .. chunk_start(c1) + 15; the factors of
/// the padding cells are 0, but for a point whose scale (weight / (2 pi h^2)) is not finite, whose
/// padding is never read.
struct PointFactors {
  int64_t c0, c1, r0, r1;
  size_t point;  // its index in the input
  size_t fx, fy;
  double x;
  bool finite_scale;
};

/// Sums a projected grid's density into `out` (the window's cells, row by row, as float): the
/// row factors `fy` times the column factors `fx` of every point reaching a cell, added in the
/// order of `points`, in double.
void sum_projected(const std::vector<PointFactors>& points, const std::vector<double>& fx, const std::vector<double>& fy,
                   const Window& window, std::span<float> out);

}  // namespace minerisk::kernels::density_detail
