#include "grid_context.hpp"

#include <system_error>

#include <toml++/toml.h>

#include <cpl_vsi.h>

#include "minerisk/engine/errors.hpp"
#include "minerisk/engine/toml_reader.hpp"

namespace minerisk::ops {
namespace {

// The grid's resolved scenario as a table; empty when the grid has none or it is not TOML.
toml::table scenario_table(const GridFileReader& reader) {
  if (reader.scenario_toml().empty()) return {};
  try {
    return parse_toml_text(reader.scenario_toml(), "the grid's scenario");
  } catch (const UserError&) {
    return {};
  }
}

}  // namespace

std::optional<VectorInputSpec> split_at_existing_path(const std::string& name, const std::string& role) {
  VSIStatBufL st;
  if (name.empty() || VSIStatL(name.c_str(), &st) == 0) return std::nullopt;
  for (size_t colon = name.find(':', 1); colon != std::string::npos; colon = name.find(':', colon + 1)) {
    const std::string path = name.substr(0, colon);
    if (VSIStatL(path.c_str(), &st) != 0) continue;
    if (colon + 1 == name.size())
      throw UserError(role + ": '" + name + "' names no layer after the colon; give PATH:LAYER, or PATH alone for its "
                      "only layer");
    VectorInputSpec spec;
    spec.path = path;
    spec.layer = name.substr(colon + 1);
    return spec;
  }
  return std::nullopt;
}

VectorInputSpec vector_spec(const std::string& name, const std::string& role) {
  if (name.empty()) throw UserError(role + ": give a vector layer as PATH or PATH:LAYER");
  if (std::optional<VectorInputSpec> split = split_at_existing_path(name, role)) return *split;
  VectorInputSpec spec;
  std::error_code error;
  const size_t colon = name.rfind(':');
  if (std::filesystem::exists(name, error) || colon == std::string::npos || colon == 0) {
    spec.path = name;
  } else {
    spec.path = name.substr(0, colon);
    spec.layer = name.substr(colon + 1);
  }
  return spec;
}

std::filesystem::path scenario_dem_named(const GridFileReader& reader) {
  const toml::table scenario = scenario_table(reader);
  return scenario["terrain"]["dem"].value_or(std::string());
}

std::filesystem::path scenario_dem(const GridFileReader& reader) {
  const std::filesystem::path dem = scenario_dem_named(reader);
  std::error_code error;
  if (!dem.empty() && std::filesystem::is_regular_file(dem, error)) return dem;
  return {};
}

std::string grid_title(const GridFileReader& reader, const std::filesystem::path& grid_file) {
  if (!reader.attribute("title").empty()) return reader.attribute("title");
  const std::string title = scenario_table(reader)["title"].value_or(std::string());
  return title.empty() ? grid_file.filename().string() : title;
}

std::vector<ScenarioVector> scenario_vectors(const GridFileReader& reader) {
  const toml::table scenario = scenario_table(reader);
  std::vector<ScenarioVector> vectors;
  for (const char* section : {"front_lines", "finds", "cleared", "records"}) {
    const std::string path = scenario[section]["path"].value_or(std::string());
    if (path.empty()) continue;
    VectorInputSpec spec;
    spec.path = path;
    spec.layer = scenario[section]["layer"].value_or(std::string());
    spec.where = scenario[section]["where"].value_or(std::string());
    vectors.push_back({section, spec});
  }
  return vectors;
}

}  // namespace minerisk::ops
