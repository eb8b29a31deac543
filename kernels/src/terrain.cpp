#include "minerisk/kernels/terrain.hpp"

#include <algorithm>
#include <cmath>
#include <numbers>
#include <stdexcept>

#include "fast_atan.hpp"

namespace minerisk::kernels {
namespace {

constexpr double kDegrees = 180.0 / std::numbers::pi;

// The 3 x 3 window around one cell, with gdaldem's rules for cells past the grid's edge.
class WindowReader {
 public:
  WindowReader(std::span<const float> dem, const Window& w, const GridFrame& f)
      : dem_(dem), w_(w), stride_(w.width + 2), rows_(f.height), cols_(f.width) {}

  // Elevation at global (row, col), which must lie inside the buffer.
  float at(int64_t row, int64_t col) const {
    return dem_[static_cast<size_t>((row - w_.row0 + 1) * stride_ + (col - w_.col0 + 1))];
  }
  bool inside(int64_t row, int64_t col) const { return row >= 0 && col >= 0 && row < rows_ && col < cols_; }
  static float extrapolate(float a, float b) { return (std::isnan(a) || std::isnan(b)) ? NAN : 2.0f * a - b; }

  // Value of neighbour (row + dr, col + dc) of the centre (row, col) under EdgeMode::extrapolate.
  float neighbour(int64_t row, int64_t col, int dr, int dc) const {
    const int64_t r = row + dr, c = col + dc;
    if (inside(r, c)) return at(r, c);
    if (rows_ < 2 || cols_ < 2) return at(std::clamp<int64_t>(r, 0, rows_ - 1), std::clamp<int64_t>(c, 0, cols_ - 1));
    const bool edge_row = row == 0 || row == rows_ - 1;
    if (r >= 0 && r < rows_) {  // only the column is past the edge
      if (edge_row) return at(r, col);
      const int64_t near = c < 0 ? 0 : cols_ - 1, next = c < 0 ? 1 : cols_ - 2;
      return extrapolate(at(r, near), at(r, next));
    }
    const int64_t cc = (c < 0 || c >= cols_) ? col : c;  // the row is past the edge
    const int64_t near = r < 0 ? 0 : rows_ - 1, next = r < 0 ? 1 : rows_ - 2;
    return extrapolate(at(near, cc), at(next, cc));
  }

 private:
  std::span<const float> dem_;
  Window w_;
  int64_t stride_, rows_, cols_;
};

// The measure from a full window z[0..8] (row-major, z[4] the centre). The elevation sums are
// taken in float, in gdaldem's order, and the rest in double as gdaldem does: the results then
// agree with gdaldem to rounding even where the gradient is tiny and the aspect ill-conditioned.
struct Evaluator {
  TerrainMeasure measure;
  TerrainOptions options;
  double inv_8dx = 1, inv_8dy = 1;

