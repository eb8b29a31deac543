#include "point_density_sum.hpp"

#include <algorithm>
#include <cstring>

namespace minerisk::kernels::density_detail {
namespace {

// Eight doubles, one AVX-512 register (two AVX2 ones; the compiler splits it where needed).
// Arithmetic on it is element by element, the same IEEE operations as on scalars.
typedef double Vec8d __attribute__((vector_size(8 * sizeof(double))));
constexpr int64_t kVectors = kChunkCols / 8;

Vec8d load(const double* p) {
  Vec8d v;
  std::memcpy(&v, p, sizeof v);
  return v;
}

// The sums of one block of rows by one chunk of columns, kept in registers while its points add
// to them. A point adds fy * fx to each cell, its padding exactly +0 or -0 (a finite factor
// times 0); a sum that starts at +0 is never -0 (x + y rounds to -0 only when both are -0), and
// adding +0 or -0 to a sum that is not -0 changes no bit.
struct ChunkSums {
  Vec8d sum[kBlockRows][kVectors] = {};

  void add(const double* fy, const double* fx) {
    Vec8d x[kVectors];
    for (int64_t v = 0; v < kVectors; ++v) x[v] = load(fx + 8 * v);
    for (int64_t r = 0; r < kBlockRows; ++r)
      for (int64_t v = 0; v < kVectors; ++v) sum[r][v] += fy[r] * x[v];
  }

  // A point whose padding is not 0 (a factor that is not finite): it adds only to the cells it
  // reaches, as a cell-by-cell sum does.
  void add_reached_cells_only(const PointFactors& a, const double* fy, const double* fx, int64_t first_row, int64_t first_col) {
    double cells[kBlockRows][kChunkCols];
    std::memcpy(cells, sum, sizeof cells);
    for (int64_t r = std::max(a.r0, first_row); r <= std::min(a.r1, first_row + kBlockRows - 1); ++r)
      for (int64_t c = std::max(a.c0, first_col); c <= std::min(a.c1, first_col + kChunkCols - 1); ++c)
        cells[r - first_row][c - first_col] += fy[r - first_row] * fx[c - first_col];
    std::memcpy(sum, cells, sizeof cells);
  }

  void store(const Window& w, int64_t first_row, int64_t first_col, std::span<float> out) const {
    double cells[kBlockRows][kChunkCols];
    std::memcpy(cells, sum, sizeof cells);
    const int64_t rows = std::min(kBlockRows, w.height - first_row), cols = std::min(kChunkCols, w.width - first_col);
    for (int64_t r = 0; r < rows; ++r)
      for (int64_t c = 0; c < cols; ++c)
        out[static_cast<size_t>((first_row + r) * w.width + first_col + c)] = static_cast<float>(cells[r][c]);
  }
};

}  // namespace

void sum_projected(const std::vector<PointFactors>& points, const std::vector<double>& fx, const std::vector<double>& fy,
                   const Window& w, std::span<float> out) {
  const int64_t blocks = (w.height + kBlockRows - 1) / kBlockRows, chunks = (w.width + kChunkCols - 1) / kChunkCols;
  // For each block of rows, the points reaching it, in input order; then, block by block, for
  // each chunk of columns the points of the block reaching it, still in input order.
  std::vector<std::vector<uint32_t>> on_block(static_cast<size_t>(blocks));
  for (size_t k = 0; k < points.size(); ++k)
    for (int64_t b = points[k].r0 / kBlockRows; b <= points[k].r1 / kBlockRows; ++b)
      on_block[static_cast<size_t>(b)].push_back(static_cast<uint32_t>(k));
  std::vector<std::vector<uint32_t>> on_chunk(static_cast<size_t>(chunks));
  for (int64_t b = 0; b < blocks; ++b) {
    for (auto& list : on_chunk) list.clear();
    for (uint32_t k : on_block[static_cast<size_t>(b)])
      for (int64_t j = points[k].c0 / kChunkCols; j <= points[k].c1 / kChunkCols; ++j) on_chunk[static_cast<size_t>(j)].push_back(k);
    const int64_t first_row = b * kBlockRows;
    for (int64_t j = 0; j < chunks; ++j) {
      const int64_t first_col = j * kChunkCols;
      ChunkSums sums;
      for (uint32_t k : on_chunk[static_cast<size_t>(j)]) {
        const PointFactors& a = points[k];
        const double* row_factors = fy.data() + a.fy_offset + static_cast<size_t>(first_row - block_start(a.r0));
        const double* col_factors = fx.data() + a.fx_offset + static_cast<size_t>(first_col - chunk_start(a.c0));
        if (a.padding_adds_zero)
          sums.add(row_factors, col_factors);
        else
          sums.add_reached_cells_only(a, row_factors, col_factors, first_row, first_col);
      }
      sums.store(w, first_row, first_col, out);
    }
  }
}

}  // namespace minerisk::kernels::density_detail
