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

std::string message_of(const std::function<void()>& f) {
  try {
    f();
  } catch (const UserError& e) {
    return e.what();
  }
  return "";
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
  const std::string m = message_of([&] { trap.check("input 'x.tif'", "replace it"); });
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
