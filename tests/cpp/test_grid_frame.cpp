#include <gtest/gtest.h>

#include "minerisk/kernels/grid_frame.hpp"

using namespace minerisk::kernels;

TEST(GridFrame, ProjectedScaleIsTheLinearUnit) {
  GridFrame f;
  f.linear_unit = 0.3048;
  const MetricScale s = f.scale_at_row(10);
  EXPECT_DOUBLE_EQ(s.x, 0.3048);
  EXPECT_DOUBLE_EQ(s.y, 0.3048);
}

TEST(GridFrame, MetresPerDegreeMatchesTheWgs84Ellipsoid) {
  // Reference lengths of one degree on WGS 84. Tables list the arc from lat - 0.5 to lat + 0.5,
  // which differs from the length at lat itself by a few centimetres, hence the tolerances.
  const MetricScale equator = metres_per_degree(0.0, 6378137.0, 298.257223563);
  EXPECT_NEAR(equator.x, 111319.491, 0.01);
  EXPECT_NEAR(equator.y, 110574.276, 0.01);
  const MetricScale sixty = metres_per_degree(60.0, 6378137.0, 298.257223563);
  EXPECT_NEAR(sixty.x, 55800.0, 0.01);
  EXPECT_NEAR(sixty.y, 111412.24, 0.06);
}

TEST(GridFrame, CellCentresComeFromGlobalIndices) {
  GridFrame f;
  f.geotransform = {500000.0, 10.0, 0.0, 4400000.0, 0.0, -10.0};
  EXPECT_DOUBLE_EQ(f.centre_x(0), 500005.0);
  EXPECT_DOUBLE_EQ(f.centre_y(0), 4399995.0);
  EXPECT_DOUBLE_EQ(f.centre_x(3), 500035.0);
  EXPECT_DOUBLE_EQ(f.centre_y(2), 4399975.0);
}
