#pragma once
// Which grid a GeoPackage of `minerisk areas` was made from, recorded in it and checked where
// it is used beside a grid (`map --areas`, `report --areas`): another grid's areas would be
// drawn and ranked as this grid's hazard areas.
#include <filesystem>
#include <string>

class GDALDataset;

namespace minerisk {
class GridFileReader;
}

namespace minerisk::ops {

/// Records the grid's run_id and variable as metadata of the GeoPackage (GDAL's dataset
/// metadata, which QGIS shows in the layer's properties), and what the areas were computed
/// from (`inputs_record`, tool_provenance.hpp: the grid, then what the grid names), so fit
/// refuses a distance to them when the grid saw the finds. An empty run_id (another program's
/// raster) is left out.
/// Also the thresholds T1 and T2 the areas were classed at, so that a map or report draws the
/// grid in the same classes.
void record_areas_source(GDALDataset& gpkg, const std::string& run_id, const std::string& variable,
                         const std::string& inputs_record, double t1, double t2);

/// Refuses (UserError naming `option`) areas made from another grid than `reader`'s: another
/// run_id when both are known; otherwise areas that lie wholly outside the grid. An empty
/// areas layer, or one whose CRS cannot be compared, passes.
void check_areas_source(const std::filesystem::path& gpkg, const GridFileReader& reader, const std::string& option);

/// check_areas_source for `--areas`, then the thresholds the areas were classed at
/// (record_areas_source) become the map's classes for --t1 or --t2 not given. A given one that
/// differs is refused (UserError naming the option), since the map's classes and the areas'
/// `class` column would then disagree. Areas that record none (another program's, or an earlier
/// version's) leave `t1` and `t2` as they are.
void check_areas_and_take_thresholds(const std::filesystem::path& gpkg, const GridFileReader& reader, double& t1,
                                     double& t2);

}  // namespace minerisk::ops
