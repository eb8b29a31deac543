#include "minerisk/kernels/distance_transform.hpp"
#include "minerisk/kernels/parallel.hpp"

#include <tbb/blocked_range.h>
#include <tbb/parallel_for.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <limits>
#include <stdexcept>
#include <string>
#include <vector>

namespace minerisk::kernels {
namespace {

constexpr int32_t kNone = -1;
constexpr double kInf = std::numeric_limits<double>::infinity();

// Distance along the meridian, in metres, of each row centre from row 0's.
std::vector<double> row_positions(const GridFrame& f) {
  std::vector<double> y(static_cast<size_t>(f.height));
  if (!f.geographic) {
    const double step = f.cell_height() * f.linear_unit;
    for (int64_t r = 0; r < f.height; ++r) y[static_cast<size_t>(r)] = static_cast<double>(r) * step;
    return y;
  }
  y[0] = 0;
  for (int64_t r = 1; r < f.height; ++r) {
    // Trapezoid between two row centres: metres per degree changes slowly with latitude.
    const double step = 0.5 * (f.scale_at_row(r - 1).y + f.scale_at_row(r).y) * f.cell_height();
    y[static_cast<size_t>(r)] = y[static_cast<size_t>(r - 1)] + step;
  }
  return y;
}

// Pass 1 for the rows [row0, row0 + rows): for each cell, the row of the nearest feature in its
// own column (kNone if none), into `nearest_row` (those rows, row-major). `mask` holds the same
// rows; `above` and `below` (or null: no features outside) each column's nearest feature above
// and below them, which is all the sweeps need of the other rows. Columns are independent; a
// block of adjacent columns is scanned row by row for locality.
// T is the table's row type (int16_t or int32_t, -1 for none); the caller picks one that holds
// every row, and the comparisons promote to int, so both give the same rows.
template <class T>
void nearest_row_in_column(std::span<const uint8_t> mask, int64_t width, int64_t row0, int64_t rows,
                           const int32_t* above_rows, const int32_t* below_rows, const std::vector<double>& y,
                           bool uniform, T* nearest_row) {
  constexpr T kNone = -1;
  kernels::parallel_for(tbb::blocked_range<int64_t>(0, width, 256), [&](const tbb::blocked_range<int64_t>& cols) {
    const int64_t c0 = cols.begin(), n = cols.end() - cols.begin();
    std::vector<T> last(static_cast<size_t>(n), kNone);
    if (above_rows) std::copy_n(above_rows + c0, n, last.begin());
    for (int64_t k = 0; k < rows; ++k) {  // downwards: the nearest feature above or here
      const uint8_t* m = mask.data() + k * width + c0;
      T* out = nearest_row + k * width + c0;
      const auto row = static_cast<T>(row0 + k);
      for (int64_t i = 0; i < n; ++i) {
        T& above = last[static_cast<size_t>(i)];
        above = m[i] ? row : above;
        out[i] = above;
      }
    }
    std::fill(last.begin(), last.end(), kNone);
    if (below_rows) std::copy_n(below_rows + c0, n, last.begin());
    for (int64_t k = rows - 1; k >= 0; --k) {  // upwards: keep the feature below if nearer
      const uint8_t* m = mask.data() + k * width + c0;
      T* out = nearest_row + k * width + c0;
      const int64_t r = row0 + k;
      if (uniform) {  // evenly spaced rows: compare row counts (vectorises)
        const auto row = static_cast<T>(r);
        for (int64_t i = 0; i < n; ++i) {
          T& below = last[static_cast<size_t>(i)];
          below = m[i] ? row : below;
          const T above = out[i];
          const bool take = below != kNone && (above == kNone || below - row < row - above);
          out[i] = take ? below : above;
        }
        continue;
      }
      for (int64_t i = 0; i < n; ++i) {
        if (m[i]) last[static_cast<size_t>(i)] = static_cast<T>(r);
        const T below = last[static_cast<size_t>(i)];
        if (below == kNone) continue;
        const T above = out[i];
        if (above == kNone || y[static_cast<size_t>(below)] - y[static_cast<size_t>(r)] <
                                  y[static_cast<size_t>(r)] - y[static_cast<size_t>(above)])
          out[i] = below;
      }
    }
  });
}

// Pass 2 for one row: lower envelope of the parabolas g(q) + (x - x_q)^2 over the columns q
// that have a feature in their column, then evaluated at every column. Columns are evenly
// spaced within a row, so the work is done in column units: h(q) = g(q) / dx^2 + q^2, where
// two parabolas v < q cross at s = (h(q) - h(v)) / (2 (q - v)). Each crossing is kept as a
// fraction and compared by cross-multiplying, so the loop needs no division.
struct RowEnvelope {
  std::vector<int64_t> site;                    // columns whose parabola is on the envelope
  std::vector<double> start_num, start_den;     // where each starts to be lowest: num / den
  std::vector<double> site_h;                   // h of each site, beside it: no dependent load
  std::vector<double> g, h;                     // squared vertical distance (m^2); h as above
  std::vector<double> offset, site_g;           // per column: q - its site, and that site's g

