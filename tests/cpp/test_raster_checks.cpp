// first_infinite_or_equal: the tools' check that every value they write is the number it is
// (raster_tool.cpp), and that every raster they read holds no infinity (raster_source.cpp).
#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <vector>

#include "minerisk/kernels/raster_ops.hpp"

using minerisk::kernels::first_infinite_or_equal;

TEST(RasterChecks, FindsTheFirstInfinityOrEqualValueAnywhere) {
  // Sizes around the vector width, the hit at every place: the fast pass must see each lane.
  for (size_t n : {1, 7, 8, 9, 31, 64, 65}) {
    for (size_t at = 0; at < n; ++at) {
      std::vector<float> values(n, 1.5f);
      values[at] = -std::numeric_limits<float>::infinity();
      EXPECT_EQ(first_infinite_or_equal(values), static_cast<int64_t>(at));
      values[at] = -9999.0f;
      EXPECT_EQ(first_infinite_or_equal(values), -1);  // NaN (the default) equals nothing
      EXPECT_EQ(first_infinite_or_equal(values, -9999.0f), static_cast<int64_t>(at));
      if (at + 1 < n) values[at + 1] = std::numeric_limits<float>::infinity();
      EXPECT_EQ(first_infinite_or_equal(values, -9999.0f), static_cast<int64_t>(at));  // the first
    }
  }
}

TEST(RasterChecks, NoDataAndLargeFiniteValuesPass) {
  const std::vector<float> values = {NAN, std::numeric_limits<float>::max(), -std::numeric_limits<float>::max(), 0.0f};
  EXPECT_EQ(first_infinite_or_equal(values), -1);
  EXPECT_EQ(first_infinite_or_equal(values, NAN), -1);
  EXPECT_EQ(first_infinite_or_equal(values, 0.0f), 3);
  EXPECT_EQ(first_infinite_or_equal(std::vector<float>{}), -1);
}

TEST(RasterChecks, DoublesAreCheckedAsStoredNotAsFloat32) {
  // The Python module's float64 masks: 1e300 is finite as a double (float32 would make it inf).
  std::vector<double> values(9, 1e300);
  EXPECT_EQ(first_infinite_or_equal(values), -1);
  values[5] = -std::numeric_limits<double>::infinity();
  EXPECT_EQ(first_infinite_or_equal(values), 5);
  EXPECT_EQ(first_infinite_or_equal(values, 1e300), 0);
}
