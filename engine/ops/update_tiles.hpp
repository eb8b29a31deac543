// The tile supplier of `minerisk update` (UpdateTiles): each tile of the new output from where
// it is best had. Split from update.cpp, which plans the update and commits it.
#pragma once

#include <algorithm>
#include <atomic>
#include <mutex>
#include <optional>

#include "grid_output.hpp"
#include "grid_worker.hpp"
#include "minerisk/engine/output_format.hpp"
#include "minerisk/engine/previous_output.hpp"
#include "staging.hpp"
#include "update_in_part.hpp"
#include "update_journal.hpp"
#include "update_plan.hpp"

namespace minerisk::ops {

// After a reflink, a patched copy's unchanged tiles are read and checked one update in this many
// (checked_this_time).
constexpr int64_t kCheckCycle = 8;

// The commands a history holds: one line each.
inline int64_t commands_in(const std::string& history) {
  return history.empty() ? 0 : static_cast<int64_t>(std::count(history.begin(), history.end(), '\n')) + 1;
}

// Tile `i`'s entries of a record array that holds `per_tile` of them for each tile, in tile order.
template <class T>
inline std::vector<T> tile_slice(const std::vector<T>& all, size_t i, size_t per_tile) {
  return {all.begin() + static_cast<std::ptrdiff_t>(i * per_tile), all.begin() + static_cast<std::ptrdiff_t>((i + 1) * per_tile)};
}

// Each tile from where it is best had: kept as stored when unchanged and intact, else from
// the journal of an interrupted update, else computed (and journalled).
class UpdateTiles final : public ops::TileSupplier {
 public:
  UpdateTiles(const ops::GridOutput& output, const ops::UpdatePlan& plan, const std::optional<PreviousOutput>& previous,
              ops::UpdateJournal& journal, int64_t tile_size, const Grid& grid)
      : model_(output.model()), output_(output), plan_(plan), previous_(previous), journal_(journal),
        picture_offsets_(output.picture_offsets()), turn_(previous ? commands_in(previous->record().history) : 0),
        parts_(output.model().fingerprint_parts().size()), chunk_rows_(std::min(tile_size, grid.height())),
        chunk_cols_(std::min(tile_size, grid.width())) {}

  SuppliedTile supply(int64_t index, const kernels::Window& tile, const RunFileWriter& writer, StageTimes* times) override {
    const auto i = static_cast<size_t>(index);
    if (previous_ && !plan_.recompute[i]) {
      if (writer.patching() && !checked_this_time(index)) return left_in_place(index);
      if (auto copied = copy(index, tile, writer, times)) return std::move(*copied);
      ++damaged;  // a stored chunk failed its check: computed below like a changed tile
    }
    if (auto chunks = journal_.take(index, plan_.keys[i])) {
      const TimedWork t(times, "journal");
      SuppliedTile out;
      std::vector<std::byte> probability = std::move(chunks->front());
      chunks->erase(chunks->begin());
      out.chunk = sha256_of(probability);
      out.probability = decode_float_chunk(probability, chunk_rows_, chunk_cols_, tile.height, tile.width);
      out.encoded = writer.stored_tile(tile, std::move(probability), std::move(*chunks));
      out.fingerprint = plan_.full_reason.empty() ? plan_.fingerprint(index, parts_) : fingerprint_of(tile);
      ++resumed;
      return out;
    }
    if (i < plan_.partial.size() && plan_.partial[i]) {
      if (auto part = computed_in_part(index, tile, *plan_.partial[i], writer, times)) {
        journal(index, *part, times);
        ++in_part;
        return std::move(*part);
      }
      ++damaged;  // a stored chunk failed its check or did not decode: computed whole below
    }
    // The previous tile's evidence chunks, checked against the record's CRC-32s, and deflated by
    // this libdeflate at this level (the record's model digest, equal here, names its version):
    // the layers the change did not reach keep them (chunk_codec::encode_chunk).
    std::optional<std::vector<std::vector<std::byte>>> stored;
    if (previous_ && plan_.full_reason.empty()) {
      const TimedWork t(times, "copy");
      stored = previous_->tile_evidence_chunks(index);  // not the probability's: it changes with nearly any change
    }
    SuppliedTile out = ops::compute_tile(model_, writer, tile, times, stored ? &*stored : nullptr);
    cells += tile.cells();
    journal(index, out, times);
    ops::test_hook_slow_tiles();  // after the tile is journalled
    return out;
  }

