// The per-tile fingerprint `update` compares (engine/ops/update.cpp): one digest per part, so
// that a changed tile can be told apart by what changed in it. The parts cover everything a
// tile's values depend on besides the model's parameters, which are fingerprinted once for
// the whole grid (the resolved scenario's model).
#include "minerisk/engine/model.hpp"

#include "minerisk/engine/sub_blocks.hpp"

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

void Model::fingerprint_inputs(size_t part, std::span<const kernels::Window> windows, std::span<Sha256> outs) const {
  if (part >= 1 && part - 1 < inputs_->layers.size()) {
    inputs_->layers[part - 1]->fingerprint_each(windows, inputs_->grid, outs);
  } else if (part >= 1 && part - 1 == inputs_->layers.size() && inputs_->clearance) {
    inputs_->clearance->fingerprint_each(windows, inputs_->grid, outs);
  } else {
    throw std::out_of_range("Model::fingerprint: no part " + std::to_string(part));
  }
}

Digest Model::fingerprint(size_t part, const kernels::Window& tile) const {
  if (part == 0) return dem_window_digest(inputs_->dem->read(tile.grown(1)));
  Sha256 h;
  fingerprint_inputs(part, std::span(&tile, 1), std::span(&h, 1));
  return h.finish();
}

std::vector<Digest> Model::sub_fingerprints(const kernels::Window& tile, int64_t tile_size) const {
  const std::vector<kernels::Window> slots = sub_block_windows(tile, tile_size);
  std::vector<kernels::Window> blocks;  // the slots within the grid
  for (const kernels::Window& w : slots)
    if (w.cells() > 0) blocks.push_back(w);
  // Each vector part's fingerprint of every block, the part's inputs searched once for the tile.
  std::vector<Sha256> combined(blocks.size());
  const size_t parts = fingerprint_parts().size();
  for (size_t p = 1; p < parts; ++p) {
    if (!part_is_vector(p)) continue;
    std::vector<Sha256> part(blocks.size());
    fingerprint_inputs(p, blocks, part);
    for (size_t k = 0; k < blocks.size(); ++k) combined[k].add_digest(part[k].finish());
  }
  std::vector<Digest> out(slots.size());  // zero for a slot beyond the grid's edge
  for (size_t k = 0, b = 0; k < slots.size(); ++k)
    if (slots[k].cells() > 0) out[k] = combined[b++].finish();
  return out;
}

}  // namespace minerisk
