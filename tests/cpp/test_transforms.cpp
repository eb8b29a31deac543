#include <gtest/gtest.h>

#include <cmath>

#include "minerisk/kernels/transforms.hpp"

using namespace minerisk::kernels;

TEST(Transforms, HandComputedValues) {
  Transform t;
  t.kind = TransformKind::linear;
  EXPECT_DOUBLE_EQ(t.apply(2.5), 2.5);
  t.kind = TransformKind::log1p;
  EXPECT_DOUBLE_EQ(t.apply(std::exp(1.0) - 1.0), 1.0);
  t.kind = TransformKind::exp_decay;
  t.length = 400;
  EXPECT_DOUBLE_EQ(t.apply(0), 1.0);
  EXPECT_NEAR(t.apply(400), 1.0 / std::exp(1.0), 1e-15);
  t.kind = TransformKind::gaussian;
  t.centre = 10, t.width = 2;
  EXPECT_DOUBLE_EQ(t.apply(10), 1.0);
  EXPECT_NEAR(t.apply(12), std::exp(-0.5), 1e-15);
  t.kind = TransformKind::step;
  t.threshold = 3;
  EXPECT_EQ(t.apply(2.999), 0.0);
  EXPECT_EQ(t.apply(3.0), 1.0);
}

TEST(Transforms, PiecewiseInterpolatesAndHoldsTheEnds) {
  Transform t;
  t.kind = TransformKind::piecewise;
  t.xs = {0, 10, 30};
  t.ys = {1, 3, -1};
  EXPECT_DOUBLE_EQ(t.apply(-5), 1.0);
  EXPECT_DOUBLE_EQ(t.apply(5), 2.0);
  EXPECT_DOUBLE_EQ(t.apply(10), 3.0);
  EXPECT_DOUBLE_EQ(t.apply(20), 1.0);
  EXPECT_DOUBLE_EQ(t.apply(99), -1.0);
}

TEST(Transforms, NoDataStaysNoData) {
  Transform t;
  for (const auto& name : transform_names()) {
    ASSERT_TRUE(parse_transform_kind(name, t.kind));
    t.xs = {0, 1}, t.ys = {0, 1};
    EXPECT_TRUE(std::isnan(t.apply(NAN))) << name;
  }
}

TEST(Transforms, NamesRoundTrip) {
  for (const auto& name : transform_names()) {
    TransformKind kind;
    ASSERT_TRUE(parse_transform_kind(name, kind));
    EXPECT_EQ(transform_name(kind), name);
  }
  TransformKind kind;
  EXPECT_FALSE(parse_transform_kind("expdecay", kind));
}
