#pragma once
// `minerisk run`: scenario -> inputs on the grid -> tiles in parallel -> netCDF-4 grid and
// evidence files (run_file_writer.hpp) + quick-look PNG.
#include <atomic>
#include <filesystem>
#include <string>
#include <vector>

#include "minerisk/engine/grid.hpp"
#include "minerisk/engine/ops/control.hpp"
#include "minerisk/engine/run_file_writer.hpp"
#include "minerisk/engine/scenario.hpp"

namespace minerisk {

/// Where to write, and the threads, tiles, progress and cancellation (ops::Control).
struct RunOptions : ops::Control {
  std::filesystem::path output;  // the .nc file; its evidence layers go beside it (evidence_file_for)
  bool quicklook = true;         // also the quick-look PNG beside it
  /// The model file applied to the scenario (apply_model), if any: recorded among the output's
  /// inputs (role "model", its path and SHA-256) and never replaced by an output.
  std::filesystem::path model_file;
  /// How the evidence layers are stored (run_file_writer.hpp); none writes no evidence file.
  EvidenceStorage evidence = EvidenceStorage::packed;
  /// Where to write the run's timings as JSON (stage_times.hpp); empty for none.
  std::filesystem::path timings;
};

struct RunSummary {
  std::filesystem::path output, evidence, picture;  // the grid, its evidence layers, the picture
  int64_t width = 0, height = 0, tiles = 0;
  double seconds = 0;
  std::vector<std::string> notes;  // "note: ..." lines, printed on stderr unless quiet
};

/// Runs the scenario. The file and picture are written under temporary names in the output
/// folder and renamed only when complete, so a failed or interrupted run leaves any previous
/// output as it was and no stray file.
RunSummary run_scenario(const Scenario& scenario, const RunOptions& options);

/// The grid of a scenario computed in memory, for the Python module: the same tiles and
/// kernels as run_scenario, without a file.
struct GridResult {
  Grid grid;
  std::vector<std::string> evidence_names;
  std::vector<float> probability;              // row-major, NaN for no-data
  std::vector<std::vector<float>> evidence;    // one per name
};
GridResult compute_grid(const Scenario& scenario, const ops::Control& control);

/// The quick-look picture's path for an output file: OUT.h5 -> OUT.png.
std::filesystem::path picture_path(const std::filesystem::path& output);

}  // namespace minerisk
