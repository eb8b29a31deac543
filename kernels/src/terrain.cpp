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

// Horn's differences of a 3 x 3 window whose rows start at `above`, `centre` and `below`:
// east minus west and south minus north, each weighted 1-2-1. The sums are taken in float, in
// gdaldem's order, so the results agree with gdaldem to rounding even where the gradient is tiny
// and the aspect ill-conditioned.
struct HornSums {
  float east_west, south_north;
};
inline HornSums horn(const float* above, const float* centre, const float* below) {
  return {(above[2] + centre[2] + centre[2] + below[2]) - (above[0] + centre[0] + centre[0] + below[0]),
          (below[0] + below[1] + below[1] + below[2]) - (above[0] + above[1] + above[1] + above[2])};
}

// What is computed from the window: a terrain measure, or the hillshade.
enum class Kind { slope_degrees, slope_percent, aspect, ruggedness, hillshade };

Kind kind_of(TerrainMeasure m) {
  switch (m) {
    case TerrainMeasure::slope_degrees: return Kind::slope_degrees;
    case TerrainMeasure::slope_percent: return Kind::slope_percent;
    case TerrainMeasure::aspect: return Kind::aspect;
    case TerrainMeasure::ruggedness: return Kind::ruggedness;
  }
  throw std::invalid_argument("terrain: unknown measure");
}

// The measure from a window, in double after the elevation sums as gdaldem does.
struct Evaluator {
  Kind kind;
  TerrainOptions options;
  double inv_8dx = 1, inv_8dy = 1;  // per row: 1 / (8 * cell size in metres)
  // The hillshade's light: sin(altitude), and cos(altitude) times z_factor times the cosine and
  // the sine of the azimuth.
  double sin_altitude = 0, light_north = 0, light_east = 0, z_factor = 1;

  // The cosine of the angle between the light and the normal of the surface whose elevation
  // rises by dzdx per metre eastwards and dzdy per metre southwards, 0 in the cell's shadow.
  double shade(double dzdx, double dzdy) const {
    const double east = z_factor * dzdx, south = z_factor * dzdy;
    // The normal (-east, south, 1) dotted with the light (sin az, cos az, tan alt) * cos alt.
    const double lit = (sin_altitude + south * light_north - east * light_east) / std::sqrt(1.0 + east * east + south * south);
    return lit > 0 ? lit : 0.0;
  }

