#pragma once
// Everything a scenario names, opened, checked and brought onto one target grid: the DEM, the
// shared vector sections, and one feature per evidence layer (engine/features).
#include <memory>
#include <vector>

#include "minerisk/engine/grid.hpp"
#include "minerisk/engine/provenance.hpp"
#include "minerisk/engine/raster_source.hpp"
#include "minerisk/engine/scenario.hpp"
#include "minerisk/kernels/line_distance.hpp"
#include "minerisk/kernels/point_density.hpp"
#include "minerisk/kernels/polygon_coverage.hpp"

namespace minerisk {

namespace features {
class Feature;
class Clearance;
}  // namespace features

/// The scenario's sections, loaded once and shared (never copied) by the layers that read them.
struct SharedInputs {
  std::shared_ptr<const std::vector<kernels::Segment>> front_lines;
  std::shared_ptr<const std::vector<int64_t>> front_line_keys;  // per segment: its line's key
  std::shared_ptr<const std::vector<kernels::WeightedPoint>> finds;
  std::shared_ptr<const std::vector<kernels::Polygon>> records;  // value: reliability; record: its index
  std::shared_ptr<const std::vector<kernels::Polygon>> cleared;  // value: POD; record: its index
  int64_t record_count = 0, clearance_count = 0;                // records and clearances (not parts)
};

struct InputSet {
  Grid grid;
  std::shared_ptr<const RasterSource> dem;
  std::shared_ptr<const SharedInputs> shared;
  std::vector<InputFile> files;  // provenance, the scenario file first
  std::vector<std::shared_ptr<const features::Feature>> layers;  // one per evidence layer, in order
  std::shared_ptr<const features::Clearance> clearance;          // when [cleared] is set
};

/// Loads and checks every input of the scenario. Throws UserError for anything the user can fix.
/// `known`: hashes of files computed before, reused while a file's stat is unchanged (update).
/// `hash_files` false leaves every input's SHA-256 empty: for an MPI rank that only computes
/// tiles (rank 0 records the provenance), so it does not read whole files for nothing.
std::shared_ptr<const InputSet> load_inputs(const Scenario& scenario, const KnownHashes* known = nullptr,
                                            bool hash_files = true);

}  // namespace minerisk