  // After a reflink (whose copy's pages are never in memory yet), the chunks the update will read,
  // read ahead in tile order so that the disk works while tiles compute: the eighth of the
  // unchanged tiles it checks, and the tiles it computes in part. A kernel copy is in memory.
  void before_tiles() override {
    if (!previous_ || output_.base_copied_by() != "reflink") return;
    std::vector<int64_t> reads;
    for (size_t i = 0; i < plan_.recompute.size(); ++i) {
      const auto index = static_cast<int64_t>(i);
      const bool in_part = i < plan_.partial.size() && plan_.partial[i];
      if (journal_.has(index, plan_.keys[i])) continue;
      if (plan_.recompute[i] ? in_part : checked_this_time(index)) reads.push_back(index);
    }
    previous_->prefetch(reads);
  }

  // Over MPI, the tiles neither copied nor in the journal may be computed on any rank; a tile
  // computed in part needs the previous output, which rank 0 alone reads.
  bool computes(int64_t index) const override {
    const auto i = static_cast<size_t>(index);
    const bool in_part = i < plan_.partial.size() && plan_.partial[i];
    return !(previous_ && !plan_.recompute[i]) && !in_part && !journal_.has(index, plan_.keys[i]);
  }
  void computed_elsewhere(int64_t index, const SuppliedTile& tile) override {
    cells += static_cast<int64_t>(output_.plan().tiles()[static_cast<size_t>(index)].cells());
    journal(index, tile, nullptr);
  }

  std::atomic<int64_t> copied{0}, left_unread{0}, resumed{0}, computed{0}, damaged{0}, in_part{0};
  std::atomic<int64_t> cells{0};  // computed by the model here (of a tile computed in part, the part)

 private:
  // A tile whose vector inputs changed in some of its sub-blocks (update_in_part.hpp); nothing
  // when a previous chunk fails its check or does not decode: it is then computed whole.
  std::optional<SuppliedTile> computed_in_part(int64_t index, const kernels::Window& tile,
                                               const ops::UpdatePlan::Part& planned, const RunFileWriter& writer,
                                               StageTimes* times) {
    const auto chunks = [&] {
      const TimedWork t(times, "copy");
      return previous_->tile_chunks(index);
    }();
    if (!chunks) return std::nullopt;
    // Evidence layer k is fingerprint part k + 1 (Model::fingerprint_parts, evidence_names).
    const auto& changed = planned.parts_changed;
    ops::TileInPart in{tile, planned.window, {changed.begin() + 1, changed.end()}};
    std::optional<SuppliedTile> out = ops::compute_in_part(model_, writer, in, *chunks, times);
    if (!out) return std::nullopt;
    cells += planned.window.cells();
    out->fingerprint = plan_.fingerprint(index, parts_);
    out->sub_fingerprints = planned.sub_fingerprints;
    return out;
  }

  // The previous record's sub-block digests of tile `i` (empty when it has none: computed then).
  std::vector<Digest> recorded_sub_fingerprints(size_t i) const {
    const UpdateRecord& before = previous_->record();
    if (!before.has_sub_fingerprints()) return {};
    return tile_slice(before.sub_fingerprints, i, before.sub_fingerprints.size() / static_cast<size_t>(before.tiles()));
  }

  // A computed tile's chunks into the journal, so that a killed update need not compute it again.
  void journal(int64_t index, const SuppliedTile& tile, StageTimes* times) {
    std::vector<const std::vector<std::byte>*> chunks{&tile.encoded.probability.bytes};
    for (const auto& c : tile.encoded.evidence) chunks.push_back(&c.bytes);
    {
      const TimedWork t(times, "journal");
      std::lock_guard lock(journal_mutex_);
      journal_.append(index, plan_.keys[static_cast<size_t>(index)], chunks);
    }
    ++computed;
  }