  float operator()(const float* z) const {
    if (measure == TerrainMeasure::ruggedness) {
      double sum = 0;
      for (int k = 0; k < 9; ++k) {
        const double d = z[k] - z[4];  // the difference in float, as gdaldem and the fast path
        sum += d * d;
      }
      return static_cast<float>(std::sqrt(sum));
    }
    // Horn: east-minus-west and south-minus-north differences, in elevation per metre.
    const float east_west = (z[2] + z[5] + z[5] + z[8]) - (z[0] + z[3] + z[3] + z[6]);
    const float south_north = (z[6] + z[7] + z[7] + z[8]) - (z[0] + z[1] + z[1] + z[2]);
    const double dzdx = east_west * inv_8dx;
    const double dzdy = south_north * inv_8dy;
    switch (measure) {
      case TerrainMeasure::slope_degrees: return static_cast<float>(std::atan(std::sqrt(dzdx * dzdx + dzdy * dzdy)) * kDegrees);
      case TerrainMeasure::slope_percent: return static_cast<float>(100.0 * std::sqrt(dzdx * dzdx + dzdy * dzdy));
      case TerrainMeasure::aspect: {
        if (east_west == 0 && south_north == 0) return options.zero_for_flat ? 0.0f : NAN;
        // Counter-clockwise from east, of the downhill direction.
        float a = static_cast<float>(std::atan2(dzdy, -dzdx) * kDegrees);
        if (options.trigonometric) {
          if (a < 0) a += 360.0f;
        } else {
          a = a > 90.0f ? 450.0f - a : 90.0f - a;  // clockwise from north
        }
        return a == 360.0f ? 0.0f : a;
      }
      case TerrainMeasure::ruggedness: break;
    }
    return NAN;
  }
};


bool any_nan(const float* v, int64_t n) {
  bool found = false;
  for (int64_t i = 0; i < n; ++i) found |= std::isnan(v[i]);
  return found;
}

// The common case, written so the compiler vectorises it: a row whose 3 x 3 windows all lie in
// the grid and hold no no-data. Columns [c0, c1) of the window; `above`, `centre` and `below`
// point at the halo buffer's rows, offset so that index c is the column left of cell c.
void fast_row(const Evaluator& eval, const float* above, const float* centre, const float* below, int64_t c0,
              int64_t c1, float* dst) {
  switch (eval.measure) {
    case TerrainMeasure::slope_degrees:
    case TerrainMeasure::slope_percent: {
      const bool degrees = eval.measure == TerrainMeasure::slope_degrees;
      for (int64_t c = c0; c < c1; ++c) {
        const float east_west = (above[c + 2] + centre[c + 2] + centre[c + 2] + below[c + 2]) -
                                (above[c] + centre[c] + centre[c] + below[c]);
        const float south_north = (below[c] + below[c + 1] + below[c + 1] + below[c + 2]) -
                                  (above[c] + above[c + 1] + above[c + 1] + above[c + 2]);
        const double dzdx = east_west * eval.inv_8dx, dzdy = south_north * eval.inv_8dy;
        const double rise = std::sqrt(dzdx * dzdx + dzdy * dzdy);
        dst[c] = static_cast<float>(degrees ? detail::atan_nonnegative(rise) * kDegrees : 100.0 * rise);
      }
      return;
    }
    case TerrainMeasure::ruggedness:
      for (int64_t c = c0; c < c1; ++c) {
        // Differences in float (as gdaldem, and as the general path), squares summed in double.
        const float e = centre[c + 1];
        const double d0 = above[c] - e, d1 = above[c + 1] - e, d2 = above[c + 2] - e, d3 = centre[c] - e;
        const double d5 = centre[c + 2] - e, d6 = below[c] - e, d7 = below[c + 1] - e, d8 = below[c + 2] - e;
        dst[c] = static_cast<float>(std::sqrt(d0 * d0 + d1 * d1 + d2 * d2 + d3 * d3 + d5 * d5 + d6 * d6 + d7 * d7 + d8 * d8));
      }
      return;
    case TerrainMeasure::aspect: {
      float z[9];
      for (int64_t c = c0; c < c1; ++c) {
        for (int k = 0; k < 3; ++k) z[k] = above[c + k], z[3 + k] = centre[c + k], z[6 + k] = below[c + k];
        dst[c] = eval(z);
      }
      return;
    }
  }
}

}  // namespace

void terrain(std::span<const float> dem, const Window& w, const GridFrame& frame, std::span<float> out,
             TerrainMeasure measure, const TerrainOptions& options) {
  const int64_t in_width = w.width + 2;
  if (static_cast<int64_t>(dem.size()) != in_width * (w.height + 2) || static_cast<int64_t>(out.size()) != w.cells())
    throw std::invalid_argument("terrain: buffer sizes do not match the window");
  const WindowReader reader(dem, w, frame);
  Evaluator eval{measure, options};
  const bool nodata_mode = options.edges == EdgeMode::nodata;
  float z[9];
  for (int64_t r = 0; r < w.height; ++r) {
    const int64_t row = w.row0 + r;
    const MetricScale scale = frame.scale_at_row(row);
    eval.inv_8dx = 1.0 / (8.0 * frame.cell_width() * scale.x);
    eval.inv_8dy = 1.0 / (8.0 * frame.cell_height() * scale.y);
    const bool interior_row = row > 0 && row < frame.height - 1;
    const float* above = dem.data() + r * in_width;
    const float* centre = above + in_width;
    const float* below = centre + in_width;
    float* dst = out.data() + r * w.width;
    // Window columns whose 3 x 3 window lies inside the grid.
    const int64_t fast_begin = std::max<int64_t>(0, 1 - w.col0);
    const int64_t fast_end = std::min<int64_t>(w.width, frame.width - 1 - w.col0);
    bool fast = interior_row && fast_begin < fast_end;
    if (fast) {
      const int64_t n = fast_end - fast_begin + 2;
      fast = !any_nan(above + fast_begin, n) && !any_nan(centre + fast_begin, n) && !any_nan(below + fast_begin, n);
    }
    if (fast) fast_row(eval, above, centre, below, fast_begin, fast_end, dst);
    for (int64_t c = 0; c < w.width; ++c) {
      if (fast && c == fast_begin) c = fast_end;  // already done
      if (c >= w.width) break;
      const int64_t col = w.col0 + c;
      const float e = centre[c + 1];
      if (std::isnan(e)) {
        dst[c] = NAN;
        continue;
      }
      const bool interior = interior_row && col > 0 && col < frame.width - 1;
      if (interior) {
        // The common case: all nine cells are in the grid.
        const float* rows[3] = {above + c, centre + c, below + c};
        bool gap = false;
        for (int k = 0; k < 9; ++k) {
          const float v = rows[k / 3][k % 3];
          gap |= std::isnan(v);
          z[k] = std::isnan(v) ? e : v;
        }
        dst[c] = (gap && nodata_mode) ? NAN : eval(z);
        continue;
      }
      if (nodata_mode) {
        dst[c] = NAN;
        continue;
      }
      for (int dr = -1, k = 0; dr <= 1; ++dr)
        for (int dc = -1; dc <= 1; ++dc, ++k) {
          const float v = reader.neighbour(row, col, dr, dc);
          z[k] = std::isnan(v) ? e : v;
        }
      dst[c] = eval(z);
    }
  }
}

}  // namespace minerisk::kernels
