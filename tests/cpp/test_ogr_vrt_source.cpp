// The layers behind an OGR VRT, which fit takes as the layers read (a VRT over the finds is the finds),
// and how a VRT is known by its first bytes.
#include <gtest/gtest.h>

#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "minerisk/engine/ogr_vrt_source.hpp"
#include "minerisk/engine/xml_head.hpp"

namespace fs = std::filesystem;
using minerisk::layers_behind;
using minerisk::VectorInputSpec;

namespace {
VectorInputSpec spec(const fs::path& path, const std::string& layer = "") {
  VectorInputSpec v;
  v.path = path;
  v.layer = layer;
  return v;
}

void write(const fs::path& path, const std::string& text) { std::ofstream(path) << text; }

// "file:layer" for each layer behind, the file by its name only.
std::vector<std::string> named(const std::vector<VectorInputSpec>& layers) {
  std::vector<std::string> out;
  for (const VectorInputSpec& v : layers) out.push_back(v.path.filename().string() + ":" + v.layer);
  return out;
}
}  // namespace

TEST(OgrVrtSource, FollowsRelativeNestedWarpedUnionAndSqlSources) {
  const fs::path dir = fs::temp_directory_path() / ("ogr_vrt_source_" + std::to_string(::getpid()));
  fs::create_directories(dir / "inner");
  write(dir / "inner" / "a.vrt",
        "<OGRVRTDataSource><OGRVRTLayer name=\"sites\"><SrcDataSource relativeToVRT=\"1\">../region.gpkg"
        "</SrcDataSource><SrcLayer>finds</SrcLayer></OGRVRTLayer>"
        "<OGRVRTLayer name=\"lines\"><SrcDataSource>/data/lines.shp</SrcDataSource></OGRVRTLayer></OGRVRTDataSource>");
  write(dir / "outer.vrt",
        "<OGRVRTDataSource><OGRVRTLayer name=\"x\"><SrcDataSource relativeToVRT=\"1\">inner/a.vrt</SrcDataSource>"
        "<SrcLayer>sites</SrcLayer></OGRVRTLayer></OGRVRTDataSource>");
  write(dir / "warped.vrt",
        "<OGRVRTDataSource><OGRVRTWarpedLayer><OGRVRTLayer name=\"w\"><SrcDataSource>/data/region.gpkg"
        "</SrcDataSource><SrcLayer>cleared</SrcLayer></OGRVRTLayer><TargetSRS>EPSG:4326</TargetSRS>"
        "</OGRVRTWarpedLayer></OGRVRTDataSource>");
  write(dir / "union.vrt",
        "<OGRVRTDataSource><OGRVRTUnionLayer name=\"all\"><OGRVRTLayer name=\"a\"><SrcDataSource>/data/a.gpkg"
        "</SrcDataSource></OGRVRTLayer><OGRVRTLayer name=\"b\"><SrcDataSource>/data/b.gpkg</SrcDataSource>"
        "<SrcLayer>finds</SrcLayer></OGRVRTLayer></OGRVRTUnionLayer></OGRVRTDataSource>");
  write(dir / "sql.vrt",
        "<OGRVRTDataSource><OGRVRTLayer name=\"q\"><SrcDataSource>/data/region.gpkg</SrcDataSource>"
        "<SrcSQL>SELECT f.* FROM \"finds\" f JOIN cleared c ON 1 = 1</SrcSQL></OGRVRTLayer></OGRVRTDataSource>");
  write(dir / "comma.vrt",
        "<?xml version=\"1.0\"?>\n<OGRVRTDataSource><OGRVRTLayer name=\"q\"><SrcDataSource>/data/region.gpkg"
        "</SrcDataSource><SrcSQL>SELECT * FROM roads r, main.finds f WHERE r.name = 'from x'</SrcSQL>"
        "</OGRVRTLayer></OGRVRTDataSource>");
  write(dir / "loop.vrt",
        "<OGRVRTDataSource><OGRVRTLayer name=\"l\"><SrcDataSource relativeToVRT=\"1\">loop.vrt</SrcDataSource>"
        "</OGRVRTLayer></OGRVRTDataSource>");
  write(dir / "plain.txt", "not a VRT");

  // Names in any case, as OGR matches them; a VRT of one layer needs none named.
  EXPECT_EQ(named(layers_behind(spec(dir / "inner" / "a.vrt", "SITES"))), std::vector<std::string>{"region.gpkg:finds"});
  EXPECT_EQ(named(layers_behind(spec(dir / "outer.vrt"))),
            (std::vector<std::string>{"a.vrt:sites", "region.gpkg:finds"}));  // each step, the nearest first
  // Without SrcLayer, the source's layer of the VRT layer's own name, as GDAL reads it.
  EXPECT_EQ(named(layers_behind(spec(dir / "inner" / "a.vrt", "lines"))), std::vector<std::string>{"lines.shp:lines"});
  EXPECT_EQ(named(layers_behind(spec(dir / "warped.vrt"))), std::vector<std::string>{"region.gpkg:cleared"});
  EXPECT_EQ(named(layers_behind(spec(dir / "union.vrt", "all"))), (std::vector<std::string>{"a.gpkg:a", "b.gpkg:finds"}));
  EXPECT_EQ(named(layers_behind(spec(dir / "sql.vrt"))), (std::vector<std::string>{"region.gpkg:finds", "region.gpkg:cleared"}));
  // A FROM list with commas and a schema; a literal's "from x" is no table.
  EXPECT_EQ(named(layers_behind(spec(dir / "comma.vrt"))), (std::vector<std::string>{"region.gpkg:roads", "region.gpkg:finds"}));
  EXPECT_EQ(layers_behind(spec(dir / "loop.vrt")).size(), 8u);  // a VRT over itself ends at the depth cap
  // Two layers and none named, a layer it does not have, another file, no file: nothing.
  EXPECT_TRUE(layers_behind(spec(dir / "inner" / "a.vrt")).empty());
  EXPECT_TRUE(layers_behind(spec(dir / "inner" / "a.vrt", "nothing")).empty());
  EXPECT_TRUE(layers_behind(spec(dir / "plain.txt")).empty());
  EXPECT_TRUE(layers_behind(spec(dir / "missing.vrt")).empty());
  fs::remove_all(dir);
}

// A VRT is known as GDAL knows one: its element within the first kilobyte, after a declaration or
// a comment (the label check read 11 bytes, the OGR one 256), never by its extension.
TEST(XmlHead, FindsTheElementInTheFirstKilobyte) {
  const fs::path dir = fs::temp_directory_path() / ("xml_head_" + std::to_string(::getpid()));
  fs::create_directories(dir);
  const std::string comment = "<!-- " + std::string(600, '-') + " -->\n";
  write(dir / "declared.xml", "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n" + comment + "<VRTDataset rasterXSize=\"1\">");
  write(dir / "late.vrt", std::string(1100, ' ') + "<VRTDataset>");
  EXPECT_TRUE(minerisk::file_head_names_element(dir / "declared.xml", "VRTDataset"));
  EXPECT_FALSE(minerisk::file_head_names_element(dir / "declared.xml", "OGRVRTDataSource"));
  EXPECT_FALSE(minerisk::file_head_names_element(dir / "late.vrt", "VRTDataset"));
  EXPECT_FALSE(minerisk::file_head_names_element(dir / "missing.vrt", "VRTDataset"));
  fs::remove_all(dir);
}
