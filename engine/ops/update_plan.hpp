#pragma once
// Which tiles an update computes, and why (internal to engine/ops): every tile's fingerprint
// compared with the previous output's record, part by part.
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "minerisk/engine/model.hpp"
#include "minerisk/engine/ops/control.hpp"
#include "minerisk/engine/update_record.hpp"

namespace minerisk::ops {

struct UpdatePlan {
  std::string full_reason;           // not empty: every tile is computed, and this is why
  std::vector<Digest> fingerprints;  // tile after tile, parts each (incremental plans only)
  std::vector<uint8_t> recompute;    // per tile
  std::vector<Digest> keys;          // per tile: what the journal files it under
  /// A tile to compute only in part: its vector inputs alone changed, and only in some of its
  /// sub-blocks (sub_blocks.hpp). The rest of its values are the previous output's.
  struct Part {
    kernels::Window window;                 // the bounding window of those sub-blocks (perhaps empty)
    std::vector<Digest> sub_fingerprints;  // the tile's sub-block digests now
    std::vector<uint8_t> parts_changed;    // per fingerprint part: whether it changed in the tile
  };
  std::vector<std::optional<Part>> partial;  // per tile; nothing: the whole tile (when computed)
  std::map<std::string, int64_t> tiles_by_input;  // part -> tiles in which it changed
  std::vector<std::string> files_changed;         // input files whose SHA-256 changed

  int64_t tiles_to_compute() const;
  /// Tile `index`'s fingerprint parts (incremental plans).
  std::vector<Digest> fingerprint(int64_t index, size_t parts) const;
};

/// The plan against `before` (nothing: every tile, for `why_not`). `record` is this update's
/// record frame (model digest, parts, files with their hashes).
UpdatePlan plan_update(const Model& model, const std::vector<kernels::Window>& tiles, const UpdateRecord& record,
                       const std::optional<UpdateRecord>& before, const std::string& why_not, const Control& control);

/// Every tile computed for `reason`, keyed for the journal by the model and all input files.
void plan_everything(UpdatePlan& plan, const UpdateRecord& record, size_t tiles, const std::string& reason);

}  // namespace minerisk::ops
