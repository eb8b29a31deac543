#pragma once
// The files of `minerisk areas`: the GeoPackage (layer `areas` with a default QGIS style, and
// `releases` with --reduce), and the same table as CSV and as JSON.
#include <cstddef>
#include <filesystem>
#include <limits>
#include <string>
#include <vector>

#include "areas_polygons.hpp"
#include "minerisk/engine/grid.hpp"
#include "minerisk/engine/ops/areas.hpp"
#include "minerisk/engine/output_set.hpp"

namespace minerisk::ops {

struct AreaFiles {
  static constexpr size_t kNone = std::numeric_limits<size_t>::max();
  size_t gpkg = kNone, csv = kNone, json = kNone;  // indexes in the OutputSet
};

/// Adds the outputs (checked before any work: UserError for a bad name, an existing file
/// without --overwrite, or an input). `gpkg` empty: no GeoPackage.
AreaFiles add_area_files(OutputSet& outputs, const std::filesystem::path& gpkg, const AreasOptions& options);

/// Writes each file to its temporary; the caller commits.
void write_area_files(OutputSet& outputs, const AreaFiles& files, const AreasResult& result,
                      const std::vector<GivenField>* given_fields, const Grid& grid);

/// The table as CSV text: one row per area by rank, the figures then the given attributes.
std::string areas_csv(const AreasResult& result);

/// What a land-release class asks for (the `action` column).
const char* action_of(const std::string& land_class);

/// The columns the existing polygons' fields become, in their order: the field's own name, or
/// "src_<name>" where that is taken (by a figure, an evidence mean, the GeoPackage's fid or geom,
/// or an earlier field: compared without case, as GeoPackage and SQLite compare column names),
/// with a number added until it is free.
std::vector<std::string> given_columns(const std::vector<GivenField>& fields, const std::vector<std::string>& layers);

}  // namespace minerisk::ops