  // The value from a full window z[0..8] (row-major, z[4] the centre).
  float operator()(const float* z) const {
    if (kind == Kind::ruggedness) {
      double sum = 0;
      for (int k = 0; k < 9; ++k) {
        const double d = z[k] - z[4];  // the difference in float, as gdaldem and the fast path
        sum += d * d;
      }
      return static_cast<float>(std::sqrt(sum));
    }
    const HornSums h = horn(z, z + 3, z + 6);
    const double dzdx = h.east_west * inv_8dx;  // elevation per metre, eastwards
    const double dzdy = h.south_north * inv_8dy;  // and southwards
    switch (kind) {
      case Kind::slope_degrees: return static_cast<float>(std::atan(std::sqrt(dzdx * dzdx + dzdy * dzdy)) * kDegrees);
      case Kind::slope_percent: return static_cast<float>(100.0 * std::sqrt(dzdx * dzdx + dzdy * dzdy));
      case Kind::hillshade: return static_cast<float>(shade(dzdx, dzdy));
      case Kind::aspect: {
        if (h.east_west == 0 && h.south_north == 0) return options.zero_for_flat ? 0.0f : NAN;
        // Counter-clockwise from east, of the downhill direction.
        float a = static_cast<float>(std::atan2(dzdy, -dzdx) * kDegrees);
        if (options.trigonometric) {
          if (a < 0) a += 360.0f;
        } else {
          a = a > 90.0f ? 450.0f - a : 90.0f - a;  // clockwise from north
        }
        return a == 360.0f ? 0.0f : a;
      }
      case Kind::ruggedness: break;
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
  switch (eval.kind) {
    case Kind::slope_degrees:
    case Kind::slope_percent: {
      const bool degrees = eval.kind == Kind::slope_degrees;
      for (int64_t c = c0; c < c1; ++c) {
        const HornSums h = horn(above + c, centre + c, below + c);
        const double dzdx = h.east_west * eval.inv_8dx, dzdy = h.south_north * eval.inv_8dy;
        const double rise = std::sqrt(dzdx * dzdx + dzdy * dzdy);
        dst[c] = static_cast<float>(degrees ? detail::atan_nonnegative(rise) * kDegrees : 100.0 * rise);
      }
      return;
    }
    case Kind::hillshade:
      for (int64_t c = c0; c < c1; ++c) {
        const HornSums h = horn(above + c, centre + c, below + c);
        dst[c] = static_cast<float>(eval.shade(h.east_west * eval.inv_8dx, h.south_north * eval.inv_8dy));
      }
      return;
    case Kind::ruggedness:
      for (int64_t c = c0; c < c1; ++c) {
        // Differences in float (as gdaldem, and as the general path), squares summed in double.
        const float e = centre[c + 1];
        const double d0 = above[c] - e, d1 = above[c + 1] - e, d2 = above[c + 2] - e, d3 = centre[c] - e;
        const double d5 = centre[c + 2] - e, d6 = below[c] - e, d7 = below[c + 1] - e, d8 = below[c + 2] - e;
        dst[c] = static_cast<float>(std::sqrt(d0 * d0 + d1 * d1 + d2 * d2 + d3 * d3 + d5 * d5 + d6 * d6 + d7 * d7 + d8 * d8));
      }
      return;
    case Kind::aspect: {
      float z[9];
      for (int64_t c = c0; c < c1; ++c) {
        for (int k = 0; k < 3; ++k) z[k] = above[c + k], z[3 + k] = centre[c + k], z[6 + k] = below[c + k];
        dst[c] = eval(z);
      }
      return;
    }
  }
}

// The evaluator's value for each cell of window `w`, with the edge rules of `edges`.
void over_window(std::span<const float> dem, const Window& w, const GridFrame& frame, std::span<float> out,
                 Evaluator eval, EdgeMode edges) {
  const int64_t in_width = w.width + 2;
  if (static_cast<int64_t>(dem.size()) != in_width * (w.height + 2) || static_cast<int64_t>(out.size()) != w.cells())
    throw std::invalid_argument("terrain: buffer sizes do not match the window");
  const WindowReader reader(dem, w, frame);
  const bool nodata_mode = edges == EdgeMode::nodata;
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

}  // namespace

void terrain(std::span<const float> dem, const Window& w, const GridFrame& frame, std::span<float> out,
             TerrainMeasure measure, const TerrainOptions& options) {
  over_window(dem, w, frame, out, Evaluator{kind_of(measure), options}, options.edges);
}

void hillshade(std::span<const float> dem, const Window& w, const GridFrame& frame, std::span<float> out,
               const HillshadeOptions& options, EdgeMode edges) {
  if (!(options.altitude >= 0 && options.altitude <= 90) || !std::isfinite(options.azimuth) ||
      !std::isfinite(options.z_factor))
    throw std::invalid_argument("hillshade: the altitude must be 0 to 90 degrees, the azimuth and z factor finite");
  Evaluator eval{Kind::hillshade, {}};
  const double altitude = options.altitude / kDegrees, azimuth = options.azimuth / kDegrees;
  eval.sin_altitude = std::sin(altitude);
  eval.light_north = std::cos(altitude) * std::cos(azimuth);
  eval.light_east = std::cos(altitude) * std::sin(azimuth);
  eval.z_factor = options.z_factor;
  over_window(dem, w, frame, out, eval, edges);
}

}  // namespace minerisk::kernels
