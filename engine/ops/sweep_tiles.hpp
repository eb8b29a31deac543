#pragma once
// A sweep's work on one tile, the same on the process that writes the file and, over MPI, on
// every rank that computes for it (sweep_cluster.cpp): the inputs, model and scenarios every
// rank builds alike, the base's pass, every scenario's probability, and the values each tile
// stores. Internal to engine/ops.
#include <memory>
#include <span>
#include <vector>

#include "../features/feature.hpp"
#include "minerisk/engine/input_set.hpp"
#include "minerisk/engine/model.hpp"
#include "minerisk/engine/ops/sweep.hpp"
#include "minerisk/kernels/tile_plan.hpp"
#include "sweep_draws.hpp"
#include "sweep_statistics.hpp"

namespace minerisk::sweep {

/// Pass 0's sums over tiles: the base's histogram and its cells with a value (integers: exact
/// in any order, on any rank).
struct BaseSums {
  std::vector<int64_t> histogram = std::vector<int64_t>(kBins, 0);
  int64_t valid = 0;
  void add(std::span<const float> base);
  void add(const BaseSums& other);
  std::vector<int64_t> flat() const;  // to send to another rank
  static BaseSums from_flat(const std::vector<int64_t>& sums);
};

class SweepTiles {
 public:
  /// Loads the base's inputs, builds its model and draws the scenarios; plans tiles small
  /// enough that a tile's every scenario stays within 256 MB a thread. `hash_files` false: the
  /// inputs' SHA-256 are not computed (an MPI rank that only computes for rank 0).
  SweepTiles(const SweepSpec& spec, const SweepOptions& options, bool hash_files = true);

  const InputSet& inputs() const { return *inputs_; }
  const Model& model() const { return *model_; }
  const kernels::TilePlan& plan() const { return *plan_; }
  int64_t tile_size() const { return tile_size_; }
  int64_t scenarios() const { return static_cast<int64_t>(draws_.size()); }
  const std::vector<Draw>& draws() const { return draws_; }

  /// The base's pass on one tile: its probability added to `sums`; returns the tile's features.
  TileFeatures base_pass(const kernels::Window& tile, BaseSums& sums) const;
  /// The probability of scenarios [first, first + count) on one tile, then the base's last.
  std::vector<std::vector<float>> probabilities(TileFeatures& f, size_t first, size_t count) const;

 private:
  std::shared_ptr<const InputSet> inputs_;
  std::unique_ptr<Model> model_;
  std::vector<Draw> draws_;
  std::vector<std::vector<std::unique_ptr<features::Feature>>> drawn_;  // nullptr: the layer as it is
  Draw base_;
  int64_t tile_size_ = 0;
  std::unique_ptr<kernels::TilePlan> plan_;
};

/// What a tile's features hold in bytes (layers and DEM; the memo's values are of the same order).
double tile_bytes(const TileFeatures& f);

/// A tile's values in the order the file's variables are added: mean, sd, p05, p50, p95, each
/// threshold's exceedance, then, when stacked, each scenario's probability.
std::vector<std::span<const float>> stored_values(const CellStatistics& c,
                                                  const std::vector<std::vector<float>>& probabilities, bool stack);

}  // namespace minerisk::sweep
