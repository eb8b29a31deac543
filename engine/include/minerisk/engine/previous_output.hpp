#pragma once
// The output an update replaces, opened to copy its unchanged tiles as they are stored: the
// grid file and its evidence file beside it, their chunks located once through HDF5, then read
// with pread by any thread (no HDF5 call, no decompression). Read-only: nothing here writes.
#include <atomic>
#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "minerisk/engine/file_descriptor.hpp"
#include "minerisk/engine/update_record.hpp"
#include "minerisk/kernels/tile_plan.hpp"

namespace minerisk {

class PreviousOutput {
 public:
  /// Opens `grid_file` (and, when `evidence_layers` is not empty, `evidence_file` with those
  /// variables) to copy the tiles of `tiles`. `record` is the grid's record as read before, with
  /// the file's stat then (`seen`): a file replaced since (a run meanwhile) is not copied from.
  /// Nothing, with the reason in `why`, when they cannot serve: replaced, a link, another tile
  /// plan, an evidence file that is damaged, not the grid's own or lacks a layer, a chunk stored
  /// with a filter skipped. Finding the chunks takes HDF5 a lookup each (seconds for tens of
  /// thousands): a set `cancel` stops it with Cancelled.
  static std::optional<PreviousOutput> open(const std::filesystem::path& grid_file,
                                            const std::filesystem::path& evidence_file,
                                            const std::vector<std::string>& evidence_layers,
                                            const std::vector<kernels::Window>& tiles, UpdateRecord record,
                                            const FileStat& seen, std::string& why,
                                            const std::atomic<bool>* cancel = nullptr);

  const UpdateRecord& record() const { return record_; }
  /// Tile `index`'s stored probability chunk, and each evidence layer's in the order given to
  /// open(), all checked against their CRC-32 in the record; nothing when one is damaged or
  /// was re-encoded since (nccopy, h5repack) or cannot be read: the tile is then computed.
  /// Thread-safe.
  std::optional<std::vector<std::vector<std::byte>>> tile_chunks(int64_t index) const;
  /// The same for the evidence layers' chunks alone (a recomputed tile's, whose unchanged layers
  /// keep them). Thread-safe.
  std::optional<std::vector<std::vector<std::byte>>> tile_evidence_chunks(int64_t index) const;
  /// The descriptors of the grid file and of its evidence file (-1 without one): the very files
  /// whose chunks were located, for update to clone.
  int grid_descriptor() const { return grid_fd_.get(); }
  int evidence_descriptor() const { return evidence_fd_.get(); }
  /// The bytes of both files that are not in a located chunk (metadata, the record, and space
  /// that patching left unused), and those that are; those of tile `index`'s chunks.
  uint64_t unused_bytes() const { return file_bytes_ - chunk_bytes_; }
  uint64_t chunk_bytes() const { return chunk_bytes_; }
  uint64_t tile_bytes(int64_t index) const;
  /// The sizes of tile `index`'s stored chunks, as the files' chunk index gives them: the
  /// probability's, then each evidence layer's (open() checked them against the record's).
  std::vector<uint64_t> stored_sizes(int64_t index) const;
  /// From now on reads (and checks) the chunks in these copies of the two files (the same bytes
  /// at the same places, clone_file's), instead of in the files themselves: what an update then
  /// commits is what was checked. An empty evidence path keeps reading none.
  void read_copies(const std::filesystem::path& grid_copy, const std::filesystem::path& evidence_copy);
  /// Asks the kernel to start reading these tiles' chunks, in this order, from where chunks are
  /// read, without waiting: the reads that follow then find them in memory, while the update
  /// computes. A reflinked copy's pages are never cached yet, so its reads wait on the disk.
  void prefetch(const std::vector<int64_t>& tiles) const;
  /// Tile `index`'s stored probability chunk. Thread-safe.
  std::vector<std::byte> probability_chunk(int64_t index) const;
  /// Tile `index`'s stored chunk of each evidence layer, in the order given to open(). Thread-safe.
  std::vector<std::vector<std::byte>> evidence_chunks(int64_t index) const;

 private:
  struct Location {
    uint64_t address = 0, size = 0;
  };
  PreviousOutput() = default;
  std::vector<std::byte> read(const FileDescriptor& file, const Location& at) const;
  // Tile `index`'s chunks (the probability's first when asked for, then the evidence layers'),
  // each checked against the record's CRC-32.
  std::optional<std::vector<std::vector<std::byte>>> checked_chunks(int64_t index, bool with_probability) const;
  // Whether every located chunk has the size the record gives (true for a record without sizes).
  bool sizes_are_recorded() const;
  // This output, or nullopt with `why` when its chunks' sizes are not the record's.
  std::optional<PreviousOutput> checked_sizes(std::string& why);

  UpdateRecord record_;
  FileDescriptor grid_fd_, evidence_fd_;  // the files located
  FileDescriptor grid_read_, evidence_read_;  // where chunks are read: those files, or their copies
  uint64_t file_bytes_ = 0, chunk_bytes_ = 0;      // of both files
  std::vector<Location> probability_;             // per tile
  std::vector<std::vector<Location>> evidence_;   // per tile, per layer
};

/// A stored float32 chunk of `chunk_rows` x `chunk_cols` (shuffled and deflated, as
/// chunk_codec::encode_chunk makes it), decoded and cut to the window's `rows` x `cols`.
std::vector<float> decode_float_chunk(const std::vector<std::byte>& stored, int64_t chunk_rows, int64_t chunk_cols,
                                      int64_t rows, int64_t cols);

}  // namespace minerisk
