// How GDAL's dataset names are taken apart to find the local file behind them (to protect it,
// fingerprint it, and resolve it against a scenario's folder).
#include <gtest/gtest.h>

#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <string>

#include "minerisk/engine/dataset_name.hpp"

namespace fs = std::filesystem;
using minerisk::DatasetName;
using minerisk::parse_dataset_name;
using minerisk::resolve_dataset_name;

namespace {
void expect_parts(const std::string& name, const std::string& prefix, const std::string& file, const std::string& suffix) {
  const DatasetName parsed = parse_dataset_name(name);
  EXPECT_EQ(parsed.prefix, prefix) << name;
  EXPECT_EQ(parsed.file, file) << name;
  EXPECT_EQ(parsed.suffix, suffix) << name;
  EXPECT_EQ(parsed.text(), name);
}
}  // namespace

TEST(DatasetName, DriverFileAndRest) {
  expect_parts("NETCDF:\"out.nc\":probability", "NETCDF:\"", "out.nc", "\":probability");
  expect_parts("GPKG:region.gpkg:dem", "GPKG:", "region.gpkg", ":dem");
  expect_parts("/vsizip/dem.zip/dem.tif", "/vsizip/", "dem.zip/dem.tif", "");
  expect_parts("plain/dem.tif", "", "plain/dem.tif", "");
}

TEST(DatasetName, AnIndexThenTheFile) {
  // GDAL's GTIFF_DIR:N:file, NITF_IM:N:file, PDF:N:file: the file was taken to be "1".
  expect_parts("GTIFF_DIR:1:dem.tif", "GTIFF_DIR:1:", "dem.tif", "");
  expect_parts("GTIFF_DIR:12:/data/dem.tif", "GTIFF_DIR:12:", "/data/dem.tif", "");
  expect_parts("PDF:2:\"map sheet.pdf\"", "PDF:2:\"", "map sheet.pdf", "\"");
  // GDAL takes the driver's name in any case, and a directory by its byte offset.
  expect_parts("gtiff_dir:1:dem.tif", "gtiff_dir:1:", "dem.tif", "");
  expect_parts("GTIFF_DIR:off:8:dem.tif", "GTIFF_DIR:off:8:", "dem.tif", "");
  expect_parts("GTIFF_DIR:off::dem.tif", "GTIFF_DIR:", "off", "::dem.tif");  // no offset: not the form
  // Other drivers give the file first, whatever it is called: a GeoPackage named 123.
  expect_parts("GPKG:123:dem", "GPKG:", "123", ":dem");
  expect_parts("NETCDF:1:probability", "NETCDF:", "1", ":probability");
  EXPECT_EQ(resolve_dataset_name("GTIFF_DIR:1:dem.tif", "/region"), "GTIFF_DIR:1:/region/dem.tif");
  EXPECT_EQ(resolve_dataset_name("GTIFF_DIR:1:/data/dem.tif", "/region"), "GTIFF_DIR:1:/data/dem.tif");
  EXPECT_EQ(resolve_dataset_name("NETCDF:\"out.nc\":probability", "/region"), "NETCDF:\"/region/out.nc\":probability");
}

TEST(DatasetName, LocalFileOfAnIndexedName) {
  const fs::path folder = fs::temp_directory_path() / ("minerisk_dataset_name_test_" + std::to_string(::getpid()));
  fs::create_directories(folder);
  const fs::path tif = folder / "dem.tif";
  std::ofstream(tif) << "not really a tiff";
  EXPECT_EQ(minerisk::local_file("GTIFF_DIR:1:" + tif.string()), tif);
  EXPECT_TRUE(minerisk::same_local_file("GTIFF_DIR:1:" + tif.string(), tif.string()));
  fs::remove_all(folder);
}
