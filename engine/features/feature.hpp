#pragma once
// One evidence feature kind behind one interface. A feature kind lives in one file of this
// folder: the scenario keys it takes, the inputs it reads, its reach, how it computes a tile's
// feature and what a sweep may change in it. It joins the program with one line in
// feature_kinds.cpp. The model (engine/src/model.cpp) is a loop over features followed by the
// combine kernel.
#include <any>
#include <cmath>
#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <span>
#include <string>
#include <vector>

#include "minerisk/engine/digest.hpp"
#include "minerisk/engine/grid.hpp"
#include "minerisk/engine/scenario.hpp"
#include "minerisk/kernels/line_distance.hpp"
#include "minerisk/kernels/point_density.hpp"
#include "minerisk/kernels/terrain.hpp"

namespace minerisk {
struct InputSet;
struct SharedInputs;
}

namespace minerisk::features {

class HeldOutLabels;

/// Per-tile values several layers (or a sweep's scenarios) reuse: each is made once per tile.
/// A tile is computed by one thread, so this needs no lock.
class TileMemo {
 public:
  template <class T, class Make>
  const T& get(const std::string& key, Make&& make) {
    auto it = items_.find(key);
    if (it == items_.end()) it = items_.emplace(key, std::any(make())).first;
    return std::any_cast<const T&>(it->second);
  }

 private:
  std::map<std::string, std::any> items_;
};

/// What a feature sees of one tile.
struct TileInput {
  const Grid& grid;
  kernels::Window tile;
  const std::vector<float>& dem;        // the DEM on the tile grown by one cell (NaN: no data)
  const std::vector<float>& elevation;  // the DEM on the tile
  TileMemo& memo;
  /// fit's cross-fitting: the labels a layer built from labels may use (nullptr: all).
  const HeldOutLabels* held_out = nullptr;

  size_t cells() const { return static_cast<size_t>(tile.cells()); }
};

/// One scenario's displaced lines, shared by every layer of it that reads the same lines (all
/// unfiltered front-line layers), so each set is displaced and held once.
class DisplacedLines {
 public:
  template <class Make>
  std::shared_ptr<const std::vector<kernels::Segment>> get(const void* source, Make&& make) {
    std::lock_guard lock(mutex_);
    auto& slot = lines_[source];
    if (!slot) slot = std::make_shared<const std::vector<kernels::Segment>>(make());
    return slot;
  }

 private:
  std::mutex mutex_;
  std::map<const void*, std::shared_ptr<const std::vector<kernels::Segment>>> lines_;
};

/// What one scenario of a sweep changes in the inputs (the parameters it changes, the weights
/// and transforms, are the model's; see engine/ops/sweep_draws.hpp).
struct InputDraw {
  double reliability = NAN;             // every record's reliability (NaN: as in the data)
  std::vector<uint8_t> record_valid;    // per record: true or false (empty: not drawn)
  double line_sd = 0, line_wavelength = 2000;  // front-line displacement, metres (sd 0: none)
  uint64_t line_seed = 0;                      // with the line's key, seeds its displacement
  std::shared_ptr<DisplacedLines> displaced;   // this scenario's displaced lines, made on first use
  double pod = NAN;                     // every clearance's probability of detection (NaN: as in the data)
  std::vector<float> clearance_pod;     // per clearance record (empty: not drawn)

  bool changes_records() const { return !std::isnan(reliability) || !record_valid.empty(); }
  bool changes_pod() const { return !std::isnan(pod) || !clearance_pod.empty(); }
  bool displaces_lines() const { return line_sd > 0; }
};

class Feature {
 public:
  virtual ~Feature() = default;
  /// The layer's feature on one tile, before its transform, row-major (NaN: no data).
  virtual void compute(const TileInput& in, std::span<float> out) const = 0;
  /// The farthest distance, in metres, at which one of the layer's inputs can change a cell
  /// (INFINITY for an uncapped distance): what an incremental update must fingerprint.
  virtual double reach_metres() const = 0;
  /// The scenario sections or files it reads: "terrain.dem", "front_lines", "finds",
  /// "records", or "layer"/"raster" for the file named by the layer's own `path`.
  virtual std::vector<std::string> reads() const = 0;
  /// Adds to `out` what of the layer's own inputs can change `tile`, for the per-tile
  /// fingerprint of `update`: the vector features within its reach, in the order its kernel
  /// reads them (fingerprint_inputs.hpp), or the window of a raster it reads. The DEM's window is
  /// hashed by the model, once for every layer that reads it. The layer's parameters are not:
  /// the scenario's model is fingerprinted as a whole.
  virtual void fingerprint(const kernels::Window& tile, const Grid& grid, Sha256& out) const = 0;
  /// fingerprint() of each window into its own digest (a tile's sub-blocks): a layer that
  /// searches its inputs for each window does so once for all of them.
  virtual void fingerprint_each(std::span<const kernels::Window> windows, const Grid& grid,
                                std::span<Sha256> outs) const {
    for (size_t i = 0; i < windows.size(); ++i) fingerprint(windows[i], grid, outs[i]);
  }
  /// The raster files fingerprint() reads: update reuses their stored digests, without reading
  /// them, when they have not changed since the previous output.
  virtual std::vector<std::filesystem::path> fingerprint_rasters() const { return {}; }
  /// This layer as a sweep scenario's draw changes it, or nullptr when the draw leaves it alone.
  virtual std::unique_ptr<Feature> drawn(const InputDraw& draw) const {
    (void)draw;
    return nullptr;
  }
};

/// What a feature kind is given to build a layer.
struct LayerContext {
  const Scenario& scenario;
  const EvidenceSpec& spec;
  const Grid& grid;
  std::shared_ptr<const SharedInputs> shared;  // the scenario's sections, loaded once
  /// Records a file the layer reads, for provenance (hashed once per file).
  std::function<void(const std::string& role, const std::filesystem::path& path)> add_input;
};

/// A feature kind: its scenario name, the evidence keys it takes, the sections it needs, what
/// sweeps may draw for it, and how to build a layer of it.
struct FeatureKind {
  std::string name;                       // feature = "..."
  std::string description;                // what it measures, for people reading the registry
  std::vector<std::string> keys;          // evidence keys it takes besides feature, weight, transform
  std::vector<std::string> required_keys; // of those, the ones it needs
  std::vector<std::string> sections;      // scenario sections it needs: "front_lines", "finds", "records"
  std::vector<std::string> perturbations; // sweep keys that change its layers ([uncertainty] and axis parameters)
  /// Whether a layer of this kind is built from the labels (the finds, the cleared land, or a
  /// vector layer read from their files): fit builds such layers out of fold (cross-fitting).
  std::function<bool(const Scenario&, const EvidenceSpec&)> built_from_labels = [](const Scenario&, const EvidenceSpec&) { return false; };
  bool classed = false;                   // weights of evidence by presence (feature > 0)
  std::function<std::unique_ptr<Feature>(const LayerContext&)> make;
};

/// Every feature kind, in the order help lists them.
const std::vector<FeatureKind>& feature_kinds();
/// The kind named `name`, or nullptr.
const FeatureKind* find_feature_kind(const std::string& name);
std::vector<std::string> feature_kind_names();

/// The distance in metres across one cell's diagonal at its widest (for a geographic grid, at
/// the row nearest the equator): the reach of a kernel with a one-cell halo.
double cell_diagonal_metres(const Grid& grid);

}  // namespace minerisk::features
