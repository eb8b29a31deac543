#pragma once
// The clearance already done ([cleared]): each cell's combined probability of detection, which
// the model's Bayesian update applies after the evidence layers. Not an evidence layer: it has
// no weight, it updates the probability. Sweeps may set every POD (cleared.pod) or draw one per
// clearance record from a Beta distribution (uncertainty.pod_beta).
#include <memory>
#include <span>
#include <vector>

#include "feature.hpp"
#include "fingerprint_inputs.hpp"
#include "minerisk/kernels/polygon_coverage.hpp"

namespace minerisk::features {

class Clearance {
 public:
  explicit Clearance(std::shared_ptr<const std::vector<kernels::Polygon>> cleared)
      : cleared_(std::move(cleared)), fingerprints_(cleared_) {}
  /// 1 - prod(1 - POD) of the clearances covering each cell; 0 where nothing was cleared.
  void pod(const TileInput& in, std::span<float> out) const;
  /// The same under a sweep scenario's draw of the PODs.
  void pod(const TileInput& in, const InputDraw& draw, std::span<float> out) const;
  /// Reach: a clearance changes only the cells inside it.
  double reach_metres() const { return 0; }
  /// The clearances over the tile, for update's fingerprint (Feature::fingerprint).
  void fingerprint(const kernels::Window& tile, const Grid& grid, Sha256& out) const;
  /// fingerprint() of each window into its own digest (Feature::fingerprint_each).
  void fingerprint_each(std::span<const kernels::Window> windows, const Grid& grid, std::span<Sha256> outs) const;

 private:
  std::shared_ptr<const std::vector<kernels::Polygon>> cleared_;
  PolygonFingerprints fingerprints_;
};

}  // namespace minerisk::features
