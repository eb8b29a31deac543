// The per-tile fingerprint `update` compares (engine/ops/update.cpp): one digest per part, so
// that a changed tile can be told apart by what changed in it. The parts cover everything a
// tile's values depend on besides the model's parameters, which are fingerprinted once for
// the whole grid (the resolved scenario's model).
#include "minerisk/engine/model.hpp"

#include <stdexcept>

#include "../features/clearance.hpp"
#include "../features/feature.hpp"

namespace minerisk {

Digest dem_window_digest(const std::vector<float>& dem_window) {
  return sha256_of(std::as_bytes(std::span(dem_window)));
}

std::vector<std::string> Model::fingerprint_parts() const {
  std::vector<std::string> parts{"terrain.dem"};
  for (const EvidenceSpec& e : evidence_) parts.push_back(e.name);
  if (inputs_->clearance) parts.push_back("clearance");  // as its evidence layer is named
  return parts;
}

std::vector<std::filesystem::path> Model::fingerprint_files(size_t part) const {
  if (part == 0) return inputs_->dem->files();
  if (part - 1 < inputs_->layers.size()) return inputs_->layers[part - 1]->fingerprint_rasters();
  return {};
}

Digest Model::fingerprint(size_t part, const kernels::Window& tile) const {
  if (part == 0) return dem_window_digest(inputs_->dem->read(tile.grown(1)));
  Sha256 h;
  if (part - 1 < inputs_->layers.size()) {
    inputs_->layers[part - 1]->fingerprint(tile, inputs_->grid, h);
  } else if (part - 1 == inputs_->layers.size() && inputs_->clearance) {
    inputs_->clearance->fingerprint(tile, inputs_->grid, h);
  } else {
    throw std::out_of_range("Model::fingerprint: no part " + std::to_string(part));
  }
  return h.finish();
}

}  // namespace minerisk
