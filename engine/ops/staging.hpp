#pragma once
// What the operations tell their OutputSet (engine/include/minerisk/engine/output_set.hpp):
// the files a scenario reads, so no output replaces one, and lower bounds on the size of the
// files they write, for the free-space check. Internal to engine/ops.
#include <cstdint>
#include <filesystem>
#include <vector>

#include "minerisk/engine/grid.hpp"
#include "minerisk/engine/output_set.hpp"
#include "minerisk/engine/provenance.hpp"
#include "minerisk/engine/scenario.hpp"

namespace minerisk::ops {

/// Every file the scenario names: the scenario itself, the DEM, the vector sections, the
/// evidence layers' rasters and vectors, and [fit]'s labels and zones.
std::vector<std::filesystem::path> scenario_files(const Scenario& scenario);

/// Before update takes its lock (a file beside the output): the output's name, folder and kind,
/// and that neither the lock nor the journal beside it is one of the scenario's inputs. A wrong
/// -o is refused with run's message (UserError) and leaves no lock file behind. `timings`
/// (--timings, or empty) may not name the lock or the journal (refused as OutputSet refuses any
/// output of those names, but before the lock is made).
void check_update_output(const Scenario& scenario, const std::filesystem::path& output,
                         const std::filesystem::path& timings = {});

/// The names update keeps for its lock and journal beside `output`: no output may take them
/// (--timings OUT.nc.journal was committed, then removed as the journal; OUT.nc.lock replaced
/// the lock, and every later update was refused).
std::vector<ReservedName> update_reserved_names(const std::filesystem::path& output);

/// Refuses (UserError) a previous output whose grid is not the scenario's: an update without --overwrite
/// replaces only the same grid's output. One whose record is `damaged` is compared too, when
/// GDAL can still read its grid.
void refuse_another_grid(const std::filesystem::path& output, const Scenario& scenario, bool damaged);

/// The paths of the inputs an InputSet opened (InputSet::files).
std::vector<std::filesystem::path> paths_of(const std::vector<InputFile>& files);

/// The least an HDF5 grid file can take: its coordinates (stored uncompressed), its text
/// attributes, and `variables` float32 grids (and `packed_variables` int16 ones) of width x
/// height in tiles of tile_size, each tile at least a zlib stream's few bytes and deflate's best
/// ratio (1032:1).
uint64_t grid_file_lower_bound(int64_t width, int64_t height, int64_t tile_size, uint64_t variables,
                               uint64_t text_bytes,
                               uint64_t packed_variables = 0);

}  // namespace minerisk::ops
