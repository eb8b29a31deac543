#include "staging.hpp"

#include <optional>

#include "minerisk/engine/errors.hpp"
#include "minerisk/engine/grid_file_reader.hpp"
#include "minerisk/engine/output_format.hpp"
#include "minerisk/engine/output_set.hpp"
#include "update_journal.hpp"
#include "update_lock.hpp"

namespace fs = std::filesystem;

namespace minerisk::ops {

std::vector<std::filesystem::path> scenario_files(const Scenario& s) {
  std::vector<std::filesystem::path> files = {s.file, s.dem, s.fit.labels, s.fit.zones};
  for (const auto* section : {&s.front_lines, &s.finds, &s.cleared, &s.records})
    if (*section) files.push_back((*section)->path);
  for (const EvidenceSpec& e : s.evidence) {
    files.push_back(e.raster);
    if (e.vector) files.push_back(e.vector->path);
  }
  return files;  // empty paths (a section not given) are skipped by OutputSet
}

std::vector<std::filesystem::path> paths_of(const std::vector<InputFile>& files) {
  std::vector<std::filesystem::path> paths;
  for (const InputFile& f : files) paths.push_back(f.path);
  return paths;
}

uint64_t grid_file_lower_bound(int64_t width, int64_t height, int64_t tile_size, uint64_t variables,
                               uint64_t text_bytes, uint64_t packed_variables) {
  const auto w = static_cast<uint64_t>(width), h = static_cast<uint64_t>(height);
  const auto t = static_cast<uint64_t>(tile_size);
  const uint64_t tiles = ((w + t - 1) / t) * ((h + t - 1) / t);
  constexpr uint64_t kZlibStream = 8;  // two header bytes, an empty final block, the Adler-32
  return 8 * (w + h) + text_bytes + variables * (tiles * kZlibStream + deflate_lower_bound(w * h * 4)) +
         packed_variables * (tiles * kZlibStream + deflate_lower_bound(w * h * 2));  // int16
}

std::vector<ReservedName> update_reserved_names(const fs::path& output) {
  const std::string of = " of '" + output.string() + "'";
  return {{UpdateLock::path_for(output), "the update's own lock" + of},
          {UpdateJournal::path_for(output), "the update's own journal" + of}};
}

void check_update_output(const Scenario& scenario, const fs::path& output, const fs::path& timings) {
  check_netcdf_output_name(output, "probability");
  const fs::path folder = output.has_parent_path() ? output.parent_path() : fs::path(".");
  std::error_code ec;
  if (!fs::is_directory(folder, ec))
    throw UserError("output: folder '" + folder.string() + "' does not exist; create it or choose another output path");
  // The previous output is read before run's checks of the destination: a FIFO by that name
  // would hold HDF5's open of it for ever, and a folder would read as "not HDF5".
  const fs::file_type type = fs::symlink_status(output, ec).type();
  if (type != fs::file_type::not_found && type != fs::file_type::regular && type != fs::file_type::symlink)
    throw UserError("output: '" + output.string() + "' exists and is not a regular file (" +
                    (type == fs::file_type::directory ? "a folder" : "a device, a fifo or a socket") +
                    "); write to a file instead");
  // An existing output is judged before the lock is made beside it: a link that leads nowhere
  // has no previous output to update, and an input (through a link or a hard link) would read as
  // "not a grid, use --overwrite", which the input check then refuses.
  if (type == fs::file_type::symlink) {
    std::error_code target_error;
    const bool leads_somewhere = fs::exists(output, target_error);
    if (!leads_somewhere && !target_error)
      throw UserError("output: '" + output.string() + "' is a link to '" + fs::read_symlink(output, ec).string() +
                      "', which does not exist; remove the link or choose another output path");
  }
  if (type != fs::file_type::not_found)
    for (const fs::path& input : scenario_files(scenario))
      if (fs::equivalent(output, input, ec)) refuse_output_that_is_input(output, input);
  // The lock and the journal are written beside the output: never one of the inputs.
  for (const ReservedName& side : update_reserved_names(output))
    for (const fs::path& input : scenario_files(scenario))
      if (fs::exists(side.path, ec) && fs::equivalent(side.path, input, ec))
        throw UserError("'" + side.path.string() + "' is one of the scenario's inputs; update keeps its lock and journal "
                        "there: choose another output name");
  if (!timings.empty()) refuse_reserved_name(timings, update_reserved_names(output), "--timings");
}

// An update recomputes every tile when the model changes, but a previous output on another grid
// (size, cells, extent or CRS) is most likely another region's: the wrong -o, which the update
// would replace whole. So it takes --overwrite, as replacing any other file does.
void refuse_another_grid(const fs::path& output, const Scenario& scenario, bool damaged) {
  // The scenario's grid as the run will make it, before any input is read or hashed.
  const Grid grid = scenario.grid ? grid_from_spec(*scenario.grid, scenario.file) : grid_from_raster(scenario.dem);
  std::optional<GridFileReader> previous;
  try {
    previous.emplace(output, "probability");
  } catch (const UserError&) {
    if (damaged) return;  // a minerisk output too damaged to read is replaced, as its record is
    throw;
  }
  const std::string why = grid_difference(previous->grid(), grid);
  if (!why.empty())
    throw UserError("'" + output.string() + "' is on another grid than the scenario's: " + why +
                    " (the output's first); it is another region's output, or the scenario's grid changed: give "
                    "another -o, or --overwrite to replace it with this scenario's grid");
}

}  // namespace minerisk::ops
