#include "minerisk/kernels/distance_transform.hpp"

#include <tbb/blocked_range.h>
#include <tbb/parallel_for.h>

#include <cmath>
#include <limits>
#include <stdexcept>
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

// Pass 1: for each cell, the row of the nearest feature in its own column (kNone if none).
// Columns are independent; a block of adjacent columns is scanned row by row for locality.
void nearest_row_in_column(std::span<const uint8_t> mask, int64_t width, int64_t height, const std::vector<double>& y,
                           std::vector<int32_t>& nearest_row) {
  tbb::parallel_for(tbb::blocked_range<int64_t>(0, width, 256), [&](const tbb::blocked_range<int64_t>& cols) {
    const int64_t c0 = cols.begin(), n = cols.end() - cols.begin();
    std::vector<int32_t> last(static_cast<size_t>(n), kNone);
    for (int64_t r = 0; r < height; ++r) {  // downwards: the nearest feature above or here
      const uint8_t* m = mask.data() + r * width + c0;
      int32_t* out = nearest_row.data() + r * width + c0;
      for (int64_t k = 0; k < n; ++k) {
        if (m[k]) last[static_cast<size_t>(k)] = static_cast<int32_t>(r);
        out[k] = last[static_cast<size_t>(k)];
      }
    }
    std::fill(last.begin(), last.end(), kNone);
    for (int64_t r = height - 1; r >= 0; --r) {  // upwards: keep the feature below if nearer
      const uint8_t* m = mask.data() + r * width + c0;
      int32_t* out = nearest_row.data() + r * width + c0;
      for (int64_t k = 0; k < n; ++k) {
        if (m[k]) last[static_cast<size_t>(k)] = static_cast<int32_t>(r);
        const int32_t below = last[static_cast<size_t>(k)];
        if (below == kNone) continue;
        const int32_t above = out[k];
        if (above == kNone || y[static_cast<size_t>(below)] - y[static_cast<size_t>(r)] <
                                  y[static_cast<size_t>(r)] - y[static_cast<size_t>(above)])
          out[k] = below;
      }
    }
  });
}

// Pass 2 for one row: lower envelope of the parabolas g(q) + (x - x_q)^2 over the columns q
// that have a feature in their column, then evaluated at every column.
struct RowEnvelope {
  std::vector<int64_t> site;   // columns whose parabola is on the envelope
  std::vector<double> start;   // x where each starts to be lowest
  std::vector<double> g;       // squared vertical distance per column

  void solve(const int32_t* nearest_row, const std::vector<double>& y, int64_t row, int64_t width, double dx,
             float* distance, int64_t* nearest) {
    g.resize(static_cast<size_t>(width));
    site.resize(static_cast<size_t>(width));
    start.resize(static_cast<size_t>(width) + 1);
    const double yr = y[static_cast<size_t>(row)];
    for (int64_t q = 0; q < width; ++q) {
      const int32_t fr = nearest_row[q];
      const double dy = fr == kNone ? kInf : yr - y[static_cast<size_t>(fr)];
      g[static_cast<size_t>(q)] = dy * dy;
    }
    int64_t k = -1;
    for (int64_t q = 0; q < width; ++q) {
      const double gq = g[static_cast<size_t>(q)];
      if (gq == kInf) continue;
      const double xq = static_cast<double>(q) * dx;
      double s = -kInf;
      while (k >= 0) {
        const int64_t v = site[static_cast<size_t>(k)];
        const double xv = static_cast<double>(v) * dx;
        // Where the parabolas of v and q cross.
        s = ((gq + xq * xq) - (g[static_cast<size_t>(v)] + xv * xv)) / (2.0 * (xq - xv));
        if (s > start[static_cast<size_t>(k)]) break;
        --k;
      }
      ++k;
      site[static_cast<size_t>(k)] = q;
      start[static_cast<size_t>(k)] = k == 0 ? -kInf : s;
    }
    const int64_t count = k + 1;
    int64_t j = 0;
    for (int64_t q = 0; q < width; ++q) {
      if (count == 0) {
        distance[q] = std::numeric_limits<float>::infinity();
        if (nearest) nearest[q] = -1;
        continue;
      }
      const double x = static_cast<double>(q) * dx;
      while (j + 1 < count && start[static_cast<size_t>(j + 1)] <= x) ++j;
      const int64_t v = site[static_cast<size_t>(j)];
      const double ddx = x - static_cast<double>(v) * dx;
      distance[q] = static_cast<float>(std::sqrt(ddx * ddx + g[static_cast<size_t>(v)]));
      if (nearest) nearest[q] = static_cast<int64_t>(nearest_row[v]) * width + v;
    }
  }
};

}  // namespace

std::vector<int32_t> nearest_feature_rows(std::span<const uint8_t> is_feature, const GridFrame& frame) {
  const auto cells = static_cast<size_t>(frame.width * frame.height);
  if (is_feature.size() != cells) throw std::invalid_argument("nearest_feature_rows: mask size does not match the grid");
  if (frame.height > std::numeric_limits<int32_t>::max()) throw std::invalid_argument("nearest_feature_rows: too many rows");
  std::vector<int32_t> nearest_row(cells);
  nearest_row_in_column(is_feature, frame.width, frame.height, row_positions(frame), nearest_row);
  return nearest_row;
}

void distance_for_rows(std::span<const int32_t> nearest_rows, const GridFrame& frame, int64_t row0, int64_t rows,
                       std::span<float> distance, std::span<int64_t> nearest) {
  const int64_t width = frame.width;
  const auto cells = static_cast<size_t>(rows * width);
  if (nearest_rows.size() != static_cast<size_t>(width * frame.height) || distance.size() != cells ||
      (!nearest.empty() && nearest.size() != cells) || row0 < 0 || row0 + rows > frame.height)
    throw std::invalid_argument("distance_for_rows: buffer sizes do not match the rows");
  const std::vector<double> y = row_positions(frame);
  tbb::parallel_for(tbb::blocked_range<int64_t>(0, rows, 16), [&](const tbb::blocked_range<int64_t>& band) {
    RowEnvelope envelope;
    for (int64_t k = band.begin(); k != band.end(); ++k) {
      const int64_t r = row0 + k;
      const double dx = frame.cell_width() * frame.scale_at_row(r).x;
      envelope.solve(nearest_rows.data() + r * width, y, r, width, dx, distance.data() + k * width,
                     nearest.empty() ? nullptr : nearest.data() + k * width);
    }
  });
}

void euclidean_distance_transform(std::span<const uint8_t> is_feature, const GridFrame& frame, std::span<float> distance,
                                  std::span<int64_t> nearest) {
  const std::vector<int32_t> rows = nearest_feature_rows(is_feature, frame);
  distance_for_rows(rows, frame, 0, frame.height, distance, nearest);
}

}  // namespace minerisk::kernels
