#pragma once
// What a finished grid says about where it came from, for the operations that read a grid
// (areas, map, report): its scenario's DEM and vector layers, and layers named on the command
// line as PATH or PATH:LAYER.
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "minerisk/engine/grid_file_reader.hpp"
#include "minerisk/engine/scenario.hpp"

namespace minerisk::ops {

/// PATH:LAYER split at the first colon whose PATH exists (a file, a folder of shapefiles, a
/// /vsizip/ member: GDAL's VSIStatL), so a layer name may hold colons ("ns:mines"); nullopt
/// when `name` itself exists or no such colon is found. A colon with no layer after it is
/// refused (UserError naming `role`).
std::optional<VectorInputSpec> split_at_existing_path(const std::string& name, const std::string& role);

/// A vector layer named as PATH or PATH:LAYER (PATH alone when such a file exists): split as
/// split_at_existing_path does, else at the last colon (so a missing PATH is named as missing).
VectorInputSpec vector_spec(const std::string& name, const std::string& role);

/// The DEM the grid was computed from, as its resolved scenario names it ("" when it names none
/// or the file is gone).
std::filesystem::path scenario_dem(const GridFileReader& reader);
/// The same, named whether or not the file is still there ("" when the scenario names none).
std::filesystem::path scenario_dem_named(const GridFileReader& reader);

/// The grid's title: its own attribute, else its scenario's title, else the file's name.
std::string grid_title(const GridFileReader& reader, const std::filesystem::path& grid_file);

/// One vector layer of the grid's scenario: its section ("front_lines", "finds", "cleared",
/// "records") and where it is.
struct ScenarioVector {
  std::string section;
  VectorInputSpec spec;
};

/// The scenario's vector layers, in that order, whether or not their files are still there.
std::vector<ScenarioVector> scenario_vectors(const GridFileReader& reader);

}  // namespace minerisk::ops
