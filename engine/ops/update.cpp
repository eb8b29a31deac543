// `minerisk update`: see engine/include/minerisk/engine/ops/update.hpp. The plan, in order:
// lock the output; read the previous output's record; load the inputs (reusing the hashes of
// files whose stat is unchanged); fingerprint every tile; recompute the tiles whose fingerprint
// changed (or every tile, when the model, the grid or the tiling changed, or the previous
// output cannot serve), taking from the journal those an interrupted update finished; copy the
// others as stored; commit as run does; then drop the journal.
#include "minerisk/engine/ops/update.hpp"

#include <tbb/parallel_for.h>

#include <atomic>
#include <chrono>
#include <cstdlib>
#include <mutex>
#include <thread>
#include <optional>

#include "grid_output.hpp"
#include "minerisk/engine/errors.hpp"
#include "minerisk/engine/previous_output.hpp"
#include "minerisk/engine/tile_loop.hpp"
#include "minerisk/kernels/parallel.hpp"
#include "update_journal.hpp"
#include "update_keep.hpp"
#include "update_lock.hpp"

namespace fs = std::filesystem;

namespace minerisk {

namespace {
using ops::SuppliedTile;

const ops::UpdateLog kSilent(ops::UpdateLog::Format::text, true);

// What changed, tile by tile: which tiles to compute, and why.
struct Plan {
  std::string full_reason;              // not empty: every tile is computed
  std::vector<Digest> fingerprints;     // tile after tile, parts each (incremental plans)
  std::vector<uint8_t> recompute;       // per tile
  std::vector<Digest> keys;             // per tile: what the journal files it under
  std::map<std::string, int64_t> tiles_by_part;
};

// The SHA-256 the inputs now have, by local path.
std::map<std::string, std::string> hashes_of(const std::vector<InputFile>& files) {
  std::map<std::string, std::string> out;
  for (const InputFile& f : files) out[f.path.string()] = f.sha256;
  return out;
}

std::vector<std::string> files_changed(const UpdateRecord& before, const std::vector<InputFile>& now) {
  const auto old_hashes = hashes_of(before.files);
  std::vector<std::string> changed;
  for (const auto& [path, sha] : hashes_of(now))
    if (auto it = old_hashes.find(path); it == old_hashes.end() || it->second != sha) changed.push_back(path);
  return changed;
}

// Every tile's fingerprint. A part that reads rasters which have not changed since the
// previous output (same SHA-256) keeps its stored digests: a DEM is not read to learn that it
// is the same.
std::vector<Digest> fingerprint_tiles(const Model& model, const std::vector<kernels::Window>& tiles,
                                      const UpdateRecord& before, const std::vector<InputFile>& now,
                                      const ops::Control& control) {
  const size_t parts = model.fingerprint_parts().size();
  const auto old_hashes = hashes_of(before.files), new_hashes = hashes_of(now);
  std::vector<uint8_t> reuse(parts, 0);
  for (size_t p = 0; p < parts; ++p) {
    const auto files = model.fingerprint_files(p);
    if (files.empty()) continue;  // vectors in memory: hashed, cheaply, every time
    bool same = true;
    for (const fs::path& f : files) {
      const auto a = old_hashes.find(f.string()), b = new_hashes.find(f.string());
      same = same && a != old_hashes.end() && b != new_hashes.end() && !a->second.empty() && a->second == b->second;
    }
    reuse[p] = same;
  }
  std::vector<Digest> out(tiles.size() * parts);
  for_each_tile(tiles, {control.threads, true, "", control.cancel, {}}, [&](const kernels::Window& tile) {
    const size_t index = static_cast<size_t>(&tile - tiles.data());
    for (size_t p = 0; p < parts; ++p)
      out[index * parts + p] = reuse[p] ? before.fingerprint(static_cast<int64_t>(index), p) : model.fingerprint(p, tile);
  });
  return out;
}

Digest journal_key(const std::string& model_digest, const Digest* parts, size_t count) {
  Sha256 h;
  h.add_text(model_digest);
  for (size_t p = 0; p < count; ++p) h.add_digest(parts[p]);
  return h.finish();
}

// Without a usable fingerprint (a full recomputation): the key is the model and every input's
// hash, so a journal entry serves only an update of exactly these inputs.
Digest full_key(const std::string& model_digest, const std::vector<InputFile>& now, int64_t index) {
  Sha256 h;
  h.add_text("full");
  h.add_text(model_digest);
  for (const auto& [path, sha] : hashes_of(now)) {
    h.add_text(path);
    h.add_text(sha);
  }
  h.add_int(index);
  return h.finish();
}

class UpdateTiles final : public ops::TileSupplier {
 public:
  UpdateTiles(const Model& model, const Plan& plan, const std::optional<PreviousOutput>& previous,
              ops::UpdateJournal& journal, std::vector<size_t> picture_offsets, int64_t tile_size, const Grid& grid)
      : model_(model), plan_(plan), previous_(previous), journal_(journal), picture_offsets_(std::move(picture_offsets)),
        parts_(model.fingerprint_parts().size()), chunk_rows_(std::min(tile_size, grid.height())),
        chunk_cols_(std::min(tile_size, grid.width())) {}

