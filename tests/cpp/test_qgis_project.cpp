// The QGIS project beside a map's outputs (engine/render/qgis_project): well-formed XML with
// every text escaped, every path relative to the project's folder, one shader item per colour
// class in the map's colours, the evidence group hidden and the areas categorized by class.
// That QGIS itself reads and draws it is tests/python/test_qgis_project.py.
#include <cmath>
#include <limits>
#include <gtest/gtest.h>

#include <cpl_error.h>
#include <cpl_minixml.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <memory>
#include <sstream>
#include <stdexcept>
#include <string>
#include <vector>

#include "minerisk/engine/errors.hpp"
#include "render/colour_classes.hpp"
#include "render/qgis_project.hpp"

namespace fs = std::filesystem;
using namespace minerisk;
using namespace minerisk::render;

namespace {

struct XmlDeleter {
  void operator()(CPLXMLNode* n) const { CPLDestroyXMLNode(n); }
};
using Xml = std::unique_ptr<CPLXMLNode, XmlDeleter>;

const fs::path kFolder = "/data/mission";

QgisProjectSpec sample_spec() {
  QgisProjectSpec spec;
  spec.title = "Ağdam <district> & \"Şıxlı\" — 'draft'";
  spec.grid = kFolder / "sample.nc";
  spec.crs_wkt = "PROJCS[\"WGS 84 / UTM zone 38N\",AUTHORITY[\"EPSG\",\"32638\"]]";
  spec.extent = {644880, 4399880, 655120, 4410120};
  spec.classes = log_classes(0.05, 0.5);
  spec.evidence = {{kFolder / "sample_evidence.nc", "slope", "slope", -2.5, 0},
                   {kFolder / "sample_evidence.nc", "front_lines", "front lines & belts", 0, 3}};
  spec.vectors = {{kFolder / "sample" / "region.gpkg", "front_lines", "", "Front lines", ContextKind::front_lines,
                   QgisGeometry::line, ""},
                  {"/elsewhere/finds.gpkg", "finds", "count > 2", "Finds", ContextKind::finds, QgisGeometry::point, ""},
                  {kFolder / "sample" / "region.gpkg", "records", "", "Records", ContextKind::records,
                   QgisGeometry::polygon, ""}};
  spec.areas = kFolder / "areas.gpkg";
  return spec;
}

Xml parse(const std::string& text) {
  Xml root(CPLParseXMLString(text.c_str()));
  return root;
}

// The <qgis> element (the document also holds the declaration and the doctype).
const CPLXMLNode* qgis_of(const Xml& root) { return CPLSearchXMLNode(root.get(), "=qgis"); }

std::vector<const CPLXMLNode*> children(const CPLXMLNode* node, const std::string& name) {
  std::vector<const CPLXMLNode*> out;
  for (const CPLXMLNode* c = node ? node->psChild : nullptr; c; c = c->psNext)
    if (c->eType == CXT_Element && name == c->pszValue) out.push_back(c);
  return out;
}

const CPLXMLNode* map_layer(const CPLXMLNode* qgis, const std::string& id) {
  for (const CPLXMLNode* layer : children(CPLGetXMLNode(qgis, "projectlayers"), "maplayer"))
    if (id == CPLGetXMLValue(layer, "id", "")) return layer;
  return nullptr;
}

std::string hex(const Colour& c) {
  char text[8];
  std::snprintf(text, sizeof text, "#%02x%02x%02x", static_cast<int>(c.r * 255 + 0.5), static_cast<int>(c.g * 255 + 0.5),
                static_cast<int>(c.b * 255 + 0.5));
  return text;
}

}  // namespace

TEST(QgisProject, IsWellFormedWithEveryTextEscaped) {
  const QgisProjectSpec spec = sample_spec();
  const std::string xml = qgis_project_xml(spec, kFolder);
  const Xml root = parse(xml);
  ASSERT_TRUE(root) << CPLGetLastErrorMsg();
  const CPLXMLNode* qgis = qgis_of(root);
  ASSERT_NE(qgis, nullptr);
  // The parser gives back exactly the texts that went in.
  EXPECT_EQ(CPLGetXMLValue(qgis, "title", ""), spec.title);
  EXPECT_EQ(CPLGetXMLValue(qgis, "projectname", ""), spec.title);
  EXPECT_EQ(CPLGetXMLValue(qgis, "projectMetadata.title", ""), spec.title);
  EXPECT_EQ(CPLGetXMLValue(qgis, "projectCrs.spatialrefsys.wkt", ""), spec.crs_wkt);
  EXPECT_EQ(std::string(CPLGetXMLValue(map_layer(qgis, "minerisk_evidence_1"), "layername", "")), "front lines & belts");
  EXPECT_EQ(xml.find("<district>"), std::string::npos);
  // Relative paths are on.
  EXPECT_STREQ(CPLGetXMLValue(qgis, "properties.Paths.Absolute", ""), "false");
}

