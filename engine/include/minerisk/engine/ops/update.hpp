#pragma once
// `minerisk update`: the nightly batch. Recomputes only the tiles whose fingerprint changed
// since the previous output (update_record.hpp), copies the others as stored, and commits the
// same files `run` writes, bit for bit what a full run on the new inputs would write
// (values and stored chunks alike). One update of an output at a time (a lock); a killed
// update resumes from its journal; --keep N keeps the previous grids under dated names.
#include <filesystem>
#include <map>
#include <string>
#include <vector>

#include "minerisk/engine/ops/run.hpp"
#include "minerisk/engine/ops/update_log.hpp"

namespace minerisk {

struct UpdateOptions : RunOptions {
  bool wait = false;  // wait for another update of the output to finish, instead of exiting Busy
  int keep = 0;       // previous grids kept under dated names (0: none)
  /// Whether tile_size and evidence were given: if not, an update keeps the previous output's.
  bool tile_size_given = false, evidence_given = false;
  const ops::UpdateLog* log = nullptr;  // where events go (none: nowhere)
};

struct UpdateSummary {
  RunSummary run;
  int64_t tiles_total = 0, tiles_recomputed = 0, tiles_copied = 0, tiles_from_journal = 0;
  int64_t tiles_damaged = 0;  // unchanged tiles whose stored chunks failed their check: recomputed
  // Of the tiles copied, those left in a reflinked copy without being read and checked (each
  // update reads an eighth of them, in turn).
  int64_t tiles_left_unread = 0;
  // Of the tiles recomputed, those computed only over the sub-blocks their vector inputs changed
  // in (the rest of their values as stored); and the cells computed in all.
  int64_t tiles_in_part = 0, cells_recomputed = 0;
  std::string full_reason;  // why every tile was recomputed; "" for an incremental update
  std::map<std::string, int64_t> tiles_by_input;  // fingerprint part -> tiles in which it changed
  std::vector<std::string> files_changed;        // input files whose SHA-256 changed
  std::string probability_digest;                // UpdateRecord::probability_digest, hex
  std::vector<std::filesystem::path> kept;       // previous grids kept by --keep, newest first
  // How the new files started from the previous ones (clone_method_name: "reflink", "kernel
  // copy", "read and write"); "" when they were written whole: with full_reason, or with
  // whole_write_reason (too much unused space, which a whole write compacts; an attribute that
  // would change its size, or a variable stored by another tool).
  std::string previous_copied_by, whole_write_reason;
};

UpdateSummary update_scenario(const Scenario& scenario, const UpdateOptions& options);

}  // namespace minerisk
