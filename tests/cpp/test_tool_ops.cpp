// The raster tools as library calls (engine/ops): the proximity tool's first pass (reading the
// mask) runs in the shared tile loop, so the control's threads, progress and cancellation
// apply to it; a stopped tool leaves no output and no stray file.
#include <gtest/gtest.h>

#include <gdal_priv.h>
#include <ogr_spatialref.h>

#include <atomic>
#include <filesystem>
#include <thread>
#include <vector>

#include "minerisk/engine/errors.hpp"
#include "minerisk/engine/gdal_support.hpp"
#include "minerisk/engine/ops/proximity.hpp"
#include "minerisk/engine/ops/terrain_tools.hpp"

namespace fs = std::filesystem;
using namespace minerisk;

namespace {

constexpr int kWidth = 70, kHeight = 300;

// Each test writes into its own folder: ctest runs tests in parallel processes.
fs::path test_folder() {
  const fs::path dir = fs::temp_directory_path() / "minerisk_tool_ops_tests" /
                       ::testing::UnitTest::GetInstance()->current_test_info()->name();
  fs::remove_all(dir);
  fs::create_directories(dir);
  return dir;
}

// A byte mask with a few feature cells, in UTM 38N at 10 m.
fs::path write_mask(const fs::path& dir) {
  init_gdal();
  const fs::path path = dir / "mask.tif";
  GDALDataset* ds =
      GetGDALDriverManager()->GetDriverByName("GTiff")->Create(path.c_str(), kWidth, kHeight, 1, GDT_Byte, nullptr);
  double gt[6] = {500000.0, 10.0, 0.0, 4400000.0, 0.0, -10.0};
  ds->SetGeoTransform(gt);
  OGRSpatialReference srs;
  srs.importFromEPSG(32638);
  ds->SetSpatialRef(&srs);
  std::vector<uint8_t> values(static_cast<size_t>(kWidth) * kHeight, 0);
  for (int r = 10; r < kHeight; r += 37) values[static_cast<size_t>(r * kWidth + (r % kWidth))] = 1;
  EXPECT_EQ(
      ds->GetRasterBand(1)->RasterIO(GF_Write, 0, 0, kWidth, kHeight, values.data(), kWidth, kHeight, GDT_Byte, 0, 0),
      CE_None);
  GDALClose(ds);
  return path;
}

// Whether the folder holds anything besides the mask (an output or a temporary).
bool anything_but_the_mask(const fs::path& dir) {
  for (const auto& entry : fs::directory_iterator(dir))
    if (entry.path().filename() != "mask.tif") return true;
  return false;
}

struct Call {
  double fraction;
  std::thread::id thread;
  bool output_started;  // a temporary or final output already existed at the call
};

}  // namespace

TEST(ProximityOp, FirstPassReportsProgressOnTheCallersThreadWithOneThread) {
  const fs::path dir = test_folder();
  const fs::path mask = write_mask(dir);
  std::vector<Call> calls;
  ops::Control control;
  control.threads = 1;
  control.tile_size = 16;  // 19 bands of rows in each pass
  control.quiet = true;
  control.progress = [&](double f) {
    calls.push_back({f, std::this_thread::get_id(), anything_but_the_mask(dir)});
    return true;
  };
  ops::proximity(mask, dir / "d.tif", {}, control);
  ASSERT_TRUE(fs::exists(dir / "d.tif"));
  // The first pass (reading the mask, before any output exists) goes through the tile loop:
  // its bands report the first half of the work.
  size_t first_pass = 0;
  for (const Call& c : calls)
    if (!c.output_started) {
      ++first_pass;
      EXPECT_LE(c.fraction, 0.5);
    }
  EXPECT_EQ(first_pass, 19u);
  EXPECT_EQ(calls.size(), 38u);
  for (size_t i = 1; i < calls.size(); ++i) EXPECT_LE(calls[i - 1].fraction, calls[i].fraction);
  EXPECT_DOUBLE_EQ(calls.back().fraction, 1.0);
  // threads = 1: every band of both passes ran on the calling thread.
  for (const Call& c : calls) EXPECT_EQ(c.thread, std::this_thread::get_id());
}

TEST(ProximityOp, ProgressReturningFalseInTheFirstPassStopsBeforeAnyOutput) {
  const fs::path dir = test_folder();
  const fs::path mask = write_mask(dir);
  std::vector<Call> calls;
  ops::Control control;
  control.tile_size = 16;
  control.quiet = true;
  control.progress = [&](double f) {
    calls.push_back({f, std::this_thread::get_id(), anything_but_the_mask(dir)});
    return false;
  };
  EXPECT_THROW(ops::proximity(mask, dir / "d.tif", {}, control), Cancelled);
  ASSERT_FALSE(calls.empty());
  EXPECT_FALSE(calls.front().output_started) << "the first progress call came after the first pass";
  EXPECT_FALSE(anything_but_the_mask(dir)) << "a stopped tool left a file behind";
}

TEST(ProximityOp, CancelFlagSetDuringTheFirstPassStopsIt) {
  const fs::path dir = test_folder();
  const fs::path mask = write_mask(dir);
  std::atomic<bool> cancel{false};
  int calls = 0;
  bool output_started = false;
  ops::Control control;
  control.threads = 1;
  control.tile_size = 16;
  control.quiet = true;
  control.cancel = &cancel;
  control.progress = [&](double) {
    ++calls;
    output_started = output_started || anything_but_the_mask(dir);
    cancel.store(true);  // as a Ctrl-C after the first band
    return true;
  };
  EXPECT_THROW(ops::proximity(mask, dir / "d.tif", {}, control), Cancelled);
  EXPECT_EQ(calls, 1);  // one thread: no band starts once the flag is set
  EXPECT_FALSE(output_started);
  EXPECT_FALSE(anything_but_the_mask(dir));
}

TEST(ToolOps, RequestErrorsAreTheCommandLinesMessages) {
  const fs::path dir = test_folder();
  const fs::path mask = write_mask(dir);
  const ops::Control control;
  auto message = [&](const ops::ProximityOptions& options) -> std::string {
    try {
      ops::proximity(mask, dir / "d.tif", options, control);
    } catch (const UserError& e) {
      return e.what();
    }
    return "";
  };
  ops::ProximityOptions signed_raster;
  signed_raster.signed_distance = true;
  EXPECT_EQ(message(signed_raster), "--signed: only for a vector INPUT (with --like)");
  ops::Control small = control;
  small.tile_size = 8;
  try {
    ops::slope(mask, dir / "s.tif", {}, small);
    FAIL() << "tile size 8 was accepted";
  } catch (const UserError& e) {
    EXPECT_STREQ(e.what(), "--tile-size: 8 is out of range; use 16 to 16384 (default 512)");
  }
  ops::SlopeOptions jpeg;
  jpeg.compress = "JPEG";
  EXPECT_THROW(ops::slope(mask, dir / "s.tif", jpeg, control), UserError);
  EXPECT_FALSE(anything_but_the_mask(dir));
}
