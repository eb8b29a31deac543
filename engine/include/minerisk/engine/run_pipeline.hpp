#pragma once
// `minerisk run`: scenario -> inputs on the grid -> tiles in parallel -> HDF5 + quick-look PNG.
#include <atomic>
#include <filesystem>
#include <string>
#include <vector>

#include "minerisk/engine/grid.hpp"
#include "minerisk/engine/scenario.hpp"

namespace minerisk {

struct RunOptions {
  std::filesystem::path output;  // the .h5 file
  int threads = 0;               // 0: all cores
  int64_t tile_size = 512;
  bool quiet = false;
  bool quicklook = true;
  std::string command_line;      // recorded in the file's history
  const std::atomic<bool>* cancel = nullptr;  // set (e.g. by a signal handler) to stop early
};

struct RunSummary {
  std::filesystem::path output, picture;
  int64_t width = 0, height = 0, tiles = 0;
  double seconds = 0;
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
GridResult compute_grid(const Scenario& scenario, int threads = 0, int64_t tile_size = 512,
                        const std::atomic<bool>* cancel = nullptr);

/// The quick-look picture's path for an output file: OUT.h5 -> OUT.png.
std::filesystem::path picture_path(const std::filesystem::path& output);

}  // namespace minerisk