  // Row spacing in metres when rows are evenly spaced (projected grids), else 0.
  double uniform_dy = 0;

  template <class T>  // the table's row type; read as int32_t, so -1 is still kNone
  void solve(const T* nearest_row, const std::vector<double>& y, int64_t row, int64_t width, double dx,
             float* distance, int64_t* nearest) {
    const auto n = static_cast<size_t>(width);
    g.resize(n), h.resize(n), site.resize(n), site_h.resize(n), start_num.resize(n), start_den.resize(n);
    const double yr = y[static_cast<size_t>(row)];
    if (uniform_dy > 0) {  // projected: rows are evenly spaced, no lookups (vectorises)
      for (int64_t q = 0; q < width; ++q) {
        const int32_t fr = nearest_row[q];
        const double dy = static_cast<double>(row - fr) * uniform_dy;
        g[static_cast<size_t>(q)] = fr == kNone ? kInf : dy * dy;
      }
    } else {
      for (int64_t q = 0; q < width; ++q) {
        const int32_t fr = nearest_row[q];
        const double dy = fr == kNone ? kInf : yr - y[static_cast<size_t>(fr)];
        g[static_cast<size_t>(q)] = dy * dy;
      }
    }
    const double inv_dx2 = 1.0 / (dx * dx);
    for (int64_t q = 0; q < width; ++q) {
      const auto qd = static_cast<double>(q);
      h[static_cast<size_t>(q)] = g[static_cast<size_t>(q)] * inv_dx2 + qd * qd;
    }
    int64_t k = -1;
    for (int64_t q = 0; q < width; ++q) {
      const double hq = h[static_cast<size_t>(q)];
      if (hq == kInf) continue;
      double num = 0, den = 1;
      while (k >= 0) {
        const int64_t v = site[static_cast<size_t>(k)];
        num = hq - site_h[static_cast<size_t>(k)];
        den = 2.0 * static_cast<double>(q - v);
        // Keep v while the crossing lies after v's own start (the first site starts at -inf).
        if (k == 0 || num * start_den[static_cast<size_t>(k)] > start_num[static_cast<size_t>(k)] * den) break;
        --k;
      }
      ++k;
      site[static_cast<size_t>(k)] = q;
      site_h[static_cast<size_t>(k)] = hq;
      start_num[static_cast<size_t>(k)] = num;
      start_den[static_cast<size_t>(k)] = den;
    }
    const int64_t count = k + 1;
    if (count == 0) {
      std::fill(distance, distance + width, std::numeric_limits<float>::infinity());
      if (nearest) std::fill(nearest, nearest + width, int64_t{-1});
      return;
    }
    // Evaluation in two steps. First, each envelope segment j fills the columns it is lowest
    // over: its offset to the site and the site's g. The columns where segment j + 1 takes
    // over are found from an estimate of its start, then settled by the same comparison a
    // column-by-column walk makes (start_num <= q * start_den, monotone in q as den > 0), so
    // the columns go to the same sites as the walk's, without a data-dependent branch a cell.
    // Then the square roots run in a loop the compiler vectorises; the arithmetic is the same
    // as in one loop, so is every result (the build has -ffp-contract=off).
    offset.resize(n), site_g.resize(n);
    const auto takes_over = [&](int64_t seg, int64_t q) {
      return start_num[static_cast<size_t>(seg)] <= static_cast<double>(q) * start_den[static_cast<size_t>(seg)];
    };
    int64_t q = 0;
    for (int64_t j = 0; j < count; ++j) {
      int64_t end = width;  // first column where segment j + 1 takes over
      if (j + 1 < count) {
        const double s = start_num[static_cast<size_t>(j + 1)] / start_den[static_cast<size_t>(j + 1)];
        end = s <= static_cast<double>(q) ? q : s >= static_cast<double>(width) ? width : static_cast<int64_t>(std::ceil(s));
        while (end > q && takes_over(j + 1, end - 1)) --end;
        while (end < width && !takes_over(j + 1, end)) ++end;
      }
      const int64_t v = site[static_cast<size_t>(j)];
      const double gv = g[static_cast<size_t>(v)];
      for (int64_t c = q; c < end; ++c) {
        offset[static_cast<size_t>(c)] = static_cast<double>(c - v);
        site_g[static_cast<size_t>(c)] = gv;
      }
      if (nearest) std::fill(nearest + q, nearest + end, static_cast<int64_t>(nearest_row[v]) * width + v);
      q = end;
    }
    const double* off = offset.data();
    const double* gs = site_g.data();
    for (int64_t q = 0; q < width; ++q) {
      const double ddx = off[q] * dx;
      distance[q] = static_cast<float>(std::sqrt(ddx * ddx + gs[q]));
    }
  }
};

}  // namespace

ColumnEnds column_ends(std::span<const uint8_t> mask_rows, int64_t width, int64_t row0) {
  if (width <= 0 || mask_rows.size() % static_cast<size_t>(width) != 0)
    throw std::invalid_argument("column_ends: the rows are not whole rows of the grid");
  const auto rows = static_cast<int64_t>(mask_rows.size()) / width;
  if (row0 < 0 || row0 + rows > std::numeric_limits<int32_t>::max())
    throw std::invalid_argument("column_ends: rows beyond the transform's range");
  ColumnEnds ends{row0, rows, std::vector<int32_t>(static_cast<size_t>(width), kNone),
                  std::vector<int32_t>(static_cast<size_t>(width), kNone)};
  for (int64_t k = 0; k < rows; ++k) {
    const uint8_t* m = mask_rows.data() + k * width;
    const auto row = static_cast<int32_t>(row0 + k);
    for (int64_t c = 0; c < width; ++c) {
      int32_t& first = ends.first[static_cast<size_t>(c)];
      first = m[c] && first == kNone ? row : first;
      ends.last[static_cast<size_t>(c)] = m[c] ? row : ends.last[static_cast<size_t>(c)];
    }
  }
  return ends;
}

bool has_feature(const ColumnEnds& ends) {
  return std::any_of(ends.first.begin(), ends.first.end(), [](int32_t row) { return row != kNone; });
}

namespace {

// Both passes for the rows [row0, row0 + rows) (the whole grid, with no rows beyond), through a
// table of those rows' nearest feature rows of type T.
template <class T>
void band_transform(std::span<const uint8_t> mask_rows, const GridFrame& frame, const std::vector<double>& y,
                    int64_t row0, int64_t rows, const int32_t* above, const int32_t* below, std::span<float> distance,
                    std::span<int64_t> nearest) {
  const int64_t width = frame.width;
  UninitialisedVector<T> table(static_cast<size_t>(rows * width));
  nearest_row_in_column(mask_rows, width, row0, rows, above, below, y, !frame.geographic, table.data());
  kernels::parallel_for(tbb::blocked_range<int64_t>(0, rows, 16), [&](const tbb::blocked_range<int64_t>& band) {
    RowEnvelope envelope;
    if (!frame.geographic) envelope.uniform_dy = frame.cell_height() * frame.linear_unit;
    for (int64_t k = band.begin(); k != band.end(); ++k) {
      const int64_t r = row0 + k;
      const double dx = frame.cell_width() * frame.scale_at_row(r).x;
      int64_t* idx = nearest.empty() ? nullptr : nearest.data() + k * width;
      envelope.solve(table.data() + k * width, y, r, width, dx, distance.data() + k * width, idx);
    }
  });
}

void checked_transform(std::span<const uint8_t> mask_rows, const GridFrame& frame, const std::vector<double>& y,
                       int64_t row0, int64_t rows, const int32_t* above, const int32_t* below,
                       std::span<float> distance, std::span<int64_t> nearest) {
  const auto cells = static_cast<size_t>(rows * frame.width);
  if (mask_rows.size() != cells || distance.size() != cells || (!nearest.empty() && nearest.size() != cells))
    throw std::invalid_argument("distance transform: buffer sizes do not match the rows");
  // 16-bit rows when every row fits (fewer than 32767 rows): half the memory, and half the
  // page faults of first touching it; 32-bit otherwise.
  if (frame.height < std::numeric_limits<int16_t>::max())
    band_transform<int16_t>(mask_rows, frame, y, row0, rows, above, below, distance, nearest);
  else
    band_transform<int32_t>(mask_rows, frame, y, row0, rows, above, below, distance, nearest);
}

void check_frame(const GridFrame& frame) {
  if (frame.height > std::numeric_limits<int32_t>::max()) throw std::invalid_argument("distance transform: too many rows");
  if (const std::string why = distance_frame_problem(frame); !why.empty())
    throw std::invalid_argument("distance transform: " + why);
}

}  // namespace

std::string distance_frame_problem(const GridFrame& frame) {
  if (frame.geographic) return "";  // degrees, measured in metres by the ellipsoid: bounded
  for (const auto& [cell, cells] : {std::pair{frame.cell_width(), frame.width}, {frame.cell_height(), frame.height}}) {
    const double across = std::abs(cell) * static_cast<double>(cells);
    if (!(cell * cell >= std::numeric_limits<double>::min()) || !(across <= std::numeric_limits<float>::max())) {
      char size[32];
      std::snprintf(size, sizeof size, "%.6g", std::abs(cell));
      return std::string("cells of ") + size +
             " units are outside what distances can hold (a distance across the grid within float32's 3.4e38, a "
             "cell's squared size above 1e-308)";
    }
  }
  return "";
}

BandedDistanceTransform::BandedDistanceTransform(const GridFrame& frame, std::vector<ColumnEnds> bands)
    : frame_(frame) {
  check_frame(frame);
  const auto n = static_cast<size_t>(frame.width);
  int64_t next_row = 0;
  for (const ColumnEnds& b : bands) {
    if (b.row0 != next_row || b.rows <= 0 || b.first.size() != n || b.last.size() != n)
      throw std::invalid_argument("BandedDistanceTransform: the bands do not tile the grid's rows in order");
    next_row = b.row0 + b.rows;
    band_row0_.push_back(b.row0);
  }
  if (next_row != frame.height)
    throw std::invalid_argument("BandedDistanceTransform: the bands do not tile the grid's rows in order");
  above_.assign(bands.size(), std::vector<int32_t>(n, kNone));
  below_.assign(bands.size(), std::vector<int32_t>(n, kNone));
  for (size_t b = 1; b < bands.size(); ++b)  // the last feature of the bands above, nearest first
    for (size_t c = 0; c < n; ++c) {
      const int32_t last = bands[b - 1].last[c];
      above_[b][c] = last != kNone ? last : above_[b - 1][c];
    }
  for (size_t b = bands.size(); b-- > 1;)  // the first feature of the bands below, nearest first
    for (size_t c = 0; c < n; ++c) {
      const int32_t first = bands[b].first[c];
      below_[b - 1][c] = first != kNone ? first : below_[b][c];
    }
  row_y_ = row_positions(frame);  // once: O(rows) with a metric call a row on a geographic grid
}

void BandedDistanceTransform::distance_for_band(std::span<const uint8_t> mask_rows, int64_t row0, int64_t rows,
                                                std::span<float> distance, std::span<int64_t> nearest) const {
  const auto at = std::lower_bound(band_row0_.begin(), band_row0_.end(), row0);
  const auto b = static_cast<size_t>(at - band_row0_.begin());
  const int64_t band_end = b + 1 < band_row0_.size() ? band_row0_[b + 1] : frame_.height;
  if (at == band_row0_.end() || *at != row0 || band_end - row0 != rows)
    throw std::invalid_argument("BandedDistanceTransform: rows " + std::to_string(row0) + " to " +
                                std::to_string(row0 + rows) + " are not one of the bands it was given");
  checked_transform(mask_rows, frame_, row_y_, row0, rows, above_[b].data(), below_[b].data(), distance, nearest);
}

void euclidean_distance_transform(std::span<const uint8_t> is_feature, const GridFrame& frame, std::span<float> distance,
                                  std::span<int64_t> nearest) {
  check_frame(frame);
  if (is_feature.size() != static_cast<size_t>(frame.width * frame.height))
    throw std::invalid_argument("euclidean_distance_transform: mask size does not match the grid");
  checked_transform(is_feature, frame, row_positions(frame), 0, frame.height, nullptr, nullptr, distance, nearest);
}

}  // namespace minerisk::kernels