TEST(QgisProject, PathsAreRelativeToTheProjectsFolder) {
  const std::string xml = qgis_project_xml(sample_spec(), kFolder);
  const Xml root = parse(xml);
  const CPLXMLNode* qgis = qgis_of(root);
  EXPECT_STREQ(CPLGetXMLValue(map_layer(qgis, "minerisk_probability"), "datasource", ""),
               "NETCDF:\"./sample.nc\":probability");
  EXPECT_STREQ(CPLGetXMLValue(map_layer(qgis, "minerisk_evidence_0"), "datasource", ""),
               "NETCDF:\"./sample_evidence.nc\":slope");
  EXPECT_STREQ(CPLGetXMLValue(map_layer(qgis, "minerisk_vector_0"), "datasource", ""),
               "./sample/region.gpkg|layername=front_lines");
  EXPECT_STREQ(CPLGetXMLValue(map_layer(qgis, "minerisk_vector_1"), "datasource", ""),
               "../../elsewhere/finds.gpkg|layername=finds|subset=count > 2");
  EXPECT_STREQ(CPLGetXMLValue(map_layer(qgis, "minerisk_areas"), "datasource", ""), "./areas.gpkg|layername=areas");
  // No absolute path anywhere, in the layers or the layer tree.
  EXPECT_EQ(xml.find(kFolder.string()), std::string::npos);
  EXPECT_EQ(xml.find("\"/elsewhere"), std::string::npos);
  EXPECT_EQ(xml.find(">/elsewhere"), std::string::npos);
}

TEST(QgisProject, HasOneShaderItemPerClassInTheMapsColours) {
  const QgisProjectSpec spec = sample_spec();
  for (const ColourClasses& classes : {log_classes(0.05, 0.5), log_classes(0.01, 0.2)}) {
    QgisProjectSpec s = spec;
    s.classes = classes;
    const Xml root = parse(qgis_project_xml(s, kFolder));
    const CPLXMLNode* layer = map_layer(qgis_of(root), "minerisk_probability");
    const CPLXMLNode* renderer = CPLGetXMLNode(layer, "pipe.rasterrenderer");
    ASSERT_NE(renderer, nullptr);
    EXPECT_STREQ(CPLGetXMLValue(renderer, "type", ""), "singlebandpseudocolor");
    const CPLXMLNode* shader = CPLGetXMLNode(renderer, "rastershader.colorrampshader");
    EXPECT_STREQ(CPLGetXMLValue(shader, "colorRampType", ""), "DISCRETE");
    const auto items = children(shader, "item");
    ASSERT_EQ(items.size(), classes.size());
    for (size_t k = 0; k < items.size(); ++k) {
      EXPECT_EQ(CPLGetXMLValue(items[k], "color", ""), hex(classes.colours[k])) << k;
      EXPECT_EQ(CPLGetXMLValue(items[k], "label", ""), classes.labels[k]) << k;
      EXPECT_STREQ(CPLGetXMLValue(items[k], "alpha", ""), "255");
      // A discrete item runs up to its value, at or below which QGIS gives a cell its colour: the
      // largest float32 below the next class's lower bound (a probability at the bound is in the
      // next class, as the map has it), the last one on.
      const std::string value = CPLGetXMLValue(items[k], "value", "");
      if (k + 1 < items.size()) {
        const double v = std::stod(value), bound = classes.lower[k + 1];
        const auto f = static_cast<float>(v);
        EXPECT_EQ(static_cast<double>(f), v) << k;  // a float32, written exactly
        EXPECT_LT(v, bound) << k;
        EXPECT_GE(static_cast<double>(std::nextafter(f, std::numeric_limits<float>::infinity())), bound) << k;
      } else {
        EXPECT_EQ(value, "inf");
      }
    }
  }
}

