// The default style stored in a GeoPackage for QGIS (engine/src/gpkg_style): one default row in
// QGIS's layer_styles table, with QGIS's column types, that QGIS's own query finds. Set
// MINERISK_KEEP_STYLE_GPKG=PATH to keep the first test's GeoPackage there, to open it in QGIS.
#include <gtest/gtest.h>

#include <gdal_priv.h>
#include <ogr_spatialref.h>
#include <ogrsf_frmts.h>

#include <cstdlib>
#include <filesystem>
#include <stdexcept>
#include <string>
#include <vector>

#include "gpkg_style.hpp"
#include "minerisk/engine/gdal_support.hpp"

namespace fs = std::filesystem;
using namespace minerisk;

namespace {

// Each test writes into its own folder: ctest runs tests in parallel processes.
fs::path test_folder() {
  const fs::path dir = fs::temp_directory_path() / "minerisk_gpkg_style_tests" /
                       ::testing::UnitTest::GetInstance()->current_test_info()->name();
  fs::remove_all(dir);
  fs::create_directories(dir);
  return dir;
}

const std::vector<StyleCategory> kClasses = {
    {"cancellation", "Cancellation", {0xa6, 0xd9, 0x6a, 128}},
    {"technical_survey", "Technical survey", {0xfd, 0xae, 0x61, 255}},
    {"clearance", "Clearance", {0xd7, 0x19, 0x1c, 255}},
};

// The layer `areas` as the areas command writes it: one square polygon per class.
DatasetPtr write_areas(const fs::path& path) {
  init_gdal();
  DatasetPtr ds(GetGDALDriverManager()->GetDriverByName("GPKG")->Create(path.c_str(), 0, 0, 0, GDT_Unknown, nullptr));
  EXPECT_TRUE(ds);
  OGRSpatialReference srs;
  srs.importFromEPSG(32638);
  OGRLayer* layer = ds->CreateLayer("areas", &srs, wkbPolygon, nullptr);
  OGRFieldDefn cls("class", OFTString), rank("rank", OFTInteger), priority("priority", OFTReal);
  EXPECT_EQ(layer->CreateField(&cls), OGRERR_NONE);
  EXPECT_EQ(layer->CreateField(&rank), OGRERR_NONE);
  EXPECT_EQ(layer->CreateField(&priority), OGRERR_NONE);
  for (int i = 0; i < 3; ++i) {
    OGRFeature feature(layer->GetLayerDefn());
    feature.SetField("class", kClasses[i].value.c_str());
    feature.SetField("rank", i + 1);
    feature.SetField("priority", 1.0 - 0.25 * i);
    const double x = 500000.0 + 200.0 * i, y = 4400000.0;
    OGRLinearRing ring;
    ring.addPoint(x, y);
    ring.addPoint(x + 100, y);
    ring.addPoint(x + 100, y + 100);
    ring.addPoint(x, y + 100);
    ring.closeRings();
    OGRPolygon polygon;
    polygon.addRing(&ring);
    feature.SetGeometry(&polygon);
    EXPECT_EQ(layer->CreateFeature(&feature), OGRERR_NONE);
  }
  return ds;
}

struct StyleRow {
  std::string table, schema, geometry, name, qml, sld;
  int default_flag;
};

// Every row of layer_styles, read back through OGR from the closed and reopened file.
std::vector<StyleRow> style_rows(const fs::path& path) {
  DatasetPtr ds(GDALDataset::Open(path.c_str(), GDAL_OF_VECTOR | GDAL_OF_READONLY));
  EXPECT_TRUE(ds);
  std::vector<StyleRow> rows;
  OGRLayer* table = ds->GetLayerByName("layer_styles");
  if (!table) return rows;
  for (auto& f : *table)
    rows.push_back({f->GetFieldAsString("f_table_name"), f->GetFieldAsString("f_table_schema"),
                    f->GetFieldAsString("f_geometry_column"), f->GetFieldAsString("styleName"),
                    f->GetFieldAsString("styleQML"), f->GetFieldAsString("styleSLD"),
                    f->GetFieldAsInteger("useAsDefault")});
  return rows;
}

bool contains(const std::string& text, const std::string& part) { return text.find(part) != std::string::npos; }

}  // namespace

