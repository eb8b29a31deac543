#pragma once
// Branch-free exp, log and log1p in double precision that the compiler can vectorise (glibc's
// are scalar calls unless the whole program is built with -ffast-math). Accurate to a few units
// in the last place of a double (tested against the C library), so float results computed from
// them match those from std:: functions. Special values follow the C library: NaN stays NaN,
// exp(-inf) = 0, exp of a large argument = inf, log(0) = -inf, log of a negative number = NaN.
#include <bit>
#include <cmath>
#include <cstdint>
#include <limits>

namespace minerisk::kernels::fast {

inline double exp(double x) {
  constexpr double kLog2e = 1.4426950408889634074;
  constexpr double kLn2Hi = 6.93147180369123816490e-01, kLn2Lo = 1.90821492927058770002e-10;
  // Clamp so the scaling below stays in range (NaN too: its conversion to an integer would be
  // undefined); the ends and NaN are then fixed by the selects.
  const double xc = x >= -745.2 ? (x <= 709.8 ? x : 709.8) : -745.2;
  const double n = std::nearbyint(xc * kLog2e);
  const double r = (xc - n * kLn2Hi) - n * kLn2Lo;  // |r| <= ln2 / 2
  // exp(r) by its Taylor series to r^13 / 13! (1.6e-17 relative at |r| = ln2 / 2).
  double p = 1.0 / 6227020800.0;
  p = 1.0 / 479001600.0 + r * p;
  p = 1.0 / 39916800.0 + r * p;
  p = 1.0 / 3628800.0 + r * p;
  p = 1.0 / 362880.0 + r * p;
  p = 1.0 / 40320.0 + r * p;
  p = 1.0 / 5040.0 + r * p;
  p = 1.0 / 720.0 + r * p;
  p = 1.0 / 120.0 + r * p;
  p = 1.0 / 24.0 + r * p;
  p = 1.0 / 6.0 + r * p;
  p = 0.5 + r * p;
  p = 1.0 + r * p;
  p = 1.0 + r * p;
  // 2^n in two halves, so that n down to -1075 (subnormal results) stays representable.
  const auto k = static_cast<int64_t>(n);
  const int64_t k1 = k / 2, k2 = k - k1;
  const double s1 = std::bit_cast<double>((k1 + 1023) << 52), s2 = std::bit_cast<double>((k2 + 1023) << 52);
  double y = p * s1 * s2;
  y = x < -745.2 ? 0.0 : y;
  y = x > 709.8 ? std::numeric_limits<double>::infinity() : y;
  return x != x ? x : y;
}

inline double log(double x) {
  constexpr double kLn2Hi = 6.93147180369123816490e-01, kLn2Lo = 1.90821492927058770002e-10;
  constexpr double kSqrtHalf = 0.70710678118654752440;
  // Normal numbers only; subnormals are scaled up first (by 2^54).
  const bool tiny = x < 2.2250738585072014e-308;
  const double xs = tiny ? x * 18014398509481984.0 : x;
  const auto bits = std::bit_cast<int64_t>(xs);
  int64_t e = ((bits >> 52) & 0x7ff) - 1023;
  double m = std::bit_cast<double>((bits & 0x000fffffffffffffLL) | 0x3ff0000000000000LL);  // [1, 2)
  const bool high = m > 2.0 * kSqrtHalf;
  m = high ? 0.5 * m : m;  // [sqrt(1/2), sqrt(2))
  e = high ? e + 1 : e;
  const double ed = static_cast<double>(e) - (tiny ? 54.0 : 0.0);
  // log(m) = 2 atanh(s), s = (m - 1) / (m + 1), |s| <= 0.1716: odd series to s^23.
  const double s = (m - 1.0) / (m + 1.0), s2 = s * s;
  double q = 1.0 / 23.0;
  q = 1.0 / 21.0 + s2 * q;
  q = 1.0 / 19.0 + s2 * q;
  q = 1.0 / 17.0 + s2 * q;
  q = 1.0 / 15.0 + s2 * q;
  q = 1.0 / 13.0 + s2 * q;
  q = 1.0 / 11.0 + s2 * q;
  q = 1.0 / 9.0 + s2 * q;
  q = 1.0 / 7.0 + s2 * q;
  q = 1.0 / 5.0 + s2 * q;
  q = 1.0 / 3.0 + s2 * q;
  const double log_m = 2.0 * s + 2.0 * s * s2 * q;
  double y = ed * kLn2Hi + (log_m + ed * kLn2Lo);
  y = x == 0.0 ? -std::numeric_limits<double>::infinity() : y;
  y = x < 0.0 ? std::numeric_limits<double>::quiet_NaN() : y;
  y = x == std::numeric_limits<double>::infinity() ? x : y;
  return x != x ? x : y;
}

inline double log1p(double x) {
  // log(1 + x) with the rounding of 1 + x corrected: log(u) + (x - (u - 1)) / u. Written as
  // separate selects (no ||, no division by zero) so that it vectorises.
  const double u = 1.0 + x;
  const double safe_u = u == 0.0 ? 1.0 : u;
  double correction = (x - (u - 1.0)) / safe_u;
  correction = u == 0.0 ? 0.0 : correction;
  double y = fast::log(u) + correction;
  y = u == 1.0 ? x : y;
  return u == std::numeric_limits<double>::infinity() ? u : y;
}

/// 1 / (1 + exp(-x)); exp is only taken of a non-positive number, so it never overflows.
inline double logistic(double x) {
  const double e = fast::exp(-std::abs(x));
  return x >= 0 ? 1.0 / (1.0 + e) : e / (1.0 + e);
}

// Single-precision versions, twice as many lanes per vector; accurate to about one unit in the
// last place of a float (tested), for results that are stored as float anyway.

inline float expf(float x) {
  constexpr float kLog2e = 1.44269504f, kLn2Hi = 0.693359375f, kLn2Lo = -2.12194440e-4f;
  const float xc = x >= -103.0f ? (x <= 88.7f ? x : 88.7f) : -103.0f;  // NaN too, as in exp
  const float n = std::nearbyint(xc * kLog2e);
  const float r = (xc - n * kLn2Hi) - n * kLn2Lo;
  float p = 1.0f / 5040.0f;  // Taylor to r^7 / 7!
  p = 1.0f / 720.0f + r * p;
  p = 1.0f / 120.0f + r * p;
  p = 1.0f / 24.0f + r * p;
  p = 1.0f / 6.0f + r * p;
  p = 0.5f + r * p;
  p = 1.0f + r * p;
  p = 1.0f + r * p;
  const auto k = static_cast<int32_t>(n);
  const int32_t k1 = k / 2, k2 = k - k1;
  float y = p * std::bit_cast<float>((k1 + 127) << 23) * std::bit_cast<float>((k2 + 127) << 23);
  y = x < -103.0f ? 0.0f : y;
  y = x > 88.7f ? std::numeric_limits<float>::infinity() : y;
  return x != x ? x : y;
}

inline float logf(float x) {
  constexpr float kLn2Hi = 0.693359375f, kLn2Lo = -2.12194440e-4f, kSqrt2 = 1.41421356f;
  const bool tiny = x < 1.17549435e-38f;
  const float xs = tiny ? x * 16777216.0f : x;  // subnormals scaled by 2^24
  const auto bits = std::bit_cast<int32_t>(xs);
  int32_t e = ((bits >> 23) & 0xff) - 127;
  float m = std::bit_cast<float>((bits & 0x007fffff) | 0x3f800000);  // [1, 2)
  const bool high = m > kSqrt2;
  m = high ? 0.5f * m : m;
  e = high ? e + 1 : e;
  const float ef = static_cast<float>(e) - (tiny ? 24.0f : 0.0f);
  const float s = (m - 1.0f) / (m + 1.0f), s2 = s * s;
  float q = 1.0f / 11.0f;
  q = 1.0f / 9.0f + s2 * q;
  q = 1.0f / 7.0f + s2 * q;
  q = 1.0f / 5.0f + s2 * q;
  q = 1.0f / 3.0f + s2 * q;
  const float log_m = 2.0f * s + 2.0f * s * s2 * q;
  float y = ef * kLn2Hi + (log_m + ef * kLn2Lo);
  y = x == 0.0f ? -std::numeric_limits<float>::infinity() : y;
  y = x < 0.0f ? std::numeric_limits<float>::quiet_NaN() : y;
  y = x == std::numeric_limits<float>::infinity() ? x : y;
  return x != x ? x : y;
}

inline float log1pf(float x) {
  const float u = 1.0f + x;
  const float safe_u = u == 0.0f ? 1.0f : u;
  float correction = (x - (u - 1.0f)) / safe_u;
  correction = u == 0.0f ? 0.0f : correction;
  float y = fast::logf(u) + correction;
  y = u == 1.0f ? x : y;
  return u == std::numeric_limits<float>::infinity() ? u : y;
}

/// The logistic in single precision, from a double log-odds.
inline float logisticf(double x) {
  const float e = fast::expf(static_cast<float>(-std::abs(x)));
  return x >= 0 ? 1.0f / (1.0f + e) : e / (1.0f + e);
}

}  // namespace minerisk::kernels::fast
