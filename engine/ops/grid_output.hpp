#pragma once
// The part of `run` that `update` shares (internal to engine/ops): the outputs checked and
// staged, the inputs loaded, then every tile of the plan supplied by a TileSupplier (computed by
// the model, or, for update, copied as stored from the previous output), written, recorded for
// the next update (update_record.hpp), and committed as one step.
#include <atomic>
#include <chrono>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <vector>

#include "minerisk/engine/digest.hpp"
#include "minerisk/engine/gdal_support.hpp"
#include "minerisk/engine/input_set.hpp"
#include "minerisk/engine/model.hpp"
#include "minerisk/engine/ops/run.hpp"
#include "minerisk/engine/output_set.hpp"
#include "minerisk/engine/previous_output.hpp"
#include "minerisk/engine/run_file_writer.hpp"
#include "minerisk/engine/stage_times.hpp"
#include "minerisk/engine/update_record.hpp"
#include "minerisk/kernels/tile_plan.hpp"
#include "supplied_tile.hpp"

namespace minerisk::ops {

class TileSupplier {
 public:
  virtual ~TileSupplier() = default;
  /// Tile `index` of the plan (row-major over the tiles), on a worker thread: any thread may
  /// ask for any tile, concurrently.
  /// `writer` encodes a computed tile as the files store it.
  virtual SuppliedTile supply(int64_t index, const kernels::Window& tile, const RunFileWriter& writer,
                              StageTimes* times) = 0;
  /// Whether tile `index` is computed from the model, so that any MPI rank may compute it;
  /// otherwise rank 0 supplies it (update copies it, or takes it from its journal).
  virtual bool computes(int64_t /*index*/) const { return true; }
  /// Called once, just before the first tile is asked for (update starts reading ahead).
  virtual void before_tiles() {}
  /// A tile another rank computed, as it arrives on rank 0 (update journals it).
  virtual void computed_elsewhere(int64_t /*index*/, const SuppliedTile& /*tile*/) {}
};

/// A run's outputs from the outputs' checks to the commit. Construct (checks the outputs, loads
/// the inputs), then write().
class GridOutput {
 public:
  /// `command`: "run" or "update", for progress and timings; `known`: input hashes to reuse
  /// while a file's stat is unchanged (update); `reserved`: names the command keeps for its own
  /// files beside its output (update's lock and journal), which no output may be written as.
  GridOutput(const Scenario& scenario, const RunOptions& options, std::string command = "run",
             const KnownHashes* known = nullptr, const std::vector<ReservedName>& reserved = {});
  ~GridOutput();

  const Model& model() const { return *model_; }
  const InputSet& inputs() const { return *inputs_; }
  const kernels::TilePlan& plan() const { return *plan_; }
  const std::vector<InputFile>& input_files() const { return input_files_; }
  OutputMetadata& metadata() { return meta_; }
  /// The record's frame for this run: model digest, parts, tile counts, input files (the
  /// caller adds `changes`; write() fills the digests).
  UpdateRecord record_frame() const;
  /// The evidence storage's name, as the record keeps it.
  std::string evidence_name() const;
  /// The evidence file's name for this output (empty without evidence).
  const std::filesystem::path& evidence_path() const { return evidence_path_; }

  /// Writes every tile the supplier gives, the record, the picture and the timings, then
  /// commits; `before_commit` runs after everything is written and before anything is moved
  /// (update keeps the previous output there). Returns the run's summary and the record.
  /// With `base` (update, from a previous output of the same layout), the new files start as
  /// copies of the base's (clone_file: a reflink where the file system has them), and tiles the
  /// supplier marks `copied` are left as the copies hold them instead of being written again.
  /// Unless the base cannot be patched (whole_write_reason() says why): the files are then
  /// written whole. The base then reads the unchanged tiles it supplies from the copies.
  RunSummary write(TileSupplier& supplier, UpdateRecord record, const std::function<void()>& before_commit = {},
                   PreviousOutput* base = nullptr);
  /// How write() copied its base ("" without one): a name of clone_method_name, the slower of
  /// the two files'.
  const std::string& base_copied_by() const { return base_copied_by_; }
  /// Why write() was given a base and wrote the files whole all the same ("" otherwise).
  const std::string& whole_write_reason() const { return whole_write_reason_; }
  const UpdateRecord& written_record() const { return written_; }
  /// Where each tile's share of the picture starts in UpdateRecord::picture, and the total at the end.
  std::vector<size_t> picture_offsets() const;

 private:
  const Scenario& scenario_;
  const RunOptions& options_;
  std::string command_;
  std::chrono::steady_clock::time_point start_;
  StageTimes times_;
  std::unique_ptr<OutputSet> outputs_;
  size_t grid_out_ = 0, evidence_out_ = 0, timings_out_ = 0, picture_out_ = 0;
  std::string note_;
  std::filesystem::path evidence_path_;
  std::optional<ScopedBlockCacheLimit> cache_limit_;
  std::shared_ptr<const InputSet> inputs_;
  std::vector<InputFile> input_files_;
  std::unique_ptr<Model> model_;
  std::unique_ptr<kernels::TilePlan> plan_;
  OutputMetadata meta_;
  UpdateRecord written_;
  KnownHashes known_;  // input hashes to reuse while a file's stat is the same
  std::string base_copied_by_, whole_write_reason_;
};

/// A UserError naming the DEM when no cell of the grid holds a value: the DEM's no-data is the
/// region's no-data.
void require_data(int64_t valid, const Scenario& scenario);

/// Test hook: MINERISK_TEST_SLOW_TILES=SECONDS waits that long after each computed tile (on any
/// rank), so that a test can kill a run, an update or one MPI rank halfway through.
void test_hook_slow_tiles();

}  // namespace minerisk::ops