TEST(GpkgStyle, StoresOneDefaultRowQgisFinds) {
  const fs::path path = test_folder() / "areas.gpkg";
  {
    DatasetPtr ds = write_areas(path);
    store_default_style(*ds, "areas", "geom", "class", kClasses, "rank");
  }
  const std::vector<StyleRow> rows = style_rows(path);
  ASSERT_EQ(rows.size(), 1u);
  const StyleRow& row = rows[0];
  EXPECT_EQ(row.table, "areas");
  EXPECT_EQ(row.schema, "");  // QGIS's query asks for '', which NULL would not match
  EXPECT_EQ(row.geometry, "geom");
  EXPECT_EQ(row.name, "areas");
  EXPECT_EQ(row.default_flag, 1);
  EXPECT_TRUE(contains(row.qml, "<renderer-v2 type=\"categorizedSymbol\" attr=\"class\""));
  for (const StyleCategory& c : kClasses) {
    EXPECT_TRUE(contains(row.qml, "value=\"" + c.value + "\"")) << c.value;
    EXPECT_TRUE(contains(row.qml, "label=\"" + c.label + "\"")) << c.label;
    EXPECT_TRUE(contains(row.sld, "<ogc:Literal>" + c.value + "</ogc:Literal>")) << c.value;
  }
  EXPECT_TRUE(contains(row.qml, "\"166,217,106,128\""));  // the pale green at half alpha
  EXPECT_TRUE(contains(row.qml, "\"100,130,64,255\""));   // its outline: darker, opaque
  EXPECT_TRUE(contains(row.qml, "fieldName=\"rank\""));
  EXPECT_TRUE(contains(row.sld, "#d7191c"));

  // QGIS's column types, and the table registered by GDAL as a GeoPackage attributes table.
  DatasetPtr ds(GDALDataset::Open(path.c_str(), GDAL_OF_VECTOR | GDAL_OF_READONLY));
  OGRFeatureDefn* defn = ds->GetLayerByName("layer_styles")->GetLayerDefn();
  const OGRFieldDefn* flag = defn->GetFieldDefn(defn->GetFieldIndex("useAsDefault"));
  EXPECT_EQ(flag->GetType(), OFTInteger);
  EXPECT_EQ(flag->GetSubType(), OFSTBoolean);
  const OGRFieldDefn* time = defn->GetFieldDefn(defn->GetFieldIndex("update_time"));
  EXPECT_EQ(time->GetType(), OFTDateTime);
  EXPECT_STREQ(time->GetDefault(), "CURRENT_TIMESTAMP");
  EXPECT_EQ(defn->GetFieldDefn(defn->GetFieldIndex("styleName"))->GetWidth(), 30);
  EXPECT_STREQ(ds->GetLayerByName("layer_styles")->GetFIDColumn(), "id");
  OGRLayer* contents = ds->ExecuteSQL("SELECT data_type FROM gpkg_contents WHERE table_name = 'layer_styles'", nullptr, nullptr);
  ASSERT_NE(contents, nullptr);
  OGRFeature* kind = contents->GetNextFeature();
  ASSERT_NE(kind, nullptr);
  EXPECT_STREQ(kind->GetFieldAsString(0), "attributes");
  OGRFeature::DestroyFeature(kind);
  ds->ReleaseResultSet(contents);

  // QGIS's own selection of the default (QgsOgrProviderMetadata::loadStyle's filter).
  OGRLayer* table = ds->GetLayerByName("layer_styles");
  ASSERT_EQ(table->SetAttributeFilter("f_table_schema='' AND f_table_name='areas' AND f_geometry_column='geom' "
                                      "ORDER BY CASE WHEN useAsDefault THEN 1 ELSE 2 END,update_time DESC LIMIT 1"),
            OGRERR_NONE);
  EXPECT_EQ(table->GetFeatureCount(), 1);

  if (const char* keep = std::getenv("MINERISK_KEEP_STYLE_GPKG")) fs::copy_file(path, keep, fs::copy_options::overwrite_existing);
}

