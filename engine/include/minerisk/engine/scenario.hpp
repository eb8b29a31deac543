#pragma once
// A scenario file, parsed and validated: every path absolute, every parameter resolved and in
// range. Anything wrong is a UserError naming the key and how to fix it.
#include <filesystem>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include <toml++/toml.h>

#include "minerisk/engine/grid_spec.hpp"
#include "minerisk/kernels/transforms.hpp"

namespace minerisk {

/// The ranges of a scenario's and a sweep's numbers beyond their own (README, "The scenario
/// file"): NaN and infinities are refused everywhere; a distance in metres (bandwidth,
/// line_buffer, block_size, the front lines' displacement) is at most kMaxDistance, 10,000 km;
/// the intercept and the weights, in log-odds, lie within +-kMaxLogOdds.
inline constexpr double kMaxDistance = 1e7;
inline constexpr double kMaxLogOdds = 1e6;

/// A vector layer from any format OGR reads, with the attribute the model takes from it.
struct VectorInputSpec {
  std::filesystem::path path;
  std::string layer;        // empty: the file's only layer
  std::string where;        // optional OGR SQL attribute filter, as in ogr2ogr -where
  std::string value_field;  // optional attribute (count, POD, reliability); empty: use the default
  double default_value = 1.0;
};

struct EvidenceSpec {
  std::string name;  // the table name; also the output's evidence/<name>
  std::string feature;  // the feature kind's name (engine/features/feature_kinds.cpp lists them)
  double weight = 0.0;
  kernels::Transform transform;
  /// The direction fit may give the layer's effect on the log-odds as its feature (a distance,
  /// a density, a share) grows: +1 increasing, -1 decreasing, 0 either. A fitted effect
  /// against it is set to 0. Needs a monotone transform (not gaussian or categorical).
  int effect = 0;
  double bandwidth = 0.0;        // find_density, metres
  std::string where;             // front_line_distance, find_density: OGR SQL filter on the layer
  std::string others;            // find_share: OGR SQL filter on [finds]' layer selecting sites without finds
  double prior_share = 0.25;     // find_share: the share where no site is near
  double prior_density = 0.05;   // find_share: the prior's weight, in sites per km2
  bool signed_distance = false;  // front_line_distance, vector_distance: + left of the line, - right
  std::optional<VectorInputSpec> vector;  // vector_distance: the layer
  std::filesystem::path raster;           // raster: the file (bilinear; nearest for categorical)
};

/// The largest seed: 2^53, the largest whole number every TOML reader (as a double) and JSON
/// reader holds exactly.
inline constexpr uint64_t kMaxSeed = 9007199254740992ULL;

/// How `minerisk fit` chooses training cells and validates. See README, "minerisk fit".
struct FitSpec {
  std::filesystem::path labels;  // a raster: 1 positive, 0 negative, else unused; empty: finds + cleared
  double background_ratio = 0;   // random background negatives per positive (0: none)
  double l2 = 1.0;               // penalty on the weights (scikit-learn's 1 / C)
  double block_size = 0;         // metres: spatial cross-validation by square blocks
  std::filesystem::path zones;   // or by a zone raster (leave one zone out)
  int folds = 5;                 // blocks are dealt into this many folds
  uint64_t seed = 1;
  /// Fits done, each on its own deal of the blocks into folds and draw of background cells
  /// (seeds seed, seed + 1, ...); the weights are the median of theirs (fit_repeats.hpp).
  int repeats = 1;
  /// 0: fit one weight per layer, through its given transform. N >= 2: learn each continuous
  /// layer's effect as a piecewise-linear curve of its raw value with N segments (knots at
  /// the training cells' quantiles), written as a `piecewise` transform of weight 1.
  int knots = 0;
  /// false: the folds only cross-fit the label layers; no cross-validation is run (faster,
  /// for callers that validate on their own held-out land).
  bool cross_validate = true;

  /// Options given over the scenario's [fit] (on the command line, in Python): zones and
  /// block_size are two ways to make the folds, so the one given drops the other's [fit] entry.
  /// Both given stay both, and the fit refuses them (FoldMap).
  void keep_given_folds(bool zones_given, bool block_size_given) {
    if (zones_given && !block_size_given) block_size = 0;
    if (block_size_given && !zones_given) zones.clear();
  }
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
  FitSpec fit;

  /// The scenario as TOML with every default filled in and every path absolute; stored in the
  /// output so a result can be reproduced from the file alone.
  std::string resolved_toml;
};

/// The fit options' ranges, checked in one place for the scenario file, the command line and
/// Python: the key and what is wrong, or two empty strings.
std::pair<std::string, std::string> fit_spec_problem(const FitSpec& spec);

/// Reads and validates a scenario file. Paths in it are relative to the file's folder.
Scenario load_scenario(const std::filesystem::path& file);

/// Validates a scenario already parsed (from a dictionary, say). `file` names it in messages
/// and its folder resolves relative paths; it need not exist.
Scenario parse_scenario(const toml::table& root, const std::filesystem::path& file);

}  // namespace minerisk
