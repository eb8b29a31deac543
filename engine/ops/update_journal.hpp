#pragma once
// The journal of an update: OUT.nc.journal beside the output, where every tile the update
// computes is appended as it will be stored (its chunks of every file), keyed by the tile's
// full fingerprint. An update that was killed leaves it; the next one takes every tile whose
// fingerprint is still the same from it instead of computing it again, so the result is the
// same, bit for bit, as an update never interrupted. A commit removes it. A record cut short
// by the kill, or damaged, fails its checksum and is ignored with everything after it.
// Internal to engine/ops.
#include <cstdint>
#include <filesystem>
#include <map>
#include <optional>
#include <vector>

#include "minerisk/engine/digest.hpp"

namespace minerisk::ops {

class UpdateJournal {
 public:
  /// Opens the journal of `output`, reading the records an earlier update left; creates it
  /// when there is none (never through a link).
  explicit UpdateJournal(const std::filesystem::path& output);
  ~UpdateJournal();
  UpdateJournal(const UpdateJournal&) = delete;
  UpdateJournal& operator=(const UpdateJournal&) = delete;

  static std::filesystem::path path_for(const std::filesystem::path& output);

  /// Tiles the earlier update left (usable or not).
  size_t records() const { return found_.size(); }
  /// The chunks stored for tile `index` under `key`, if the journal has them. Thread-safe.
  std::optional<std::vector<std::vector<std::byte>>> take(int64_t index, const Digest& key) const;
  /// Whether the journal holds tile `index` under `key` (take() may still fail to read it).
  bool has(int64_t index, const Digest& key) const {
    const auto it = found_.find(index);
    return it != found_.end() && it->second.key == key;
  }
  /// Appends tile `index`'s chunks under `key`. Not thread-safe: the caller serialises appends.
  void append(int64_t index, const Digest& key, const std::vector<const std::vector<std::byte>*>& chunks);
  /// After the commit: the journal has served.
  void remove();

 private:
  struct Found {
    Digest key;
    std::vector<std::pair<uint64_t, uint64_t>> chunks;  // offset and size of each chunk
  };
  std::filesystem::path path_;
  int fd_ = -1;
  uint64_t end_ = 0;                  // where the next record goes
  std::map<int64_t, Found> found_;  // by tile
};

}  // namespace minerisk::ops
