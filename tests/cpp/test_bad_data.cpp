// Faults and impossible numbers below the command line: GDAL's messages caught per thread, the
// grid's size and latitude limits, HDF5's errors as one line, and kernels that stay defined
// (no overflow, no null pointer arithmetic) whatever the bandwidth or radius.
#include <gtest/gtest.h>

#include <cpl_error.h>

#include <cmath>
#include <filesystem>
#include <string>
#include <thread>
#include <vector>

#include "user_error_of.hpp"
#include "minerisk/engine/errors.hpp"
#include "minerisk/engine/gdal_support.hpp"
#include "minerisk/engine/grid.hpp"
#include "minerisk/engine/grid_file_writer.hpp"
#include "minerisk/kernels/focal.hpp"
#include "minerisk/kernels/point_density.hpp"

using namespace minerisk;

namespace {

OGRSpatialReference epsg(int code) {
  init_gdal();
  OGRSpatialReference srs;
  srs.importFromEPSG(code);
  srs.SetAxisMappingStrategy(OAMS_TRADITIONAL_GIS_ORDER);
  return srs;
}

}  // namespace

TEST(GdalErrorTrap, KeepsTheFirstMessageOnOneLineAndThrowsAUserError) {
  init_gdal();
  const GdalErrorTrap trap;
  EXPECT_FALSE(trap.raised());
  CPLError(CE_Warning, CPLE_AppDefined, "first\nline");
  CPLError(CE_Failure, CPLE_FileIO, "second");
  ASSERT_TRUE(trap.raised());
  EXPECT_EQ(trap.first(), "first line");
  const std::string m = test_support::user_error_of([&] { trap.check("input 'x.tif'", "replace it"); });
  EXPECT_EQ(m, "input 'x.tif': GDAL reports 'first line' (and 1 more); replace it");
}

TEST(GdalErrorTrap, SeesOnlyItsOwnThread) {
  init_gdal();
  const GdalErrorTrap trap;
  std::thread other([] { CPLError(CE_Failure, CPLE_AppDefined, "on another thread"); });
  other.join();
  EXPECT_FALSE(trap.raised());
  std::thread trapped([] {
    const GdalErrorTrap own;
    CPLError(CE_Failure, CPLE_AppDefined, "mine");
    EXPECT_EQ(own.first(), "mine");
  });
  trapped.join();
  EXPECT_FALSE(trap.raised());
}

TEST(GdalErrorTrap, TheInnermostTrapGetsTheMessagesAndDebugIsIgnored) {
  init_gdal();
  const GdalErrorTrap outer;
  {
    const GdalErrorTrap inner;
    CPLError(CE_Failure, CPLE_AppDefined, "inner");
    EXPECT_TRUE(inner.raised());
  }
  EXPECT_FALSE(outer.raised());
  CPLError(CE_Debug, CPLE_None, "tracing");
  EXPECT_FALSE(outer.raised());
  EXPECT_NO_THROW(outer.check("x", "y"));
}

TEST(BadNumbers, AHugeBandwidthGivesZeroDensityWithoutOverflow) {
  using namespace minerisk::kernels;
  for (const bool geographic : {false, true}) {
    GridFrame f;
    f.geographic = geographic;
    f.geotransform = geographic ? std::array<double, 6>{45, 0.001, 0, 40, 0, -0.001}
                                : std::array<double, 6>{0, 10, 0, 1000, 0, -10};
    f.width = f.height = 32;
    const std::vector<WeightedPoint> points = {{f.centre_x(3), f.centre_y(4), 1.0}};
    const Window w{0, 0, 32, 32};
    std::vector<float> out(static_cast<size_t>(w.cells()), NAN);
    gaussian_density_per_km2(points, 1e308, w, f, out);
    for (float v : out) EXPECT_EQ(v, 0.0f);
    // An ordinary bandwidth still sees the point (the geographic path has no column pool).
    gaussian_density_per_km2(points, geographic ? 200.0 : 30.0, w, f, out);
    EXPECT_GT(out[4 * 32 + 3], 0.0f);
  }
}

TEST(BadNumbers, HalosSaturateInsteadOfOverflowing) {
  using namespace minerisk::kernels;
  GridFrame f;
  f.geotransform = {0, 10, 0, 1000, 0, -10};
  f.width = f.height = 10;
  EXPECT_EQ(gaussian_halo(f, 1e308), kGaussianHaloCeiling);
  EXPECT_EQ(gaussian_halo(f, std::numeric_limits<double>::infinity()), kGaussianHaloCeiling);
  EXPECT_EQ(gaussian_halo(f, 25.0), 10);  // 4 x 2.5 cells
  const Neighbourhood n = neighbourhood(FocalShape::square, 1e308, f);
  EXPECT_EQ(n.halo(), int64_t{1} << 40);
}

