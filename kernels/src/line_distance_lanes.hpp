#pragma once
// The innermost loop of line_distance_metres (private to the kernel): one row of a leaf, all
// its kLanes cells at once, against the leaf's candidate segments.
//
// The cells are the lanes of GCC/Clang vector types, so the nearest segment so far, its
// squared distance and the position along it stay in registers across the candidates (plain
// arrays were vectorised too, but through masked stores behind data-dependent branches). Each
// lane does exactly the scalar arithmetic of one cell against one segment: the same IEEE
// operations in the same order, no contraction (the build sets -ffp-contract=off), so every
// distance has the bits the per-cell loop gave.
#include <cmath>
#include <cstdint>
#include <cstring>

#include "line_distance_prune.hpp"

namespace minerisk::kernels::detail {

// One native vector of doubles (and of 64-bit lane masks): wider types would be split by the
// compiler, which then compares and selects lane by lane.
#if defined(__AVX512F__)
constexpr int64_t kWidth = 8;
#elif defined(__AVX__)
constexpr int64_t kWidth = 4;
#else
constexpr int64_t kWidth = 2;
#endif
constexpr int64_t kParts = kLanes / kWidth;  // vectors in a leaf row
static_assert(kLanes % kWidth == 0);

using Vec = double __attribute__((vector_size(kWidth * sizeof(double))));
using Mask = int64_t __attribute__((vector_size(kWidth * sizeof(int64_t))));

// x in every lane (x - 0 is x for every double, -0 and NaN included; a lane-by-lane fill
// compiles to a chain of masked moves).
inline Vec splat(double x) { return x - Vec{}; }
inline Mask splat_index(int64_t x) { return x + Mask{}; }

// m ? a : b, lane by lane (a comparison's lanes are all ones or all zeros): a blend.
inline Vec select(const Mask& m, const Vec& a, const Vec& b) { return m ? a : b; }
inline Mask select(const Mask& m, const Mask& a, const Mask& b) { return m ? a : b; }

// The nearest candidate so far for each cell of one leaf row.
struct RowNearest {
  Vec best[kParts];    // squared metres (the cap's square until a candidate is nearer)
  Vec t[kParts];       // position of the nearest point along the nearest candidate, in [0, 1]
  Mask index[kParts];  // that candidate, -1 for none

  explicit RowNearest(double best2) {
    for (int64_t p = 0; p < kParts; ++p) best[p] = splat(best2), t[p] = splat(0.0), index[p] = splat_index(-1);
  }

  // Candidate `j`, (x0, y0)-(x1, y1) in CRS units, against the centres `px` of row y = py,
  // with CRS units scaled by (sx, sy). A candidate replaces the nearest only when strictly
  // nearer: taken in input order, the first of equally near segments wins (it decides the sign).
  void take(int64_t j, double x0, double y0, double x1, double y1, const Vec* px, double py, double sx, double sy) {
    const double ay = (y0 - py) * sy;
    const double dx = (x1 - x0) * sx, dy = (y1 - y0) * sy;
    const double len2 = dx * dx + dy * dy;
    if (len2 > 0) {
      const double ay_dy = ay * dy;
      for (int64_t p = 0; p < kParts; ++p) {
        const Vec ax = (splat(x0) - px[p]) * splat(sx);
        // t = clamp(-(a . d) / |d|^2, 0, 1) with std::clamp's comparisons (a NaN stays NaN).
        const Vec q = -(ax * splat(dx) + splat(ay_dy)) / splat(len2);
        const Vec above = select(q < splat(0.0), splat(0.0), q);
        const Vec tc = select(splat(1.0) < above, splat(1.0), above);
        const Vec qx = ax + tc * splat(dx), qy = splat(ay) + tc * splat(dy);
        keep(p, qx * qx + qy * qy, tc, j);
      }
      return;
    }
    // A zero-length (or broken) segment: t = 0, with the products the general case writes.
    const double qx_t = 0.0 * dx, qy = ay + 0.0 * dy;
    for (int64_t p = 0; p < kParts; ++p) {
      const Vec qx = (splat(x0) - px[p]) * splat(sx) + splat(qx_t);
      keep(p, qx * qx + splat(qy * qy), splat(0.0), j);
    }
  }

 private:
  void keep(int64_t p, const Vec& d2, const Vec& tc, int64_t j) {
    const Mask nearer = d2 < best[p];
    best[p] = select(nearer, d2, best[p]);
    t[p] = select(nearer, tc, t[p]);
    index[p] = select(nearer, splat_index(j), index[p]);
  }
};

}  // namespace minerisk::kernels::detail