  SuppliedTile supply(int64_t index, const kernels::Window& tile, const RunFileWriter& writer, StageTimes* times) override {
    const auto i = static_cast<size_t>(index);
    if (plan_.full_reason.empty() && !plan_.recompute[i]) {
      const TimedWork t(times, "copy");
      SuppliedTile out;
      std::vector<std::byte> probability = previous_->probability_chunk(index);
      const std::vector<float>& shares = previous_->record().picture;
      if (shares.size() == picture_offsets_.back()) {
        out.picture.assign(shares.begin() + static_cast<std::ptrdiff_t>(picture_offsets_[i]),
                           shares.begin() + static_cast<std::ptrdiff_t>(picture_offsets_[i + 1]));
      } else {  // a record without them: the picture is made from the values
        out.probability = decode_float_chunk(probability, chunk_rows_, chunk_cols_, tile.height, tile.width);
      }
      out.encoded = writer.stored_tile(tile, std::move(probability), previous_->evidence_chunks(index));
      out.fingerprint.assign(plan_.fingerprints.begin() + index * parts_, plan_.fingerprints.begin() + (index + 1) * parts_);
      out.chunk = previous_->record().chunks[i];
      out.copied = true;
      ++copied;
      return out;
    }
    if (auto chunks = journal_.take(index, plan_.keys[i])) {
      const TimedWork t(times, "journal");
      SuppliedTile out;
      std::vector<std::byte> probability = std::move(chunks->front());
      chunks->erase(chunks->begin());
      out.chunk = sha256_of(probability);
      out.probability = decode_float_chunk(probability, chunk_rows_, chunk_cols_, tile.height, tile.width);
      out.encoded = writer.stored_tile(tile, std::move(probability), std::move(*chunks));
      out.fingerprint = plan_.full_reason.empty()
                            ? std::vector<Digest>(plan_.fingerprints.begin() + index * parts_,
                                                  plan_.fingerprints.begin() + (index + 1) * parts_)
                            : fingerprint_of(tile);
      ++resumed;
      return out;
    }
    SuppliedTile out = ops::compute_tile(model_, writer, tile, times);
    std::vector<const std::vector<std::byte>*> chunks{&out.encoded.probability.bytes};
    for (const auto& c : out.encoded.evidence) chunks.push_back(&c.bytes);
    {
      const TimedWork t(times, "journal");
      std::lock_guard lock(journal_mutex_);
      journal_.append(index, plan_.keys[i], chunks);
    }
    ++computed;
    // Test hook: MINERISK_TEST_SLOW_TILES=SECONDS waits after each computed tile is journalled,
    // so a test can kill an update halfway through.
    if (const char* slow = std::getenv("MINERISK_TEST_SLOW_TILES"))
      std::this_thread::sleep_for(std::chrono::duration<double>(std::atof(slow)));
    return out;
  }

  std::atomic<int64_t> copied{0}, resumed{0}, computed{0};

 private:
  std::vector<Digest> fingerprint_of(const kernels::Window& tile) const {
    std::vector<Digest> parts(parts_);
    for (size_t p = 0; p < parts_; ++p) parts[p] = model_.fingerprint(p, tile);
    return parts;
  }

