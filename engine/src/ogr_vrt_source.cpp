#include "minerisk/engine/ogr_vrt_source.hpp"

#include <cpl_minixml.h>
#include <cpl_string.h>

#include <cctype>
#include <deque>
#include <filesystem>
#include <memory>
#include <sstream>

#include "minerisk/engine/dataset_name.hpp"
#include "minerisk/engine/gdal_support.hpp"
#include "minerisk/engine/xml_head.hpp"

namespace minerisk {
namespace {

constexpr int kMaxDepth = 8;       // VRTs over VRTs
constexpr size_t kMaxLayers = 64;  // layers found in all (a union of many)

bool is_layer_element(const CPLXMLNode* n) {
  return n->eType == CXT_Element && (EQUAL(n->pszValue, "OGRVRTLayer") || EQUAL(n->pszValue, "OGRVRTWarpedLayer") ||
                                     EQUAL(n->pszValue, "OGRVRTUnionLayer"));
}

// A layer element's name: its own, or (a warped layer without one) that of the layer it warps.
std::string name_of(const CPLXMLNode* n) {
  if (const char* name = CPLGetXMLValue(n, "name", nullptr)) return name;
  for (const CPLXMLNode* c = n->psChild; c; c = c->psNext)
    if (is_layer_element(c)) return name_of(c);
  return "";
}

// The tables a layer of SQL reads: each name after FROM or JOIN ("SELECT * FROM finds"), and
// after a comma in a FROM list ("FROM roads r, finds f"), quotes and a schema ("main.") taken
// off. A match on them is the match on a named layer; a query of no table reads none.
std::vector<std::string> tables_of(const std::string& sql) {
  std::string spaced;
  for (char c : sql) spaced += (c == ',') ? std::string(" , ") : std::string(1, (c == '(' || c == ')' || c == ';') ? ' ' : c);
  std::istringstream words(spaced);
  std::vector<std::string> tables;
  std::string word;
  bool in_from = false, next_is_table = false;
  while (words >> word) {
    const bool keyword = EQUAL(word.c_str(), "FROM") || EQUAL(word.c_str(), "JOIN");
    if (keyword) {
      in_from = next_is_table = true;
      continue;
    }
    if (word == ",") {
      next_is_table = in_from;
      continue;
    }
    if (EQUAL(word.c_str(), "WHERE") || EQUAL(word.c_str(), "ON") || EQUAL(word.c_str(), "GROUP") ||
        EQUAL(word.c_str(), "ORDER") || EQUAL(word.c_str(), "LIMIT") || EQUAL(word.c_str(), "SELECT"))
      in_from = false;
    if (!next_is_table) continue;
    next_is_table = false;
    if (const size_t dot = word.rfind('.'); dot != std::string::npos && word.find_first_of("\"'`") == std::string::npos)
      word.erase(0, dot + 1);
    while (!word.empty() && (word.front() == '"' || word.front() == '\'' || word.front() == '`')) word.erase(0, 1);
    while (!word.empty() && (word.back() == '"' || word.back() == '\'' || word.back() == '`')) word.pop_back();
    if (!word.empty()) tables.push_back(word);
  }
  return tables;
}

// What one layer element reads: a plain layer's source file and layer(s); a warped layer's or a
// union's layers within (for a union, each).
void read_by_element(const CPLXMLNode* n, const std::filesystem::path& folder, std::vector<VectorInputSpec>& out) {
  if (!EQUAL(n->pszValue, "OGRVRTLayer")) {
    for (const CPLXMLNode* c = n->psChild; c; c = c->psNext)
      if (is_layer_element(c)) read_by_element(c, folder, out);
    return;
  }
  const char* source = CPLGetXMLValue(n, "SrcDataSource", nullptr);
  if (!source || !*source) return;
  VectorInputSpec behind;
  const bool relative = CPLTestBool(CPLGetXMLValue(n, "SrcDataSource.relativeToVRT", "0"));
  behind.path = relative ? folder / source : std::filesystem::path(source);
  // Without SrcLayer (or SrcSQL), GDAL reads the source's layer of the VRT layer's own name.
  if (const char* sql = CPLGetXMLValue(n, "SrcSQL", nullptr)) {
    for (const std::string& table : tables_of(sql)) {
      behind.layer = table;
      out.push_back(behind);
    }
    return;
  }
  behind.layer = CPLGetXMLValue(n, "SrcLayer", name_of(n).c_str());
  if (!behind.layer.empty()) out.push_back(behind);  // a layer of no name reads nothing known
}

// One step: the layers `spec` reads when it is an OGR VRT (known by its root element, not its
// extension); none for any other file.
std::vector<VectorInputSpec> one_step(const VectorInputSpec& spec) {
  const std::filesystem::path file = local_file(spec.path.string());
  std::error_code error;
  if (file.empty() || !std::filesystem::is_regular_file(file, error) || std::filesystem::file_size(file, error) > (16u << 20))
    return {};
  if (!file_head_names_element(file, "OGRVRTDataSource")) return {};
  init_gdal();
  const GdalErrorTrap quiet;  // not XML: no VRT
  const std::unique_ptr<CPLXMLNode, decltype(&CPLDestroyXMLNode)> tree(CPLParseXMLFile(file.c_str()), CPLDestroyXMLNode);
  CPLErrorReset();
  const CPLXMLNode* root = tree ? CPLGetXMLNode(tree.get(), "=OGRVRTDataSource") : nullptr;
  if (!root) return {};
  // The layer named (any case, as OGR matches names), or the only one when none is.
  std::vector<const CPLXMLNode*> layers, chosen;
  for (const CPLXMLNode* n = root->psChild; n; n = n->psNext)
    if (is_layer_element(n)) {
      layers.push_back(n);
      if (EQUAL(name_of(n).c_str(), spec.layer.c_str())) chosen.push_back(n);
    }
  if (spec.layer.empty() && layers.size() == 1) chosen = layers;
  std::vector<VectorInputSpec> out;
  for (const CPLXMLNode* n : chosen) read_by_element(n, file.parent_path(), out);
  return out;
}

}  // namespace

std::vector<VectorInputSpec> layers_behind(const VectorInputSpec& spec) {
  std::vector<VectorInputSpec> found;
  std::deque<std::pair<VectorInputSpec, int>> queue{{spec, 0}};
  while (!queue.empty() && found.size() < kMaxLayers) {
    const auto [at, depth] = queue.front();
    queue.pop_front();
    if (depth >= kMaxDepth) continue;
    for (const VectorInputSpec& next : one_step(at)) {
      if (found.size() >= kMaxLayers) break;
      found.push_back(next);
      queue.push_back({next, depth + 1});
    }
  }
  return found;
}

}  // namespace minerisk
