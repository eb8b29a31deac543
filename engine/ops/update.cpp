// `minerisk update`: see engine/include/minerisk/engine/ops/update.hpp. In order: check the
// output's name and folder; lock the output; read the previous output's record; load the inputs
// (reusing the hashes of files whose stat is unchanged); plan (update_plan.cpp: every tile's
// fingerprint against the record); decide whether to patch a copy of the previous files;
// supply each tile (update_tiles.hpp: computed, from the journal an interrupted update left, or
// left as stored, after its CRC-32 is checked); commit as run does; then keep the dated grids and drop the
// journal.
#include "minerisk/engine/ops/update.hpp"

#include <optional>

#include "grid_output.hpp"
#include "minerisk/engine/cluster.hpp"
#include "minerisk/engine/errors.hpp"
#include "minerisk/engine/previous_output.hpp"
#include "update_journal.hpp"
#include "update_keep.hpp"
#include "update_lock.hpp"
#include "update_plan.hpp"
#include "update_tiles.hpp"

namespace fs = std::filesystem;

namespace minerisk {

namespace {

const ops::UpdateLog kSilent(ops::UpdateLog::Format::text, true);
// The unused bytes a patched pair of files may hold: 16 MiB, a fresh pair's coordinates and
// record several times over, plus an eighth of the chunks' bytes. A patch leaves unused about
// the chunks it rewrites (counted before it starts) and the old strings of the attributes it
// overwrites (small, and seen by the next update); past the allowance an update writes the
// files whole, which compacts them. So the files stay within about an eighth of a fresh pair's
// size plus 16 MiB; at karabakh's 11 tiles a night (about 11 MB), one night in six or seven
// pays for a whole write.
constexpr uint64_t kUnusedBytesAllowance = 16ULL << 20;

// Why the previous files are written whole rather than patched; "" to patch them.
std::string why_not_patched(const PreviousOutput& previous, const ops::UpdatePlan& plan) {
  uint64_t rewritten = 0;  // the chunks this update replaces: at most this much more left unused
  for (size_t i = 0; i < plan.recompute.size(); ++i)
    if (plan.recompute[i]) rewritten += previous.tile_bytes(static_cast<int64_t>(i));
  const uint64_t unused = previous.unused_bytes() + rewritten;
  if (unused <= kUnusedBytesAllowance + previous.chunk_bytes() / 8) return "";
  return "patching would leave " + std::to_string(unused >> 20) + " MiB of the files unused; written whole, " +
         "which compacts them";
}

}  // namespace

UpdateSummary update_scenario(const Scenario& scenario, const UpdateOptions& given) {
  // Another MPI rank computes rank 0's tiles; rank 0 alone locks, plans, copies and commits.
  if (cluster::is_worker()) {
    ops::serve_grid_tiles(scenario, given);
    return {};
  }
  const ops::UpdateLog& log = given.log ? *given.log : kSilent;
  UpdateOptions options = given;
  options.check();
  ops::check_update_output(scenario, options.output, options.timings);
  log.event("start", {{"output", options.output.string()}, {"scenario", scenario.file.string()}}, "");  // text: the plan says it
  const ops::UpdateLock lock(options.output, options.wait, options.cancel, [&](const std::string& holder) {
    log.event("wait", {{"holder", holder}}, "waiting for " + holder + " to finish updating it");
  });

  // The previous output: its record, if it has one. An existing file without one is not
  // replaced unless the user says so: it may be anything.
  std::string why;
  std::error_code ec;
  const bool exists = fs::exists(fs::symlink_status(options.output, ec));
  if (exists) ops::UpdateLock::refuse_if_written_elsewhere(options.output);
  const std::optional<FileStat> seen = stat_file(options.output);
  bool damaged = false;
  std::optional<UpdateRecord> before = exists ? read_update_record(options.output, why, &damaged) : std::nullopt;
  // A minerisk output whose record is damaged is replaced by a full computation; others only with --overwrite.
  if (exists && !before && !damaged && !given.overwrite)
    throw UserError("'" + options.output.string() + "' exists but cannot be updated: " + why +
                    "; use --overwrite to replace it with a full computation");
  if (!exists) why = "there is no previous output";
  // Unless told otherwise, the previous output's tiling and storage: an update does not change them.
  if (before && !given.tile_size_given) options.tile_size = before->tile_size;
  if (before && !given.evidence_given) options.evidence = evidence_storage_named(before->evidence, "evidence");
  // An update replaces its own output and companions; the first, with no output yet, is a run,
  // and replaces other files (an evidence file, a picture) only with --overwrite, as run does.
  options.overwrite = given.overwrite || before.has_value() || damaged;
  if ((before || damaged) && !given.overwrite) ops::refuse_another_grid(options.output, scenario, damaged);
  const KnownHashes known = before ? before->known_hashes() : KnownHashes{};
  ops::GridOutput output(scenario, options, "update", &known, ops::update_reserved_names(options.output));
  const Model& model = output.model();
  const auto& tiles = output.plan().tiles();
  UpdateRecord record = output.record_frame();

  ops::UpdatePlan plan = ops::plan_update(model, tiles, record, before, why, options);
  std::optional<PreviousOutput> previous;
  if (plan.full_reason.empty()) {
    previous = PreviousOutput::open(options.output, output.evidence_path(),
                                    output.evidence_path().empty() ? std::vector<std::string>{} : model.evidence_names(),
                                    tiles, *before, seen.value_or(FileStat{}), why, options.cancel);
    if (!previous) {
      const auto files_changed = plan.files_changed;
      plan = {};
      plan.files_changed = files_changed;
      ops::plan_everything(plan, record, tiles.size(), "the previous output cannot be copied from: " + why);
    }
  }
  UpdateSummary summary;
  summary.tiles_total = static_cast<int64_t>(tiles.size());
  summary.full_reason = plan.full_reason;
  summary.tiles_by_input = plan.tiles_by_input;
  summary.files_changed = plan.files_changed;
  const int64_t to_compute = plan.tiles_to_compute();
  ops::UpdateJournal journal(options.output);
  const auto null_or = [](const std::string& s) { return s.empty() ? nlohmann::json(nullptr) : nlohmann::json(s); };
  log.event("plan",
            {{"tiles_total", summary.tiles_total},
             {"tiles_to_recompute", to_compute},
             {"full_reason", null_or(plan.full_reason)},
             {"tiles_by_input", plan.tiles_by_input},
             {"files_changed", summary.files_changed},
             {"journal_records", journal.records()}},
            plan.full_reason.empty() ? std::to_string(to_compute) + " of " + std::to_string(tiles.size()) +
                                           " tiles changed; " + std::to_string(summary.tiles_total - to_compute) +
                                           " are copied as stored"
                                     : "recomputing every tile: " + plan.full_reason);

  // The changes table and the history as run keeps them, with this update's after the others.
  record.changes = before ? before->changes : nlohmann::json::array();
  record.changes.push_back({{"date", output.metadata().created_utc},
                            {"command", "update"},
                            {"inputs_changed", plan.tiles_by_input},
                            {"files_changed", summary.files_changed},
                            {"tiles_recomputed", to_compute},
                            {"tiles_total", summary.tiles_total},
                            {"full_reason", null_or(plan.full_reason)}});
  if (before && !before->history.empty()) output.metadata().history = before->history + "\n" + output.metadata().history;

  ops::UpdateTiles supplier(output, plan, previous, journal, options.tile_size, output.inputs().grid);
  // The new files start as copies of the previous ones, with only what changed written into
  // them; unless that would leave too much of them unused (each rewritten chunk may leave a hole).
  const std::string whole_write_reason = previous ? why_not_patched(*previous, plan) : "";
  const bool patch = previous && whole_write_reason.empty();
  // The previous grid is linked under its date just before the commit; older dated grids are
  // pruned only after it, so a failed commit loses none of them.
  const std::string previous_date = exists ? ops::date_kept_under(before, options.output) : std::string();
  std::vector<ops::KeptLink> linked;
  try {
    summary.run = output.write(supplier, std::move(record), [&] {
      if (exists) summary.kept = ops::keep_previous(options.output, previous_date, options.keep, linked);
    }, patch ? &*previous : nullptr);
  } catch (...) {
    ops::undo_keep(linked);  // not committed: the previous grid keeps only its own name
    throw;
  }
  summary.previous_copied_by = output.base_copied_by();
  summary.whole_write_reason = previous && !patch ? whole_write_reason : output.whole_write_reason();
  if (exists) summary.kept = ops::prune_kept(options.output, options.keep, ops::paths_of(output.input_files()));
  journal.remove();
  summary.tiles_recomputed = supplier.computed;
  summary.tiles_copied = supplier.copied + supplier.left_unread;
  summary.tiles_left_unread = supplier.left_unread;
  summary.tiles_in_part = supplier.in_part;
  summary.cells_recomputed = supplier.cells;
  summary.tiles_from_journal = supplier.resumed;
  summary.tiles_damaged = supplier.damaged;
  summary.probability_digest = output.written_record().probability_digest().hex();
  return summary;
}

}  // namespace minerisk
