#pragma once
// A tile computed on another MPI rank, as it travels to the rank that writes the files: what
// GridOutput needs of a SuppliedTile (its stored chunks, fingerprint, chunk digest, share of the
// quick-look picture and count of valid cells), flattened into bytes and back. Plain bytes, so
// the format is tested without MPI (tests/cpp/test_tile_message.cpp). Internal to engine/ops.
#include <cstddef>
#include <cstdint>
#include <vector>

#include "minerisk/engine/digest.hpp"
#include "minerisk/engine/run_file_writer.hpp"

namespace minerisk::ops {

struct TileMessage {
  int64_t index = 0;           // the tile's place in the plan
  int64_t valid_cells = 0;     // cells that hold a probability (the no-data check)
  double seconds = 0;          // how long the tile took to compute and compress (--timings)
  std::vector<Digest> fingerprint;
  Digest chunk;                // of the stored probability chunk
  std::vector<float> picture;  // its share of the quick-look picture (QuickLook::reduce)
  DetachedTile stored;         // probability's chunk, then each evidence layer's
};

std::vector<std::byte> pack_tile_message(const TileMessage& message);
/// The message `bytes` hold; std::runtime_error when they are cut short or malformed.
TileMessage unpack_tile_message(const std::vector<std::byte>& bytes);

}  // namespace minerisk::ops
