#pragma once
// `minerisk sweep`: many scenarios over one region in one pass over its features. A base
// scenario, axes over model parameters (lists, ranges, Latin hypercube samples) and Monte Carlo
// realisations of input uncertainty (front-line position, record validity, POD, weights) become
// per-cell statistics across scenarios and a table of per-scenario summaries.
#include <algorithm>
#include <atomic>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "minerisk/engine/ops/control.hpp"
#include "minerisk/engine/scenario.hpp"

namespace minerisk {

struct SweepAxis {
  std::string parameter;       // e.g. "model.evidence.front_lines.weight"
  std::vector<double> values;  // a list or a range
  bool latin_hypercube = false;
  double low = 0, high = 0;    // the Latin hypercube's interval
};

struct SweepSpec {
  std::filesystem::path file;
  Scenario base;
  std::vector<SweepAxis> axes;
  int samples = 0;             // Latin hypercube samples or Monte Carlo realisations per grid point
  uint64_t seed = 1;
  std::vector<double> thresholds{0.5};
  double top_share = 0.1;      // share of the area compared with the base's top
  bool stack = false;          // also write probability(scenario, y, x)
  // Input uncertainty.
  double front_line_sd = 0, front_line_wavelength = 2000;  // metres
  bool record_validity = false;
  std::optional<std::pair<double, double>> pod_beta;
  std::filesystem::path weights_from;  // a `minerisk fit --report` JSON
  bool monte_carlo = false;            // an [uncertainty] table is given: `samples` realisations

  bool uncertain() const { return monte_carlo; }
  /// Whether `samples` counts anything: Latin hypercube axes or Monte Carlo draws.
  bool sampled() const {
    return monte_carlo || std::any_of(axes.begin(), axes.end(), [](const SweepAxis& a) { return a.latin_hypercube; });
  }
};

/// Reads and validates a sweep file (UserError naming the key otherwise).
SweepSpec load_sweep(const std::filesystem::path& file);
/// Validates a sweep file already parsed; `file` names it in messages and its folder resolves
/// the base scenario's path (which is read).
SweepSpec parse_sweep(const toml::table& root, const std::filesystem::path& file);

/// Where to write, and the threads, tiles, progress and cancellation (ops::Control).
struct SweepOptions : ops::Control {
  std::filesystem::path output;
};

struct SweepSummary {
  int64_t scenarios = 0;
  double seconds = 0;
};

/// Runs the sweep and writes its HDF5 file (staged like run's).
SweepSummary run_sweep(const SweepSpec& spec, const SweepOptions& options);

}  // namespace minerisk
