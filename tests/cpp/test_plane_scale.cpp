// The plane's scale at a grid's centre against the WGS 84 ellipsoid, and the two notes read from
// it: lengths (run, update) off by more than 1 %, hectares (areas) off by more than 2 %.
#include <gtest/gtest.h>

#include "minerisk/engine/plane_scale.hpp"

namespace {
// A 100 x 100 grid of 100 m cells whose centre is at (x, y) in EPSG:`code`.
minerisk::Grid grid_at(int code, double x, double y) {
  OGRSpatialReference srs;
  srs.importFromEPSG(code);
  srs.SetAxisMappingStrategy(OAMS_TRADITIONAL_GIS_ORDER);
  return minerisk::make_grid(srs, {x - 5000, 100, 0, y + 5000, 0, -100}, 100, 100, "grid");
}
}  // namespace

TEST(PlaneScale, UtmNearItsCentralMeridianIsTrueAndSaysNothing) {
  const minerisk::Grid utm = grid_at(32637, 500000, 4000000);  // 39E, about 36N
  const auto length = minerisk::length_exaggeration(utm);
  EXPECT_NEAR(length.x, 0.9996, 1e-3);
  EXPECT_NEAR(length.y, 0.9996, 1e-3);
  EXPECT_NEAR(minerisk::area_exaggeration(utm), 0.9992, 2e-3);
  EXPECT_EQ(minerisk::length_scale_note(utm), "");
  EXPECT_EQ(minerisk::area_scale_note(utm), "");
}

TEST(PlaneScale, WebMercatorAt40DegreesIsNotedForLengthsAndHectares) {
  // 40 N: y = R ln(tan(45 + 20 degrees)); the plane shows about 1/cos(40) = 1.305 times true
  // lengths. Measured on the ellipsoid, east-west 1.304 and north-south 1.309: an area of 1.707.
  const minerisk::Grid mercator = grid_at(3857, 4300000, 4865942);
  const auto length = minerisk::length_exaggeration(mercator);
  EXPECT_NEAR(length.x, 1.305, 0.01);
  EXPECT_NEAR(length.y, 1.305, 0.01);
  EXPECT_NEAR(minerisk::area_exaggeration(mercator), 1.70, 0.02);
  EXPECT_NE(minerisk::length_scale_note(mercator).find("about 1.31 times the true lengths;"), std::string::npos)
      << minerisk::length_scale_note(mercator);
  EXPECT_NE(minerisk::area_scale_note(mercator).find("shows 1.71 times the true area"), std::string::npos)
      << minerisk::area_scale_note(mercator);
}

TEST(PlaneScale, AnEqualAreaCrsIsNotedForLengthsOnlyBothWays) {
  // EASE-Grid 2.0 North at about 60 N: true area, lengths stretched one way and shrunk the other.
  const minerisk::Grid ease = grid_at(6931, 0, -3400000);
  const auto length = minerisk::length_exaggeration(ease);
  EXPECT_GT(std::abs(length.x - length.y), 0.05);
  EXPECT_NEAR(minerisk::area_exaggeration(ease), 1.0, 1e-3);
  EXPECT_NE(minerisk::length_scale_note(ease).find("east-west and"), std::string::npos);
  EXPECT_EQ(minerisk::area_scale_note(ease), "");
}

TEST(PlaneScale, AGeographicGridIsMeasuredOnTheEllipsoidAndSaysNothing) {
  OGRSpatialReference wgs84;
  wgs84.importFromEPSG(4326);
  wgs84.SetAxisMappingStrategy(OAMS_TRADITIONAL_GIS_ORDER);
  const minerisk::Grid g = minerisk::make_grid(wgs84, {30, 0.01, 0, 60, 0, -0.01}, 100, 100, "grid");
  EXPECT_EQ(minerisk::length_scale_note(g), "");
  EXPECT_EQ(minerisk::area_scale_note(g), "");
}