TEST(GpkgStyle, StoringAgainReplacesTheStyleAndOtherDefaultsStepDown) {
  const fs::path path = test_folder() / "areas.gpkg";
  {
    DatasetPtr ds = write_areas(path);
    store_default_style(*ds, "areas", "geom", "class", kClasses);
    // A planner's own default, saved from QGIS under another name.
    OGRLayer* table = ds->GetLayerByName("layer_styles");
    OGRFeature mine(table->GetLayerDefn());
    mine.SetField("f_table_schema", "");
    mine.SetField("f_table_name", "areas");
    mine.SetField("f_geometry_column", "geom");
    mine.SetField("styleName", "planner's");
    mine.SetField("useAsDefault", 1);
    ASSERT_EQ(table->CreateFeature(&mine), OGRERR_NONE);
    std::vector<StyleCategory> greyed = kClasses;
    greyed[2].rgba = {0x80, 0x80, 0x80, 255};
    store_default_style(*ds, "areas", "geom", "class", greyed, "priority");
  }
  const std::vector<StyleRow> rows = style_rows(path);
  ASSERT_EQ(rows.size(), 2u);
  for (const StyleRow& row : rows) {
    if (row.name == "areas") {
      EXPECT_EQ(row.default_flag, 1);
      EXPECT_TRUE(contains(row.qml, "\"128,128,128,255\""));
      EXPECT_TRUE(contains(row.qml, "fieldName=\"priority\""));
    } else {
      EXPECT_EQ(row.name, "planner's");
      EXPECT_EQ(row.default_flag, 0);
    }
  }
}

TEST(GpkgStyle, EscapesTextForXml) {
  EXPECT_EQ(xml_escape("a<b & \"c\" 'd' > e"), "a&lt;b &amp; &quot;c&quot; &apos;d&apos; &gt; e");
  EXPECT_EQ(xml_escape("two\nlines"), "two&#10;lines");
  EXPECT_EQ(xml_escape("zone ĉ"), "zone ĉ");  // UTF-8 passes through
  EXPECT_THROW(xml_escape(std::string("bell\a")), std::invalid_argument);

  const fs::path path = test_folder() / "areas.gpkg";
  {
    DatasetPtr ds = write_areas(path);
    std::vector<StyleCategory> odd = kClasses;
    odd[0].label = "Cancelled <non-technical> & \"safe\"";
    store_default_style(*ds, "areas", "geom", "class", odd);
  }
  const std::vector<StyleRow> rows = style_rows(path);
  ASSERT_EQ(rows.size(), 1u);
  EXPECT_TRUE(contains(rows[0].qml, "label=\"Cancelled &lt;non-technical&gt; &amp; &quot;safe&quot;\""));
  EXPECT_FALSE(contains(rows[0].qml, "<non-technical>"));
}

TEST(GpkgStyle, RefusesWhatQgisCouldNotUse) {
  const fs::path path = test_folder() / "areas.gpkg";
  DatasetPtr ds = write_areas(path);
  EXPECT_THROW(store_default_style(*ds, "zones", "geom", "class", kClasses), std::invalid_argument);
  EXPECT_THROW(store_default_style(*ds, "areas", "geometry", "class", kClasses), std::invalid_argument);
  EXPECT_THROW(store_default_style(*ds, "areas", "geom", "kind", kClasses), std::invalid_argument);
  EXPECT_THROW(store_default_style(*ds, "areas", "geom", "class", kClasses, "name"), std::invalid_argument);
  EXPECT_THROW(store_default_style(*ds, "areas", "geom", "class", {}), std::invalid_argument);
  EXPECT_EQ(ds->GetLayerByName("layer_styles"), nullptr);  // nothing written
}