TEST(QgisProject, GroupsTheEvidenceHiddenAndStylesTheAreasByClass) {
  const Xml root = parse(qgis_project_xml(sample_spec(), kFolder));
  const CPLXMLNode* qgis = qgis_of(root);
  const CPLXMLNode* tree = CPLGetXMLNode(qgis, "layer-tree-group");
  const auto groups = children(tree, "layer-tree-group");
  ASSERT_EQ(groups.size(), 1u);
  EXPECT_STREQ(CPLGetXMLValue(groups[0], "name", ""), "Evidence layers");
  EXPECT_STREQ(CPLGetXMLValue(groups[0], "checked", ""), "Qt::Unchecked");
  ASSERT_EQ(children(groups[0], "layer-tree-layer").size(), 2u);
  // Above the group: the vectors in order, the areas, the probability; all shown.
  std::vector<std::string> top;
  for (const CPLXMLNode* l : children(tree, "layer-tree-layer")) {
    top.push_back(CPLGetXMLValue(l, "id", ""));
    EXPECT_STREQ(CPLGetXMLValue(l, "checked", ""), "Qt::Checked");
  }
  EXPECT_EQ(top, (std::vector<std::string>{"minerisk_vector_0", "minerisk_vector_1", "minerisk_vector_2",
                                           "minerisk_areas", "minerisk_probability"}));

  const CPLXMLNode* areas = map_layer(qgis, "minerisk_areas");
  EXPECT_STREQ(CPLGetXMLValue(areas, "labelsEnabled", ""), "1");
  EXPECT_STREQ(CPLGetXMLValue(areas, "labeling.settings.text-style.fieldName", ""), "rank");
  const CPLXMLNode* renderer = CPLGetXMLNode(areas, "renderer-v2");
  EXPECT_STREQ(CPLGetXMLValue(renderer, "type", ""), "categorizedSymbol");
  EXPECT_STREQ(CPLGetXMLValue(renderer, "attr", ""), "class");
  std::vector<std::string> values;
  for (const CPLXMLNode* c : children(CPLGetXMLNode(renderer, "categories"), "category"))
    values.push_back(CPLGetXMLValue(c, "value", ""));
  EXPECT_EQ(values, (std::vector<std::string>{"cancellation", "technical_survey", "clearance", "no_data"}));

  // Each vector with one symbol for its geometry.
  EXPECT_STREQ(CPLGetXMLValue(map_layer(qgis, "minerisk_vector_0"), "renderer-v2.symbols.symbol.type", ""), "line");
  EXPECT_STREQ(CPLGetXMLValue(map_layer(qgis, "minerisk_vector_1"), "renderer-v2.symbols.symbol.type", ""), "marker");
  EXPECT_STREQ(CPLGetXMLValue(map_layer(qgis, "minerisk_vector_2"), "renderer-v2.symbols.symbol.type", ""), "fill");
  EXPECT_STREQ(CPLGetXMLValue(map_layer(qgis, "minerisk_vector_2"), "geometry", ""), "Polygon");
}

TEST(QgisProject, RefusesTextsXmlCannotHold) {
  QgisProjectSpec spec = sample_spec();
  spec.title = std::string("bell\a");
  EXPECT_THROW(qgis_project_xml(spec, kFolder), std::invalid_argument);
  spec = sample_spec();
  spec.classes = ColourClasses{};
  EXPECT_THROW(qgis_project_xml(spec, kFolder), std::invalid_argument);
}

TEST(QgisProject, IsWrittenWholeAndNeverOverAnExistingFileUnlessAsked) {
  const fs::path dir = fs::temp_directory_path() / "minerisk_qgis_project_tests";
  fs::remove_all(dir);
  fs::create_directories(dir);
  QgisProjectSpec spec = sample_spec();
  spec.grid = dir / "sample.nc";
  spec.evidence.clear();
  spec.vectors.clear();
  spec.areas.clear();
  const fs::path project = dir / "project.qgs";
  write_qgis_project(project, spec);
  std::stringstream text;
  text << std::ifstream(project).rdbuf();
  EXPECT_EQ(text.str(), qgis_project_xml(spec, dir));
  EXPECT_THROW(write_qgis_project(project, spec), UserError);
  spec.title = "second";
  write_qgis_project(project, spec, true);
  std::stringstream again;
  again << std::ifstream(project).rdbuf();
  EXPECT_NE(again.str().find("<title>second</title>"), std::string::npos);
  // Only the project is left in the folder: no temporary.
  EXPECT_EQ(std::distance(fs::directory_iterator(dir), fs::directory_iterator()), 1);
  fs::remove_all(dir);
}