  // A copy made by the kernel (on a local file system) or by this process passed every byte
  // through this machine's memory, so checking them all costs little. A reflink did not: reading
  // them all would make the update a read of the whole output. So then, as a file system's scrub
  // does, each update reads and checks one eighth of the unchanged tiles, the next eighth each
  // time (by the number of commands the output's history holds), so that every tile is read at
  // least once in eight updates, whatever their cadence. The others are left where they are,
  // unread (`tiles_left_unread`); a damaged one is computed again when its turn comes.
  bool checked_this_time(int64_t index) const {
    if (output_.base_copied_by() != "reflink") return true;
    if (!has_picture_shares()) return true;  // the picture needs the values: read
    return index % kCheckCycle == turn_ % kCheckCycle;
  }

  // An unchanged tile left where it is in the patched copy: its record entries carried over.
  SuppliedTile left_in_place(int64_t index) {
    const auto i = static_cast<size_t>(index);
    const UpdateRecord& before = previous_->record();
    SuppliedTile out;
    out.picture = picture_share(i);
    out.crc32 = recorded_crc32(i);
    out.chunk_sizes = previous_->stored_sizes(index);
    out.fingerprint = plan_.fingerprint(index, parts_);
    out.sub_fingerprints = recorded_sub_fingerprints(i);
    out.chunk = before.chunks[i];
    out.copied = true;
    out.valid_cells = 0;  // counted with the previous output's tiles: not needed again
    ++left_unread;
    return out;
  }

  // The tile's stored chunks, checked, and its kept share of the picture: no decompression.
  std::optional<SuppliedTile> copy(int64_t index, const kernels::Window& tile, const RunFileWriter& writer,
                                   StageTimes* times) {
    const TimedWork t(times, "copy");
    auto chunks = previous_->tile_chunks(index);
    if (!chunks) return std::nullopt;
    const auto i = static_cast<size_t>(index);
    SuppliedTile out;
    if (has_picture_shares()) {
      out.picture = picture_share(i);
    } else {  // a record without them: the picture is made from the values
      out.probability = decode_float_chunk(chunks->front(), chunk_rows_, chunk_cols_, tile.height, tile.width);
    }
    std::vector<std::byte> probability = std::move(chunks->front());
    chunks->erase(chunks->begin());
    out.encoded = writer.stored_tile(tile, std::move(probability), std::move(*chunks));
    out.fingerprint = plan_.fingerprint(index, parts_);
    out.sub_fingerprints = recorded_sub_fingerprints(i);
    out.chunk = previous_->record().chunks[i];  // of these very bytes: their CRC-32 matched
    out.crc32 = recorded_crc32(i);                // the same: not computed again
    out.copied = true;
    ++copied;
    return out;
  }

  // Whether the previous record keeps each tile's share of the picture.
  bool has_picture_shares() const { return previous_->record().picture.size() == picture_offsets_.back(); }

  // Tile `i`'s share of the picture, as the previous record keeps it.
  std::vector<float> picture_share(size_t i) const {
    const std::vector<float>& shares = previous_->record().picture;
    return {shares.begin() + static_cast<std::ptrdiff_t>(picture_offsets_[i]),
            shares.begin() + static_cast<std::ptrdiff_t>(picture_offsets_[i + 1])};
  }

  // The CRC-32s of tile `i`'s stored chunks, as the previous record keeps them.
  std::vector<uint32_t> recorded_crc32(size_t i) const {
    return tile_slice(previous_->record().crc32, i, previous_->record().chunks_per_tile());
  }

  std::vector<Digest> fingerprint_of(const kernels::Window& tile) const {
    std::vector<Digest> parts(parts_);
    for (size_t p = 0; p < parts_; ++p) parts[p] = model_.fingerprint(p, tile);
    return parts;
  }

  const Model& model_;
  const ops::GridOutput& output_;
  const ops::UpdatePlan& plan_;
  const std::optional<PreviousOutput>& previous_;
  ops::UpdateJournal& journal_;
  std::mutex journal_mutex_;
  std::vector<size_t> picture_offsets_;
  int64_t turn_;  // the commands in the previous output's history: which eighth of a reflinked copy is read
  size_t parts_;
  int64_t chunk_rows_, chunk_cols_;
};

}  // namespace minerisk::ops
