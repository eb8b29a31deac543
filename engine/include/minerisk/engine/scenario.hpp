#pragma once
// A scenario file, parsed and validated: every path absolute, every parameter resolved and in
// range. Anything wrong is a UserError naming the key and how to fix it.
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "minerisk/kernels/transforms.hpp"

namespace minerisk {

/// The target grid when the scenario sets one; otherwise the DEM's grid is used.
struct GridSpec {
  std::string crs;                 // anything OGRSpatialReference::SetFromUserInput takes
  double resolution_x = 0, resolution_y = 0;  // CRS units, positive
  double xmin = 0, ymin = 0, xmax = 0, ymax = 0;
};

/// A vector layer from any format OGR reads, with the attribute the model takes from it.
struct VectorInputSpec {
  std::filesystem::path path;
  std::string layer;        // empty: the file's only layer
  std::string where;        // optional OGR SQL attribute filter, as in ogr2ogr -where
  std::string value_field;  // optional attribute (count, POD, reliability); empty: use the default
  double default_value = 1.0;
};

enum class FeatureKind { slope, front_line_distance, find_density, record_coverage };

struct EvidenceSpec {
  std::string name;  // the table name; also the output's evidence/<name>
  FeatureKind feature = FeatureKind::slope;
  double weight = 0.0;
  kernels::Transform transform;
  double bandwidth = 0.0;  // find_density, metres
};

struct Scenario {
  std::filesystem::path file;  // absolute
  std::string title;
  std::optional<GridSpec> grid;
  std::filesystem::path dem;
  std::optional<VectorInputSpec> front_lines, finds, cleared, records;
  double record_line_buffer = 25.0;  // metres around line records
  double intercept = 0.0;
  std::vector<EvidenceSpec> evidence;

  /// The scenario as TOML with every default filled in and every path absolute; stored in the
  /// output so a result can be reproduced from the file alone.
  std::string resolved_toml;
};

/// Reads and validates a scenario file. Paths in it are relative to the file's folder.
Scenario load_scenario(const std::filesystem::path& file);

std::string feature_name(FeatureKind kind);

}  // namespace minerisk
