#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <random>

#include "minerisk/kernels/fast_math.hpp"

namespace fast = minerisk::kernels::fast;

namespace {
double relative_error(double got, double want) {
  if (got == want) return 0.0;
  return std::abs(got - want) / std::max(std::abs(want), std::numeric_limits<double>::min());
}
}  // namespace

TEST(FastMath, ExpMatchesTheCLibrary) {
  std::mt19937_64 rng(1);
  std::uniform_real_distribution<double> u(-740.0, 705.0), small(-1.0, 1.0);
  double worst = 0;
  for (int i = 0; i < 200000; ++i) {
    const double x = i % 2 ? u(rng) : small(rng);
    worst = std::max(worst, relative_error(fast::exp(x), std::exp(x)));
  }
  EXPECT_LT(worst, 1e-15);
}

TEST(FastMath, LogAndLog1pMatchTheCLibrary) {
  std::mt19937_64 rng(2);
  std::uniform_real_distribution<double> exponent(-300.0, 300.0), near_one(-0.3, 0.3), tiny(-1e-9, 1e-9);
  double worst_log = 0, worst_log1p = 0;
  for (int i = 0; i < 200000; ++i) {
    const double x = std::pow(10.0, exponent(rng));
    worst_log = std::max(worst_log, relative_error(fast::log(x), std::log(x)));
    for (double y : {near_one(rng), tiny(rng), x, -0.999999 * std::abs(near_one(rng))})
      worst_log1p = std::max(worst_log1p, relative_error(fast::log1p(y), std::log1p(y)));
  }
  EXPECT_LT(worst_log, 1e-15);
  EXPECT_LT(worst_log1p, 1e-15);
}

TEST(FastMath, SpecialValuesFollowTheCLibrary) {
  const double inf = std::numeric_limits<double>::infinity(), nan = std::numeric_limits<double>::quiet_NaN();
  EXPECT_EQ(fast::exp(-inf), 0.0);
  EXPECT_EQ(fast::exp(inf), inf);
  EXPECT_EQ(fast::exp(1000.0), inf);
  EXPECT_EQ(fast::exp(0.0), 1.0);
  EXPECT_TRUE(std::isnan(fast::exp(nan)));
  EXPECT_EQ(fast::log(0.0), -inf);
  EXPECT_EQ(fast::log(inf), inf);
  EXPECT_EQ(fast::log(1.0), 0.0);
  EXPECT_TRUE(std::isnan(fast::log(-1.0)));
  EXPECT_TRUE(std::isnan(fast::log(nan)));
  EXPECT_EQ(fast::log1p(-1.0), -inf);
  EXPECT_EQ(fast::log1p(0.0), 0.0);
  EXPECT_TRUE(std::isnan(fast::log1p(nan)));
  EXPECT_NEAR(fast::log(4.9e-324), std::log(4.9e-324), 1e-12);  // subnormal
}

TEST(FastMath, SinglePrecisionWithinTwoUlps) {
  std::mt19937 rng(3);
  std::uniform_real_distribution<float> e(-100.0f, 88.0f), l(-30.0f, 30.0f), p(-0.99f, 10.0f);
  auto ulps = [](float got, double want) {
    const float w = static_cast<float>(want);
    if (got == w) return 0.0;
    return std::abs(got - want) / std::abs(std::nextafter(w, INFINITY) - w);
  };
  double worst_exp = 0, worst_log = 0, worst_log1p = 0;
  for (int i = 0; i < 200000; ++i) {
    const float a = e(rng), b = std::pow(10.0f, l(rng)), c = p(rng);
    if (std::exp(static_cast<double>(a)) > 1.2e-38) worst_exp = std::max(worst_exp, ulps(fast::expf(a), std::exp(static_cast<double>(a))));
    worst_log = std::max(worst_log, ulps(fast::logf(b), std::log(static_cast<double>(b))));
    worst_log1p = std::max(worst_log1p, ulps(fast::log1pf(c), std::log1p(static_cast<double>(c))));
  }
  EXPECT_LT(worst_exp, 2.0);
  EXPECT_LT(worst_log, 2.0);
  EXPECT_LT(worst_log1p, 2.0);
  EXPECT_EQ(fast::expf(-INFINITY), 0.0f);
  EXPECT_EQ(fast::logf(0.0f), -INFINITY);
  EXPECT_EQ(fast::log1pf(-1.0f), -INFINITY);
  EXPECT_TRUE(std::isnan(fast::log1pf(NAN)));
  EXPECT_EQ(fast::logisticf(-INFINITY), 0.0f);
  EXPECT_EQ(fast::logisticf(0.0), 0.5f);
}
