#include "minerisk/kernels/terrain.hpp"

#include <algorithm>
#include <cmath>
#include <numbers>
#include <stdexcept>

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
        const double d = z[k] - z[4];
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
    for (int64_t c = 0; c < w.width; ++c) {
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
