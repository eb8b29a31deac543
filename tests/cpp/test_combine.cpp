#include <gtest/gtest.h>

#include <cmath>

#include "minerisk/kernels/combine.hpp"

using namespace minerisk::kernels;

TEST(Combine, LogOddsSumThenLogistic) {
  std::vector<float> f1 = {0.0f, 2.0f}, f2 = {1.0f, 0.0f};
  std::vector<float> c1(2), c2(2), p(2);
  Transform linear;
  std::vector<EvidenceLayer> layers = {{f1, linear, 0.5, c1}, {f2, linear, -1.0, c2}};
  combine_log_odds(-1.0, layers, {}, {}, p);
  // Cell 0: -1 + 0 - 1 = -2; cell 1: -1 + 1 + 0 = 0.
  EXPECT_NEAR(p[0], 1.0 / (1.0 + std::exp(2.0)), 1e-7);
  EXPECT_NEAR(p[1], 0.5, 1e-7);
  EXPECT_FLOAT_EQ(c1[1], 1.0f);
  EXPECT_FLOAT_EQ(c2[0], -1.0f);
}

TEST(Combine, ClearanceUpdateMatchesBayesByHand) {
  // p = 0.3, POD = 0.8: p' = 0.3 * 0.2 / (1 - 0.3 * 0.8) = 0.06 / 0.76.
  const double p = 0.3;
  std::vector<float> f = {static_cast<float>(std::log(p / (1 - p)))}, c(1), out(1), clear(1);
  std::vector<float> pod = {0.8f};
  std::vector<EvidenceLayer> layers = {{f, Transform{}, 1.0, c}};
  combine_log_odds(0.0, layers, pod, clear, out);
  EXPECT_NEAR(out[0], 0.06 / 0.76, 1e-6);
  EXPECT_NEAR(clear[0], std::log(1 - 0.8), 1e-6);
}

TEST(Combine, TwoClearancesEqualTwoSequentialUpdates) {
  const double p = 0.4, pod1 = 0.7, pod2 = 0.5;
  const double p1 = p * (1 - pod1) / (1 - p * pod1);
  const double p2 = p1 * (1 - pod2) / (1 - p1 * pod2);
  const float combined = static_cast<float>(1.0 - (1 - pod1) * (1 - pod2));
  std::vector<float> f = {static_cast<float>(std::log(p / (1 - p)))}, c(1), out(1);
  std::vector<float> pod = {combined};
  std::vector<EvidenceLayer> layers = {{f, Transform{}, 1.0, c}};
  combine_log_odds(0.0, layers, pod, {}, out);
  EXPECT_NEAR(out[0], p2, 1e-6);
}

TEST(Combine, FullDetectionClearsTheCellAndNoDataPropagates) {
  std::vector<float> f = {3.0f, NAN}, c(2), out(2);
  std::vector<float> pod = {1.0f, 0.0f};
  std::vector<EvidenceLayer> layers = {{f, Transform{}, 1.0, c}};
  combine_log_odds(0.0, layers, pod, {}, out);
  EXPECT_EQ(out[0], 0.0f);
  EXPECT_TRUE(std::isnan(out[1]));
  EXPECT_TRUE(std::isnan(c[1]));
}

TEST(Combine, LogisticNeverOverflows) {
  EXPECT_EQ(logistic(-1000), 0.0);
  EXPECT_EQ(logistic(1000), 1.0);
  EXPECT_DOUBLE_EQ(logistic(0), 0.5);
}
