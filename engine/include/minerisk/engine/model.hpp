#pragma once
// The model for one tile: each evidence layer's feature (engine/features), then the log-odds
// combination and the clearance update (kernels/combine).
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "minerisk/engine/digest.hpp"
#include "minerisk/engine/input_set.hpp"
#include "minerisk/engine/scenario.hpp"

namespace minerisk {

class StageTimes;

namespace features {
class Feature;
class TileMemo;
class HeldOutLabels;
struct TileInput;
struct InputDraw;
}  // namespace features

/// One tile's DEM and each evidence layer's feature, before its transform (NaN where the DEM
/// has no data, which is no-data in every layer too), with the per-tile values the layers
/// share, so a sweep can recompute a layer under a draw without redoing the rest.
struct TileFeatures {
  kernels::Window tile;
  std::vector<float> dem;        // the tile grown by one cell
  std::vector<float> elevation;  // the tile
  std::vector<std::vector<float>> layers;
  std::shared_ptr<features::TileMemo> memo;

  TileFeatures();
  ~TileFeatures();
  TileFeatures(TileFeatures&&) noexcept;
  TileFeatures& operator=(TileFeatures&&) noexcept;
};

struct TileResult {
  kernels::Window window;
  std::vector<float> probability;
  std::vector<std::vector<float>> evidence;  // same order as Model::evidence_names()
};

/// The digest of a tile's DEM window as read (the tile grown by one cell): part 0 of its fingerprint.
Digest dem_window_digest(const std::vector<float>& dem_window);

class Model {
 public:
  Model(const Scenario& scenario, std::shared_ptr<const InputSet> inputs);

  /// Names of the evidence outputs: each scenario layer, then "clearance" when [cleared] is set.
  const std::vector<std::string>& evidence_names() const { return names_; }
  /// Long description of each evidence output, for the file's metadata.
  const std::vector<std::string>& evidence_descriptions() const { return descriptions_; }
  const InputSet& inputs() const { return *inputs_; }
  const Grid& grid() const { return inputs_->grid; }

  /// Computes one tile. Reads the DEM window it needs (and raster layers' windows); the vector
  /// inputs are in memory.
  /// Cells where the DEM has no data are no-data (NaN) in every output.
  /// With `times`, the tile's work is added to it by stage (reading the DEM, each feature,
  /// clearance, combine).
  /// With `dem_digest`, the digest of the DEM window it read (fingerprint part 0) goes there.
  TileResult compute(const kernels::Window& tile, StageTimes* times = nullptr, Digest* dem_digest = nullptr) const;

  /// Each evidence layer's feature on one tile, before its transform.
  TileFeatures features(const kernels::Window& tile, StageTimes* times = nullptr, Digest* dem_digest = nullptr) const;

  /// The parts of a tile's fingerprint for `update` (model_fingerprint.cpp), by name:
  /// "terrain.dem" (the DEM window the tile reads, its halo included), then each evidence
  /// layer's own inputs by the layer's name, then "clearance" when [cleared] is set.
  std::vector<std::string> fingerprint_parts() const;
  /// The files part `part` reads as rasters (every file GDAL reads for them: sidecars and a
  /// VRT's sources too): its stored digests stand, unread, while they are unchanged.
  std::vector<std::filesystem::path> fingerprint_files(size_t part) const;
  /// Part `part` of the fingerprint of `tile`.
  Digest fingerprint(size_t part, const kernels::Window& tile) const;
  /// Whether part `part` reads no raster (its inputs, if any, are vectors held in memory): not
  /// the DEM's part, nor a raster layer's. A terrain layer's part is empty (the DEM is part 0's)
  /// and counts as one. These parts are fingerprinted per sub-block too.
  bool part_is_vector(size_t part) const { return part > 0 && fingerprint_files(part).empty(); }
  /// Per sub-block slot of `tile` (sub_blocks.hpp), one digest of every vector part's
  /// fingerprint of that sub-block; a zero digest for an empty slot. A sub-block whose digest
  /// is unchanged holds the same values whatever changed elsewhere in the tile, as long as the
  /// DEM's and the raster parts' digests of the tile are unchanged too.
  std::vector<Digest> sub_fingerprints(const kernels::Window& tile, int64_t tile_size) const;

  /// Evidence layer `layer`'s feature on one tile, built without the labels `held_out` leaves
  /// out (fit's cross-fitting; for a layer built from labels). No DEM is read: the caller uses
  /// only cells that have data.
  std::vector<float> layer_without(size_t layer, const kernels::Window& tile,
                                   const features::HeldOutLabels& held_out) const;

  /// The feature `feature` (a layer under a sweep's draw) on the tile of `f`, with the DEM's
  /// no-data, into `out`.
  void feature_on(const features::Feature& feature, TileFeatures& f, std::vector<float>& out) const;

  /// The probability of clearance detection on the tile of `f` (0 where nothing was cleared),
  /// as in the data or under a sweep's draw.
  std::vector<float> cleared_pod(TileFeatures& f) const;
  std::vector<float> cleared_pod(const kernels::Window& tile) const;
  std::vector<float> cleared_pod(TileFeatures& f, const features::InputDraw& draw) const;
  bool has_clearance() const { return inputs_->clearance != nullptr; }

 private:
  // Part `part`'s (not the DEM's) hash of its inputs over each window into its own digest.
  void fingerprint_inputs(size_t part, std::span<const kernels::Window> windows, std::span<Sha256> outs) const;
  features::TileInput tile_input(TileFeatures& f, const features::HeldOutLabels* held_out = nullptr) const;

  double intercept_;
  std::vector<EvidenceSpec> evidence_;
  std::shared_ptr<const InputSet> inputs_;
  std::vector<std::string> names_, descriptions_;
};

}  // namespace minerisk
