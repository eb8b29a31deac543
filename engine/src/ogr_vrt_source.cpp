#include "minerisk/engine/ogr_vrt_source.hpp"

#include <cpl_minixml.h>
#include <cpl_string.h>

#include <filesystem>
#include <memory>

#include "minerisk/engine/dataset_name.hpp"
#include "minerisk/engine/gdal_support.hpp"

namespace minerisk {
namespace {

constexpr int kMaxDepth = 8;

// One step: the source of `spec` if it is an OGR VRT (by its root element, not its extension).
std::optional<VectorInputSpec> one_step(const VectorInputSpec& spec) {
  const std::filesystem::path file = local_file(spec.path.string());
  std::error_code error;
  if (file.empty() || !std::filesystem::is_regular_file(file, error) || std::filesystem::file_size(file, error) > (16u << 20))
    return std::nullopt;
  init_gdal();
  const GdalErrorTrap quiet;  // not XML: no VRT
  const std::unique_ptr<CPLXMLNode, decltype(&CPLDestroyXMLNode)> tree(CPLParseXMLFile(file.c_str()), CPLDestroyXMLNode);
  CPLErrorReset();
  const CPLXMLNode* root = tree ? CPLGetXMLNode(tree.get(), "=OGRVRTDataSource") : nullptr;
  if (!root) return std::nullopt;
  // The layer named (any case, as OGR matches names), or the only one when none is.
  const CPLXMLNode* chosen = nullptr;
  int layers = 0;
  for (const CPLXMLNode* n = root->psChild; n; n = n->psNext) {
    if (n->eType != CXT_Element || !EQUAL(n->pszValue, "OGRVRTLayer")) continue;
    ++layers;
    if (spec.layer.empty() || EQUAL(CPLGetXMLValue(n, "name", ""), spec.layer.c_str())) chosen = n;
  }
  if (!chosen || (spec.layer.empty() && layers != 1)) return std::nullopt;
  const char* source = CPLGetXMLValue(chosen, "SrcDataSource", nullptr);
  if (!source || !*source) return std::nullopt;
  VectorInputSpec behind;
  const bool relative = CPLTestBool(CPLGetXMLValue(chosen, "SrcDataSource.relativeToVRT", "0"));
  behind.path = relative ? file.parent_path() / source : std::filesystem::path(source);
  // Without SrcLayer, GDAL reads the source's layer of the VRT layer's own name; a layer of SQL
  // may read any layer of the file (""), which is what a match on the file alone means.
  behind.layer = CPLGetXMLValue(chosen, "SrcLayer", CPLGetXMLNode(chosen, "SrcSQL") ? "" : CPLGetXMLValue(chosen, "name", ""));
  return behind;
}

}  // namespace

std::optional<VectorInputSpec> ogr_vrt_source(const VectorInputSpec& spec) {
  std::optional<VectorInputSpec> found;
  VectorInputSpec at = spec;
  for (int depth = 0; depth < kMaxDepth; ++depth) {
    const std::optional<VectorInputSpec> next = one_step(at);
    if (!next) break;
    found = at = *next;
  }
  return found;
}

}  // namespace minerisk
