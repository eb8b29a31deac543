#include "update_in_part.hpp"

#include <algorithm>

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

SuppliedTile compute_in_part(const Model& model, const RunFileWriter& writer, const TileInPart& in,
                             const std::vector<std::vector<std::byte>>& chunks, StageTimes* times) {
  // Only the layers whose inputs changed are decoded (and the probability); the others, empty
  // here, keep their stored chunks (RunFileWriter::encode_tile).
  std::vector<uint8_t> decoded = in.layer_inputs_changed;
  if (in.part.cells() == 0) std::fill(decoded.begin(), decoded.end(), 0);
  RunFileWriter::TileValues values;
  {
    const TimedWork t(times, "decode previous");
    values = writer.decode_tile(in.tile, chunks, decoded);
  }
  if (in.part.cells() > 0) {
    const TileResult computed = model.compute(in.part, times);
    const TimedWork t(times, "merge");
    paste(computed.probability, in.tile, in.part, values.probability);
    for (size_t k = 0; k < values.evidence.size(); ++k) {
      if (values.evidence[k].empty()) continue;  // unchanged, or no evidence stored
      // A layer whose part packs to the steps it had keeps its stored chunk as it is.
      if (writer.evidence_stored_alike(cut(values.evidence[k], in.tile, in.part), computed.evidence[k]))
        values.evidence[k].clear();
      else
        paste(computed.evidence[k], in.tile, in.part, values.evidence[k]);
    }
  }
  SuppliedTile out;
  {
    const TimedWork t(times, "compress");
    const std::vector<std::vector<std::byte>> stored(chunks.begin() + 1, chunks.end());
    out.encoded = writer.encode_tile(in.tile, values.probability, values.evidence, &stored);
  }
  out.chunk = sha256_of(out.encoded.probability.bytes);
  out.probability = std::move(values.probability);
  return out;
}

}  // namespace minerisk::ops
