#pragma once
// The model for one tile: features from the kernels, then the log-odds combination and the
// clearance update.
#include <string>
#include <vector>

#include "minerisk/engine/input_set.hpp"
#include "minerisk/engine/scenario.hpp"

namespace minerisk {

struct TileResult {
  kernels::Window window;
  std::vector<float> probability;
  std::vector<std::vector<float>> evidence;  // same order as Model::evidence_names()
};

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

 private:
  const Scenario& scenario_;
  const InputSet& inputs_;
  std::vector<std::string> names_, descriptions_;
};

}  // namespace minerisk