  const Model& model_;
  const Plan& plan_;
  const std::optional<PreviousOutput>& previous_;
  ops::UpdateJournal& journal_;
  std::mutex journal_mutex_;
  std::vector<size_t> picture_offsets_;
  size_t parts_;
  int64_t chunk_rows_, chunk_cols_;
};
}  // namespace

UpdateSummary update_scenario(const Scenario& scenario, const UpdateOptions& given) {
  const ops::UpdateLog& log = given.log ? *given.log : kSilent;
  UpdateOptions options = given;
  options.check();
  log.event("start", {{"output", options.output.string()}, {"scenario", scenario.file.string()}},
            "updating " + options.output.string());
  const ops::UpdateLock lock(options.output, options.wait, options.cancel, [&](const std::string& holder) {
    log.event("wait", {{"holder", holder}}, "waiting for " + holder + " to finish updating it");
  });

  // The previous output: its record, if it has one. An existing file without one is not
  // replaced unless the user says so: it may be anything.
  std::string why;
  std::error_code ec;
  const bool exists = fs::exists(fs::symlink_status(options.output, ec));
  std::optional<UpdateRecord> before = exists ? read_update_record(options.output, why) : std::nullopt;
  if (exists && !before && !given.overwrite)
    throw UserError("'" + options.output.string() + "' exists but cannot be updated: " + why +
                    "; use --overwrite to replace it with a full computation");
  if (!exists) why = "there is no previous output";
  // An update replaces its own output and companions; the first, with no output yet, is a run,
  // and replaces other files (an evidence file, a picture) only with --overwrite, as run does.
  options.overwrite = given.overwrite || before.has_value();
  const KnownHashes known = before ? before->known_hashes() : KnownHashes{};
  ops::GridOutput output(scenario, options, "update", &known);
  const Model& model = output.model();
  const auto& tiles = output.plan().tiles();
  UpdateRecord record = output.record_frame();

  Plan plan;
  std::optional<PreviousOutput> previous;
  if (!before) {
    plan.full_reason = why;
  } else if (before->model_digest != record.model_digest) {
    plan.full_reason = "the model, the grid, the tiling or the evidence storage changed";
  } else if (before->parts != record.parts) {
    plan.full_reason = "the layers changed";
  } else {
    previous = PreviousOutput::open(options.output, output.evidence_path(),
                                    output.evidence_path().empty() ? std::vector<std::string>{} : model.evidence_names(),
                                    tiles, why);
    if (!previous) plan.full_reason = "the previous output cannot be copied from: " + why;
  }
  const size_t parts = record.parts.size();
  plan.recompute.assign(tiles.size(), 1);
  plan.keys.resize(tiles.size());
  if (plan.full_reason.empty()) {
    plan.fingerprints = fingerprint_tiles(model, tiles, *before, output.input_files(), options);
    for (size_t i = 0; i < tiles.size(); ++i) {
      bool changed = false;
      for (size_t p = 0; p < parts; ++p)
        if (!(plan.fingerprints[i * parts + p] == before->fingerprint(static_cast<int64_t>(i), p))) {
          ++plan.tiles_by_part[record.parts[p]];
          changed = true;
        }
      plan.recompute[i] = changed;
      plan.keys[i] = journal_key(record.model_digest, plan.fingerprints.data() + i * parts, parts);
    }
  } else {
    for (size_t i = 0; i < tiles.size(); ++i)
      plan.keys[i] = full_key(record.model_digest, output.input_files(), static_cast<int64_t>(i));
  }
  UpdateSummary summary;
  summary.tiles_total = static_cast<int64_t>(tiles.size());
  summary.full_reason = plan.full_reason;
  summary.tiles_by_part = plan.tiles_by_part;
  if (before) summary.files_changed = files_changed(*before, output.input_files());
  const int64_t to_compute = std::count(plan.recompute.begin(), plan.recompute.end(), 1);
  ops::UpdateJournal journal(options.output);
  log.event("plan",
            {{"tiles_total", summary.tiles_total},
             {"tiles_to_recompute", to_compute},
             {"full_reason", plan.full_reason.empty() ? nlohmann::json(nullptr) : nlohmann::json(plan.full_reason)},
             {"tiles_by_input", plan.tiles_by_part},
             {"files_changed", summary.files_changed},
             {"journal_records", journal.records()}},
            plan.full_reason.empty() ? std::to_string(to_compute) + " of " + std::to_string(tiles.size()) +
                                           " tiles changed; " + std::to_string(tiles.size() - static_cast<size_t>(to_compute)) +
                                           " are copied as stored"
                                     : "recomputing every tile: " + plan.full_reason);

  // The change record, and the history as run keeps it, with this update's line after the others.
  record.changes = before ? before->changes : nlohmann::json::array();
  nlohmann::json change{{"date", output.metadata().created_utc},
                        {"command", "update"},
                        {"inputs_changed", plan.tiles_by_part},
                        {"files_changed", summary.files_changed},
                        {"tiles_recomputed", to_compute},
                        {"tiles_total", summary.tiles_total},
                        {"full_reason", plan.full_reason.empty() ? nlohmann::json(nullptr) : nlohmann::json(plan.full_reason)}};
  record.changes.push_back(change);
  if (before && !before->history.empty()) output.metadata().history = before->history + "\n" + output.metadata().history;

  UpdateTiles supplier(model, plan, previous, journal, output.picture_offsets(), options.tile_size, output.inputs().grid);
  const std::string previous_date =
      before && !before->changes.empty() ? before->changes.back().value("date", std::string()) : std::string();
  summary.run = output.write(supplier, std::move(record), [&] {
    // Everything is written: the previous grid is kept under its date before it is replaced.
    if (before) summary.kept = ops::keep_previous(options.output, previous_date, options.keep);
  });
  journal.remove();
  summary.tiles_recomputed = supplier.computed;
  summary.tiles_copied = supplier.copied;
  summary.tiles_from_journal = supplier.resumed;
  summary.probability_digest = output.written_record().probability_digest().hex();
  return summary;
}

}  // namespace minerisk
