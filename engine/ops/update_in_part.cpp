#include "update_in_part.hpp"

#include <algorithm>
#include <stdexcept>

#include "minerisk/engine/stage_times.hpp"

namespace minerisk::ops {

namespace {
// The window `part` of a tile's row-major values, and back.
std::vector<float> cut(const std::vector<float>& tile_values, const kernels::Window& tile, const kernels::Window& part) {
  std::vector<float> out(static_cast<size_t>(part.cells()));
  for (int64_t r = 0; r < part.height; ++r)
    std::copy_n(tile_values.begin() + (part.row0 - tile.row0 + r) * tile.width + (part.col0 - tile.col0), part.width,
                out.begin() + r * part.width);
  return out;
}

void paste(const std::vector<float>& part_values, const kernels::Window& tile, const kernels::Window& part,
           std::vector<float>& tile_values) {
  for (int64_t r = 0; r < part.height; ++r)
    std::copy_n(part_values.begin() + r * part.width, part.width,
                tile_values.begin() + (part.row0 - tile.row0 + r) * tile.width + (part.col0 - tile.col0));
}
}  // namespace

std::optional<SuppliedTile> compute_in_part(const Model& model, const RunFileWriter& writer, const TileInPart& in,
                                            const std::vector<std::vector<std::byte>>& chunks, StageTimes* times) {
  // Only the probability and the layers whose inputs changed are decoded; the others keep their
  // stored chunks (and so do all of them when no sub-block's values changed).
  std::vector<uint8_t> keep(in.layer_inputs_changed.size());
  for (size_t k = 0; k < keep.size(); ++k) keep[k] = in.part.cells() == 0 || !in.layer_inputs_changed[k];
  std::vector<uint8_t> decode(keep.size());
  for (size_t k = 0; k < keep.size(); ++k) decode[k] = !keep[k];
  RunFileWriter::TileValues values;
  try {
    const TimedWork t(times, "decode previous");
    values = writer.decode_tile(in.tile, chunks, decode);
  } catch (const std::runtime_error&) {
    return std::nullopt;  // a chunk that passed its CRC-32 but does not inflate to one chunk
  }
  if (in.part.cells() > 0) {
    const TileResult computed = model.compute(in.part, times);
    const TimedWork t(times, "merge");
    paste(computed.probability, in.tile, in.part, values.probability);
    for (size_t k = 0; k < values.evidence.size(); ++k) {
      if (values.evidence[k].empty()) continue;  // kept, or no evidence stored
      // A layer whose window packs to the steps it had keeps its stored chunk as it is.
      if (writer.evidence_stored_alike(k, cut(values.evidence[k], in.tile, in.part), computed.evidence[k]))
        keep[k] = 1;
      else
        paste(computed.evidence[k], in.tile, in.part, values.evidence[k]);
    }
  }
  SuppliedTile out;
  {
    const TimedWork t(times, "compress");
    // The layers known to have changed are compressed without comparing them with their stored
    // chunk first (encode_tile would inflate it only to find it differs).
    std::vector<std::vector<std::byte>> stored(chunks.begin() + 1, chunks.end());
    for (size_t k = 0; k < stored.size(); ++k)
      if (!keep[k]) stored[k].clear();
    const bool evidence_stored = !stored.empty();
    out.encoded = writer.encode_tile(in.tile, values.probability, values.evidence, &stored,
                                     evidence_stored ? std::span<const uint8_t>(keep) : std::span<const uint8_t>{});
  }
  out.chunk = sha256_of(out.encoded.probability.bytes);
  out.probability = std::move(values.probability);
  return out;
}

}  // namespace minerisk::ops