TEST(GridLimits, SizesAreCheckedWithoutOverflow) {
  const auto utm = epsg(32638);
  const std::array<double, 6> gt{0, 1, 0, 0, 0, -1};
  // 2^32 x 2^32 is 0 in int64 arithmetic; 2^31 x 16 is few cells but 16 GB of x coordinates.
  EXPECT_NE(test_support::user_error_of([&] { make_grid(utm, gt, int64_t{1} << 32, int64_t{1} << 32, "g"); }).find("more than"),
            std::string::npos);
  EXPECT_NE(test_support::user_error_of([&] { make_grid(utm, gt, int64_t{1} << 31, 16, "g"); }).find("more than"), std::string::npos);
  EXPECT_NE(test_support::user_error_of([&] { make_grid(utm, gt, int64_t{1} << 20, int64_t{1} << 20, "g"); }).find("more than"),
            std::string::npos);  // 2^40 cells
  EXPECT_NO_THROW(make_grid(utm, gt, kMaxGridSide, 16, "g"));
  GridSpec spec{"EPSG:32638", 1, 1, 0, 0, 4294967296.0, 4294967296.0};
  EXPECT_NE(test_support::user_error_of([&] { grid_from_spec(spec, "s.toml"); }).find("grid.resolution"), std::string::npos);
  spec.resolution_x = spec.resolution_y = 1e-300;  // beyond int64: no undefined conversion
  EXPECT_NE(test_support::user_error_of([&] { grid_from_spec(spec, "s.toml"); }).find("more than"), std::string::npos);
}

TEST(GridLimits, GeographicGridsLieOnTheGlobe) {
  const auto wgs84 = epsg(4326);
  auto refusal = [&](const std::array<double, 6>& gt, int64_t width) {
    return test_support::user_error_of([&] { make_grid(wgs84, gt, width, 10, "dem"); });
  };
  EXPECT_NE(refusal({10, 0.01, 0, 90.05, 0, -0.01}, 10).find("beyond the pole"), std::string::npos);  // the issue's
  EXPECT_NE(refusal({10, 0.01, 0, -89.95, 0, -0.01}, 10).find("beyond the pole"), std::string::npos);
  EXPECT_NE(refusal({-180, 1, 0, 10, 0, -1}, 361).find("more than the 180 minerisk takes"), std::string::npos);
  // The whole circle put the cells either side of its seam 40,000 km apart: half the globe at most.
  EXPECT_NE(refusal({-180, 1, 0, 10, 0, -1}, 360).find("more than the 180 minerisk takes"), std::string::npos);
  EXPECT_NE(refusal({-10, 0.1, 0, 10, 0, -0.1}, 1801).find("more than the 180 minerisk takes"), std::string::npos);
  EXPECT_NO_THROW(make_grid(wgs84, {-10, 0.1, 0, 10, 0, -0.1}, 1800, 10, "dem"));
  // float32 coordinates: 200 cells of 0.9 degrees came to 180.0000061; a metre over is no matter.
  EXPECT_NO_THROW(make_grid(wgs84, {-90, 0.9000000305, 0, 10, 0, -0.9}, 200, 10, "dem"));
  EXPECT_NE(refusal({-90, 0.9000005, 0, 10, 0, -0.9}, 200).find("180.0001 degrees"), std::string::npos);
  EXPECT_NO_THROW(make_grid(wgs84, {10, 0.01, 0, 90.0, 0, -0.01}, 10, 10, "dem"));
  EXPECT_NO_THROW(make_grid(wgs84, {179.5, 0.01, 0, 0.5, 0, -0.01}, 100, 100, "dem"));  // across 180
  // Projected coordinates are not latitudes.
  EXPECT_NO_THROW(make_grid(epsg(32638), {640000, 10, 0, 4420000, 0, -10}, 10, 10, "dem"));
}

TEST(GridLimits, AWholeGridInMemoryIsRefusedBeyondThePhysicalMemory) {
  const auto utm = epsg(32638);
  const Grid big = make_grid(utm, {0, 1, 0, 0, 0, -1}, int64_t{1} << 18, int64_t{1} << 18, "g");  // 2^36 cells
  const Grid small = make_grid(utm, {0, 1, 0, 0, 0, -1}, 100, 100, "g");
  EXPECT_NE(test_support::user_error_of([&] { require_whole_grid_memory(big, int64_t{1} << 20, "a test"); }).find("a test"),
            std::string::npos);
  EXPECT_NO_THROW(require_whole_grid_memory(small, 64, "a test"));
}

TEST(HdfErrors, AFailureIsOneLineWithTheSystemsReason) {
  const std::filesystem::path path = std::filesystem::temp_directory_path() / "minerisk_no_such_folder" / "x.h5";
  Grid g = make_grid(epsg(32638), {0, 1, 0, 0, 0, -1}, 8, 8, "g");
  try {
    GridFileWriter writer(path, g, 16, OutputMetadata{});
    FAIL() << "no error";
  } catch (const UserError&) {
    FAIL() << "a missing folder is not a full disk";
  } catch (const std::runtime_error& e) {
    const std::string m = e.what();
    EXPECT_EQ(m.find('\n'), std::string::npos) << m;
    EXPECT_NE(m.find("No such file or directory"), std::string::npos) << m;
    EXPECT_NE(m.find(path.string()), std::string::npos) << m;
  }
}
