#pragma once
// The model for one tile: features from the kernels, then the log-odds combination and the
// clearance update.
#include <functional>
#include <string>
#include <vector>

#include "minerisk/engine/input_set.hpp"
#include "minerisk/engine/scenario.hpp"

namespace minerisk {

/// Each evidence layer's feature on a tile, before its transform, and the DEM's elevation
/// (NaN where the DEM has no data, which is no-data in every layer too).
struct TileFeatures {
  std::vector<std::vector<float>> layers;
  std::vector<float> elevation;
};

struct TileResult {
  kernels::Window window;
  std::vector<float> probability;
  std::vector<std::vector<float>> evidence;  // same order as Model::evidence_names()
};

using PointFilter = std::function<bool(const kernels::WeightedPoint&)>;

class Model {
 public:
  Model(const Scenario& scenario, const InputSet& inputs);

  /// Names of the evidence outputs: each scenario layer, then "clearance" when [cleared] is set.
  const std::vector<std::string>& evidence_names() const { return names_; }
  /// Long description of each evidence output, for the file's metadata.
  const std::vector<std::string>& evidence_descriptions() const { return descriptions_; }

  /// Computes one tile. Reads the DEM window it needs; everything else is in memory.
  /// Cells where the DEM has no data are no-data (NaN) in every output.
  TileResult compute(const kernels::Window& tile) const;

  /// Each evidence layer's feature on one tile, before its transform. `keep`, when given,
  /// selects the finds every find_density layer may use (fit's folds leave out the held-out
  /// land's finds, whatever the layer's own filter).
  TileFeatures features(const kernels::Window& tile, const PointFilter* keep = nullptr) const;

  /// The probability of clearance detection on one tile (0 where nothing was cleared).
  std::vector<float> cleared_pod(const kernels::Window& tile) const;

 private:
  const Scenario& scenario_;
  const InputSet& inputs_;
  std::vector<std::string> names_, descriptions_;
};

}  // namespace minerisk
