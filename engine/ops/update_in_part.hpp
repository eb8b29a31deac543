#pragma once
// A tile an update computes only in part (update.cpp): its vector inputs alone changed, and only
// in some of its sub-blocks (update_plan.cpp). The model is computed over those sub-blocks'
// bounding window; the rest of the tile's values are the previous output's, decoded from its
// stored chunks. A window's cells have the same values whatever window they are computed in (as
// for any tile size), and the cells outside the part have the same inputs as before, so the
// result is the tile a full run computes, bit for bit.
#include <cstdint>
#include <optional>
#include <vector>

#include "grid_output.hpp"

namespace minerisk::ops {

struct TileInPart {
  kernels::Window tile, part;  // `part` lies within `tile`; empty when no sub-block's values changed
  /// Per evidence layer: whether its own inputs changed in the tile (its fingerprint part). A
  /// layer whose inputs did not, with the DEM's window the same, keeps its stored chunk unread.
  std::vector<uint8_t> layer_inputs_changed;
};

/// The tile as a full run stores it, from `chunks` (its previous probability chunk, then each
/// evidence layer's, checked against the record) and the model over `in.part`: encoded, with
/// its values (SuppliedTile::probability). The caller gives it its fingerprints. Nothing when a
/// chunk does not decode (the caller then computes the tile whole).
std::optional<SuppliedTile> compute_in_part(const Model& model, const RunFileWriter& writer, const TileInPart& in,
                                            const std::vector<std::vector<std::byte>>& chunks, StageTimes* times);

}  // namespace minerisk::ops
