#pragma once
// One tile of a run's outputs as a TileSupplier hands it to GridOutput (internal to engine/ops):
// how the model's tile is computed, encoded and fingerprinted, and what the update record keeps
// of it.
#include <cstdint>
#include <span>
#include <vector>

#include "minerisk/engine/digest.hpp"
#include "minerisk/engine/model.hpp"
#include "minerisk/engine/run_file_writer.hpp"
#include "minerisk/engine/stage_times.hpp"
#include "minerisk/engine/update_record.hpp"

namespace minerisk::ops {

/// One tile of the outputs, as the files store it, with what the record keeps of it.
struct SuppliedTile {
  RunFileWriter::EncodedTile encoded;
  std::vector<float> probability;   // the tile's values: for the picture and the no-data check
  std::vector<Digest> fingerprint;  // its fingerprint parts (Model::fingerprint_parts)
  std::vector<Digest> sub_fingerprints;  // its sub-blocks' digests (Model::sub_fingerprints); empty:
                                         // computed when the tile is taken
  Digest chunk;                     // the digest of its stored probability chunk
  bool copied = false;  // as stored in a committed output (its values need no check); when the
                        // files are a patched copy of that output, already in them: not written
  std::vector<uint32_t> crc32;  // its stored chunks' CRC-32s when already known (a tile copied, its
                                // chunks checked against them, or left unread in a patched copy)
  std::vector<uint64_t> chunk_sizes;  // its stored chunks' sizes, for a tile left unread (else
                                      // those of `encoded`)
  std::vector<float> picture;  // its share of the picture (QuickLook::reduce); empty: made from `probability`
  int64_t valid_cells = -1;    // cells with a value; -1: counted from `probability`
  int rank = 0;                // the MPI rank that supplied it
  double seconds = 0;          // how long supplying it took there (--timings)
};

/// The model's tile and its fingerprint parts (Model::fingerprint_parts), as every rank computes it.
struct FingerprintedTile {
  TileResult result;
  std::vector<Digest> fingerprint;
};
FingerprintedTile compute_fingerprinted(const Model& model, const kernels::Window& tile, StageTimes* times);

/// The model's tile: computed, encoded, fingerprinted (run, and update's changed tiles).
/// `stored_evidence`: the evidence chunks the previous output holds for the tile, whose
/// unchanged layers are kept rather than compressed again (RunFileWriter::encode_tile).
SuppliedTile compute_tile(const Model& model, const RunFileWriter& writer, const kernels::Window& tile, StageTimes* times,
                          const std::vector<std::vector<std::byte>>* stored_evidence = nullptr);

/// The cells that hold a value (not NaN).
int64_t valid_cells(std::span<const float> values);

/// Keeps tile `index`'s digests, chunk sizes and CRC-32s in `record` (its arrays sized for the
/// whole plan: `per_tile` chunks a tile, the probability then each stored evidence layer, and
/// `blocks_per_tile` sub-block digests, which `t` must hold already; std::logic_error otherwise).
void record_supplied_tile(UpdateRecord& record, int64_t index, const SuppliedTile& t, size_t per_tile,
                          size_t blocks_per_tile);

}  // namespace minerisk::ops
