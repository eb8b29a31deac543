// The layer behind an OGR VRT, which fit takes as the layer read (a VRT over the finds is the finds).
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <string>

#include "minerisk/engine/ogr_vrt_source.hpp"

namespace fs = std::filesystem;
using minerisk::ogr_vrt_source;
using minerisk::VectorInputSpec;

namespace {
VectorInputSpec spec(const fs::path& path, const std::string& layer = "") {
  VectorInputSpec v;
  v.path = path;
  v.layer = layer;
  return v;
}

void write(const fs::path& path, const std::string& text) { std::ofstream(path) << text; }
}  // namespace

TEST(OgrVrtSource, FollowsRelativeAndNestedSourcesToTheLayerNamed) {
  const fs::path dir = fs::temp_directory_path() / ("ogr_vrt_source_" + std::to_string(::testing::UnitTest::GetInstance()->random_seed()));
  fs::create_directories(dir / "inner");
  write(dir / "inner" / "a.vrt",
        "<OGRVRTDataSource><OGRVRTLayer name=\"sites\"><SrcDataSource relativeToVRT=\"1\">../region.gpkg"
        "</SrcDataSource><SrcLayer>finds</SrcLayer></OGRVRTLayer>"
        "<OGRVRTLayer name=\"lines\"><SrcDataSource>/data/lines.shp</SrcDataSource></OGRVRTLayer></OGRVRTDataSource>");
  write(dir / "outer.vrt",
        "<OGRVRTDataSource><OGRVRTLayer name=\"x\"><SrcDataSource relativeToVRT=\"1\">inner/a.vrt</SrcDataSource>"
        "<SrcLayer>sites</SrcLayer></OGRVRTLayer></OGRVRTDataSource>");
  write(dir / "plain.txt", "not a VRT");

  auto behind = ogr_vrt_source(spec(dir / "inner" / "a.vrt", "SITES"));  // names in any case, as OGR
  ASSERT_TRUE(behind);
  EXPECT_EQ(fs::weakly_canonical(behind->path), fs::weakly_canonical(dir / "region.gpkg"));
  EXPECT_EQ(behind->layer, "finds");
  behind = ogr_vrt_source(spec(dir / "outer.vrt"));  // its only layer, through the inner VRT
  ASSERT_TRUE(behind);
  EXPECT_EQ(fs::weakly_canonical(behind->path), fs::weakly_canonical(dir / "region.gpkg"));
  EXPECT_EQ(behind->layer, "finds");
  // Without SrcLayer, the source's layer of the VRT layer's name (as GDAL reads it); with SrcSQL,
  // the file with no layer named. Two layers and none named: none.
  behind = ogr_vrt_source(spec(dir / "inner" / "a.vrt", "lines"));
  ASSERT_TRUE(behind);
  EXPECT_EQ(behind->path, fs::path("/data/lines.shp"));
  EXPECT_EQ(behind->layer, "lines");
  write(dir / "sql.vrt",
        "<OGRVRTDataSource><OGRVRTLayer name=\"q\"><SrcDataSource>/data/region.gpkg</SrcDataSource>"
        "<SrcSQL>SELECT * FROM finds</SrcSQL></OGRVRTLayer></OGRVRTDataSource>");
  behind = ogr_vrt_source(spec(dir / "sql.vrt"));
  ASSERT_TRUE(behind);
  EXPECT_EQ(behind->layer, "");
  EXPECT_FALSE(ogr_vrt_source(spec(dir / "inner" / "a.vrt")));
  EXPECT_FALSE(ogr_vrt_source(spec(dir / "inner" / "a.vrt", "nothing")));
  EXPECT_FALSE(ogr_vrt_source(spec(dir / "plain.txt")));
  EXPECT_FALSE(ogr_vrt_source(spec(dir / "missing.vrt")));
  fs::remove_all(dir);
}
