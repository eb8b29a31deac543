#include "minerisk/kernels/slope.hpp"

#include <algorithm>
#include <cmath>
#include <numbers>
#include <stdexcept>

namespace minerisk::kernels {
namespace {

// The 3 x 3 window around one cell, with gdaldem's rules for cells past the grid's edge.
class WindowReader {
 public:
  WindowReader(std::span<const float> dem, const Window& w, const GridFrame& f)
      : dem_(dem), w_(w), stride_(w.width + 2), rows_(f.height), cols_(f.width) {}

  // Elevation at global (row, col), which must lie inside the grid and the buffer.
  double at(int64_t row, int64_t col) const {
    return dem_[static_cast<size_t>((row - w_.row0 + 1) * stride_ + (col - w_.col0 + 1))];
  }
  bool inside(int64_t row, int64_t col) const { return row >= 0 && col >= 0 && row < rows_ && col < cols_; }

  static double extrapolate(double a, double b) { return (std::isnan(a) || std::isnan(b)) ? NAN : 2.0 * a - b; }

  // Value used for neighbour (row + dr, col + dc) of centre (row, col) under `extrapolate`.
  double neighbour(int64_t row, int64_t col, int dr, int dc) const {
    const int64_t r = row + dr, c = col + dc;
    if (inside(r, c)) return at(r, c);
    if (rows_ < 2 || cols_ < 2) {
      // Too small to extrapolate: repeat the nearest cell, so a one-row grid still gets the
      // full gradient along its row.
      return at(std::clamp<int64_t>(r, 0, rows_ - 1), std::clamp<int64_t>(c, 0, cols_ - 1));
    }
    const bool edge_row = row == 0 || row == rows_ - 1;
    const bool col_out = c < 0 || c >= cols_;
    if (r >= 0 && r < rows_) {
      // Only the column is outside.
      if (edge_row) return at(r, col);
      const int64_t near = c < 0 ? 0 : cols_ - 1, next = c < 0 ? 1 : cols_ - 2;
      return extrapolate(at(r, near), at(r, next));
    }
    // The row is outside (so the centre is on the first or last row).
    const int64_t cc = col_out ? col : c;
    const int64_t near = r < 0 ? 0 : rows_ - 1, next = r < 0 ? 1 : rows_ - 2;
    return extrapolate(at(near, cc), at(next, cc));
  }

 private:
  std::span<const float> dem_;
  Window w_;
  int64_t stride_, rows_, cols_;
};

}  // namespace

void slope_horn_degrees(std::span<const float> dem, const Window& w, const GridFrame& frame, std::span<float> out,
                        EdgeMode edges) {
  const int64_t in_width = w.width + 2;
  if (static_cast<int64_t>(dem.size()) != in_width * (w.height + 2) ||
      static_cast<int64_t>(out.size()) != w.cells())
    throw std::invalid_argument("slope_horn_degrees: buffer sizes do not match the window");
  const double to_degrees = 180.0 / std::numbers::pi;
  const WindowReader reader(dem, w, frame);
  double z[9];
  for (int64_t r = 0; r < w.height; ++r) {
    const int64_t row = w.row0 + r;
    const MetricScale scale = frame.scale_at_row(row);
    const double inv_8dx = 1.0 / (8.0 * frame.cell_width() * scale.x);
    const double inv_8dy = 1.0 / (8.0 * frame.cell_height() * scale.y);
    const bool interior_row = row > 0 && row < frame.height - 1;
    for (int64_t c = 0; c < w.width; ++c) {
      const int64_t col = w.col0 + c;
      float& dst = out[static_cast<size_t>(r * w.width + c)];
      const double e = reader.at(row, col);
      if (std::isnan(e)) {
        dst = NAN;
        continue;
      }
      const bool interior = interior_row && col > 0 && col < frame.width - 1;
      if (!interior && edges == EdgeMode::nodata) {
        dst = NAN;
        continue;
      }
      for (int dr = -1, k = 0; dr <= 1; ++dr)
        for (int dc = -1; dc <= 1; ++dc, ++k) {
          const double v = interior ? reader.at(row + dr, col + dc) : reader.neighbour(row, col, dr, dc);
          z[k] = std::isnan(v) ? e : v;
        }
      const double dzdx = ((z[2] + 2 * z[5] + z[8]) - (z[0] + 2 * z[3] + z[6])) * inv_8dx;
      const double dzdy = ((z[6] + 2 * z[7] + z[8]) - (z[0] + 2 * z[1] + z[2])) * inv_8dy;
      dst = static_cast<float>(std::atan(std::sqrt(dzdx * dzdx + dzdy * dzdy)) * to_degrees);
    }
  }
}

}  // namespace minerisk::kernels
