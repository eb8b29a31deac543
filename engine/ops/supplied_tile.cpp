#include "supplied_tile.hpp"

#include <algorithm>
#include <cmath>
#include <stdexcept>

namespace minerisk::ops {

int64_t valid_cells(std::span<const float> values) {
  return std::count_if(values.begin(), values.end(), [](float v) { return !std::isnan(v); });
}

FingerprintedTile compute_fingerprinted(const Model& model, const kernels::Window& tile, StageTimes* times) {
  FingerprintedTile out;
  out.fingerprint.resize(model.fingerprint_parts().size());
  out.result = model.compute(tile, times, out.fingerprint.data());  // the model's own part, first
  const TimedWork t(times, "fingerprint");
  for (size_t part = 1; part < out.fingerprint.size(); ++part) out.fingerprint[part] = model.fingerprint(part, tile);
  return out;
}

SuppliedTile compute_tile(const Model& model, const RunFileWriter& writer, const kernels::Window& tile, StageTimes* times,
                          const std::vector<std::vector<std::byte>>* stored_evidence) {
  FingerprintedTile computed = compute_fingerprinted(model, tile, times);
  SuppliedTile out;
  {
    // Compressed here, on this worker, while the others compute; only the append is serialised.
    const TimedWork t(times, "compress");
    const TileResult& r = computed.result;
    out.encoded = writer.encode_tile(r.window, r.probability, r.evidence, stored_evidence);
  }
  out.fingerprint = std::move(computed.fingerprint);
  out.chunk = sha256_of(out.encoded.probability.bytes);
  out.probability = std::move(computed.result.probability);
  return out;
}

void record_supplied_tile(UpdateRecord& record, int64_t index, const SuppliedTile& t, size_t per_tile,
                          size_t blocks_per_tile) {
  if (t.sub_fingerprints.size() != blocks_per_tile || t.fingerprint.size() != record.parts.size())
    throw std::logic_error("record_supplied_tile: a tile's digests do not match the record's layout");
  const auto at = static_cast<size_t>(index);
  std::copy(t.fingerprint.begin(), t.fingerprint.end(),
            record.fingerprints.begin() + static_cast<std::ptrdiff_t>(at * record.parts.size()));
  record.chunks[at] = t.chunk;
  std::copy(t.sub_fingerprints.begin(), t.sub_fingerprints.end(),
            record.sub_fingerprints.begin() + static_cast<std::ptrdiff_t>(at * blocks_per_tile));
  // Sizes and CRC-32s as the supplier knew them (a tile copied or left unread), else of the
  // chunks just encoded.
  uint64_t* sizes = record.chunk_sizes.data() + at * per_tile;
  if (!t.chunk_sizes.empty()) {
    std::copy(t.chunk_sizes.begin(), t.chunk_sizes.end(), sizes);
  } else {
    sizes[0] = t.encoded.probability.bytes.size();
    for (size_t k = 0; k < t.encoded.evidence.size(); ++k) sizes[1 + k] = t.encoded.evidence[k].bytes.size();
  }
  uint32_t* crc = record.crc32.data() + at * per_tile;
  if (!t.crc32.empty()) {
    std::copy(t.crc32.begin(), t.crc32.end(), crc);
  } else {
    crc[0] = crc32_of(t.encoded.probability.bytes);
    for (size_t k = 0; k < t.encoded.evidence.size(); ++k) crc[1 + k] = crc32_of(t.encoded.evidence[k].bytes);
  }
}

}  // namespace minerisk::ops
