#include "grid_output.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <future>
#include <mutex>
#include <thread>

#include "minerisk/engine/cluster.hpp"
#include "minerisk/engine/errors.hpp"
#include "minerisk/engine/file_descriptor.hpp"
#include "minerisk/engine/output_format.hpp"
#include "minerisk/engine/plane_scale.hpp"
#include "minerisk/engine/quicklook.hpp"
#include "minerisk/engine/sub_blocks.hpp"
#include "minerisk/engine/tile_loop.hpp"
#include "minerisk/engine/version.hpp"
#include "../src/file_clone.hpp"
#include "grid_worker.hpp"
#include "staging.hpp"

namespace fs = std::filesystem;

namespace minerisk::ops {

// No valid cell: the DEM, or a raster layer, has no data over the grid (a cell is no-data where
// any of them is), so each that may be the cause is named.
void require_data(int64_t valid, const Scenario& s) {
  if (valid > 0) return;
  std::string rasters;
  for (const EvidenceSpec& e : s.evidence)
    if (!e.raster.empty()) rasters += " or raster layer '" + e.name + "' ('" + e.raster.string() + "')";
  if (rasters.empty())
    throw UserError("terrain.dem: '" + s.dem.string() +
                    "' has no data over the grid: every cell is no-data; check its no-data value and that it covers "
                    "the grid");
  throw UserError("every cell of the grid is no-data: the DEM ('" + s.dem.string() + "')" + rasters +
                  " has no data over it; check their no-data values and that they cover the grid");
}

namespace {
// What the user should know of how the evidence was stored: packed values beyond the range,
// and, without evidence, an older evidence file left beside the new grid (never removed: it is
// not an output of this run, and the grid no longer names it); the same for an older picture
// left beside a grid drawn without one (--no-picture), which no longer shows it.
// Each "note: ...", printed after "minerisk: " unless quiet, and in update's JSON summary.
std::vector<std::string> storage_notes(const std::vector<std::pair<std::string, int64_t>>& clipped,
                                       const RunOptions& options) {
  std::vector<std::string> notes;
  for (const auto& [layer, count] : clipped)
    notes.push_back("note: " + std::to_string(count) + " cells of evidence layer '" + layer +
                    "' lie beyond +-32.767 log-odds and are stored at that limit (packed evidence); use --evidence "
                    "float32 to keep their exact values");
  std::error_code ec;
  if (options.evidence == EvidenceStorage::none && fs::exists(evidence_file_for(options.output), ec))
    notes.push_back("note: '" + evidence_file_for(options.output).string() +
                    "' beside the grid is an older run's evidence (this run wrote none, and the grid does not name "
                    "it); remove it if it is no longer wanted");
  if (!options.quicklook && fs::exists(picture_path(options.output), ec))
    notes.push_back("note: '" + picture_path(options.output).string() +
                    "' beside the grid is an older run's picture (this run drew none, with --no-picture), so it does "
                    "not show this grid; remove it if it is no longer wanted");
  return notes;
}

}  // namespace

void test_hook_slow_tiles() {
  if (const char* slow = std::getenv("MINERISK_TEST_SLOW_TILES"))
    std::this_thread::sleep_for(std::chrono::duration<double>(std::atof(slow)));
}

GridOutput::GridOutput(const Scenario& scenario, const RunOptions& options, std::string command, const KnownHashes* known,
                       const std::vector<ReservedName>& reserved)
    : scenario_(scenario), options_(options), command_(std::move(command)), start_(std::chrono::steady_clock::now()) {
  options.check();
  // The outputs first: a path that would replace an input, or an unwritable folder, is
  // reported before any work is done. The grid is the main output: committed last.
  outputs_ = std::make_unique<OutputSet>(scenario_files(scenario), options.overwrite);
  for (const ReservedName& name : reserved) outputs_->reserve(name);
  grid_out_ = outputs_->add(options.output);  // the refusals that protect data first
  note_ = check_netcdf_output_name(options.output, "probability");
  const bool with_evidence = options.evidence != EvidenceStorage::none;
  if (with_evidence) evidence_path_ = evidence_file_for(options.output);
  if (with_evidence) evidence_out_ = outputs_->add(evidence_path_);
  if (!options.timings.empty()) timings_out_ = outputs_->add(options.timings);
  if (options.quicklook) picture_out_ = outputs_->add(picture_path(options.output));

  // A DEM is read tile by tile: a quarter of a gigabyte of blocks holds every tile's
  // neighbours many times over (bench/RESULTS.md, "Scaling": memory stays flat).
  cache_limit_.emplace(256LL << 20);
  if (known) known_ = *known;
  inputs_ = load_inputs(scenario, known);
  input_files_ = inputs_->files;
  if (!options.model_file.empty()) input_files_.push_back(describe_input("model", options.model_file, known));
  outputs_->add_inputs(paths_of(input_files_));
  const Grid& grid = inputs_->grid;
  model_ = std::make_unique<Model>(scenario, inputs_);
  plan_ = std::make_unique<kernels::TilePlan>(grid.width(), grid.height(), options.tile_size);

  meta_.title = scenario.title;
  meta_.version = kVersion;
  meta_.created_utc = utc_now_iso8601();
  meta_.history = meta_.created_utc + ": " + (options.command_line.empty() ? "minerisk " + command_ : options.command_line);
  meta_.scenario_toml = scenario.resolved_toml;
  meta_.inputs_json = inputs_json(input_files_);
  meta_.run_id = new_run_id();
  // Both files charged to the grid's folder (the same): float32 probability, the layers as stored.
  const size_t layers = with_evidence ? model_->evidence_names().size() : 0;
  const bool packed = options.evidence == EvidenceStorage::packed;
  outputs_->expect_size(grid_out_, grid_file_lower_bound(grid.width(), grid.height(), options.tile_size,
                                                         1 + (packed ? 0 : layers),
                                                         meta_.title.size() + meta_.history.size() +
                                                             meta_.scenario_toml.size() + meta_.inputs_json.size() +
                                                             grid.crs_wkt.size() * 2,
                                                         packed ? layers : 0));
}

GridOutput::~GridOutput() = default;

std::string GridOutput::evidence_name() const {
  switch (options_.evidence) {
    case EvidenceStorage::packed: return "packed";
    case EvidenceStorage::float32: return "float32";
    case EvidenceStorage::none: return "none";
  }
  return "packed";
}

UpdateRecord GridOutput::record_frame() const {
  UpdateRecord r;
  r.model_digest = update_model_digest(scenario_, inputs_->grid, options_.tile_size, evidence_name());
  r.tile_size = options_.tile_size;
  r.tiles_x = (inputs_->grid.width() + options_.tile_size - 1) / options_.tile_size;
  r.tiles_y = (inputs_->grid.height() + options_.tile_size - 1) / options_.tile_size;
  r.parts = model_->fingerprint_parts();
  r.evidence = evidence_name();
  r.files = input_files_;
  // The files each raster part reads, sidecars and a VRT's sources too, hashed (or their hash
  // reused while their stat is the same) and named together: the part's identity.
  for (size_t p = 0; p < r.parts.size(); ++p) {
    const auto files = model_->fingerprint_files(p);
    if (files.empty()) continue;
    std::vector<std::pair<std::string, std::string>> identity;
    for (const fs::path& f : files) {
      auto it = std::find_if(r.files.begin(), r.files.end(), [&](const InputFile& i) { return i.path == f; });
      if (it == r.files.end()) {
        r.files.push_back(describe_input("read for " + r.parts[p], f, &known_));
        it = r.files.end() - 1;
      }
      identity.emplace_back(f.string(), it->sha256);
    }
    std::sort(identity.begin(), identity.end());
    Sha256 h;
    for (const auto& [path, sha] : identity) {
      h.add_text(path);
      h.add_text(sha);
    }
    r.part_files[r.parts[p]] = h.finish().hex();
  }
  return r;
}

std::vector<size_t> GridOutput::picture_offsets() const {
  const QuickLook geometry(inputs_->grid.width(), inputs_->grid.height());
  std::vector<size_t> offsets{0};
  for (const kernels::Window& tile : plan_->tiles()) offsets.push_back(offsets.back() + geometry.share_size(tile));
  return offsets;
}

RunSummary GridOutput::write(TileSupplier& supplier, UpdateRecord record, const std::function<void()>& before_commit,
                             PreviousOutput* base) {
  StageTimes* timed = options_.timings.empty() ? nullptr : &times_;
  const Grid& grid = inputs_->grid;
  const auto& tiles = plan_->tiles();
  if (static_cast<int64_t>(tiles.size()) != record.tiles())
    throw std::logic_error("GridOutput: the record's tiles do not match the plan's");
  record.fingerprints.assign(tiles.size() * record.parts.size(), Digest{});
  record.chunks.assign(tiles.size(), Digest{});
  const size_t per_tile = 1 + (evidence_path_.empty() ? 0 : model_->evidence_names().size());
  record.crc32.assign(tiles.size() * per_tile, 0);
  record.chunk_sizes.assign(tiles.size() * per_tile, 0);
  const auto blocks_per_tile = static_cast<size_t>(sub_blocks_per_tile(options_.tile_size));
  record.sub_fingerprints.assign(tiles.size() * blocks_per_tile, Digest{});
  std::vector<std::pair<std::string, int64_t>> clipped;  // packed layers' values beyond the range
  const bool with_evidence = !evidence_path_.empty();
  if (base) {
    // The base's own descriptors: the very files PreviousOutput checked, whatever their paths
    // name now. A copy is patched only where its attributes and pipeline allow (grid_file_patch.cpp).
    const std::string why =
        with_evidence && base->evidence_descriptor() < 0
            ? "it has no evidence file open"
            : RunFileWriter::patch_refusal(descriptor_path(base->grid_descriptor()),
                                           with_evidence ? descriptor_path(base->evidence_descriptor()) : "",
                                           evidence_path_.filename().string(), grid, options_.tile_size,
                                           model_->evidence_names(), meta_, options_.evidence);
    if (!why.empty()) {
      whole_write_reason_ = "the previous output cannot be patched: " + why;
      base = nullptr;
    }
  }
  outputs_->writing([&] {
    const fs::path grid_file = outputs_->temporary(grid_out_);
    const fs::path evidence_file = with_evidence ? outputs_->temporary(evidence_out_) : fs::path();
    std::unique_ptr<RunFileWriter> writer_owner;
    const bool copying = base != nullptr;  // its phases are marked here, before the tiles
    if (copying) {
      if (timed) times_.mark_phase("prepare");
      // The previous files whole, then only what changed is written into them (the previous
      // output itself is never opened for writing: it stays valid until the commit).
      const CloneMethod grid_copy = clone_file(base->grid_descriptor(), grid_file, options_.cancel);
      const CloneMethod evidence_copy =
          with_evidence ? clone_file(base->evidence_descriptor(), evidence_file, options_.cancel) : grid_copy;
      base_copied_by_ = clone_method_name(std::max(grid_copy, evidence_copy));  // the slower of the two
      try {
        writer_owner = std::make_unique<RunFileWriter>(RunFileWriter::Reopen{}, grid_file, evidence_file,
                                                       evidence_path_.filename().string(), grid, options_.tile_size,
                                                       model_->evidence_names(), meta_, options_.evidence);
        // The unchanged tiles are checked in the copies: what is committed is what was checked.
        base->read_copies(grid_file, evidence_file);
      } catch (const Cancelled&) {
        throw;
      } catch (const std::exception& e) {
        // A copy HDF5 will not patch is written over whole, from the previous files themselves.
        writer_owner.reset();
        whole_write_reason_ = std::string("the copy of the previous output could not be patched: ") + e.what();
        base_copied_by_.clear();
        base = nullptr;
      }
      if (timed) times_.mark_phase("copy previous");
    }
    if (!writer_owner) {
      writer_owner = std::make_unique<RunFileWriter>(grid_file, evidence_file, evidence_path_.filename().string(), grid,
                                               options_.tile_size, model_->evidence_names(),
                                               model_->evidence_descriptions(), meta_, options_.evidence);
    }
    RunFileWriter& writer = *writer_owner;
    // The picture's shares are kept for every tile, picture or not: the next update then has
    // them for the tiles it copies.
    QuickLook quicklook(grid.width(), grid.height());
    const std::vector<size_t> offsets = picture_offsets();
    record.picture.assign(offsets.back(), NAN);
    std::mutex write_mutex;
    std::atomic<int64_t> valid{0};
    std::atomic<bool> copied{false};
    // Every tile, wherever it was supplied, goes through here: its record, its picture share,
    // and its chunks appended under the lock.
    auto take_tile = [&](int64_t index, SuppliedTile t) {
      const kernels::Window& tile = tiles[static_cast<size_t>(index)];
      if (timed) times_.add_tile(index, t.rank, t.seconds);
      if (t.copied) copied = true;
      valid += t.valid_cells >= 0 ? t.valid_cells : valid_cells(t.probability);
      {
        const TimedWork w(timed, "quicklook");
        if (t.picture.empty()) t.picture = quicklook.reduce(tile, t.probability);
        quicklook.add_reduced(tile, t.picture);
        std::copy(t.picture.begin(), t.picture.end(),
                  record.picture.begin() + static_cast<std::ptrdiff_t>(offsets[static_cast<size_t>(index)]));
      }
      if (t.sub_fingerprints.empty()) {  // computed here (a tile computed in full, or on another rank)
        const TimedWork w(timed, "fingerprint");
        t.sub_fingerprints = model_->sub_fingerprints(tile, options_.tile_size);
      }
      record_supplied_tile(record, index, t, per_tile, blocks_per_tile);
      if (base && t.copied) return;  // the copy of the base holds these very bytes already
      std::lock_guard lock(write_mutex);
      const TimedWork w(timed, "write");
      writer.write_tile(t.encoded);
    };
    auto supply = [&](int64_t index) {
      const auto start = std::chrono::steady_clock::now();
      SuppliedTile t = supplier.supply(index, tiles[static_cast<size_t>(index)], writer, timed);
      t.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
      return t;
    };
    if (timed && !copying) times_.mark_phase("prepare");
    supplier.before_tiles();
    if (cluster::size() > 1) {
      share_grid_tiles(supplier, writer, scenario_, options_, command_, grid, model_->evidence_names().size(), tiles,
                       supply, take_tile);
    } else {
      // Tiles are found by their place in the plan: the loop hands out windows.
      for_each_tile(tiles, options_.loop("minerisk " + command_), [&](const kernels::Window& tile) {
        const int64_t index = record.tile_index(tile);
        take_tile(index, supply(index));
      });
    }
    if (timed) times_.mark_phase("tiles");
    if (!copied) require_data(valid, scenario_);
    clipped = writer.clipped_layers();
    // The picture is drawn while the files close: closing is the kernel's work of writing them
    // out, drawing is this process's, so neither waits for the other.
    std::future<void> picture;
    if (options_.quicklook)
      picture = std::async(std::launch::async, [&] {
        char note[200];
        std::snprintf(note, sizeof note,
                      "Quick look: grid of %lld \u00d7 %lld cells, each pixel the maximum of %lld \u00d7 %lld cells. "
                      "For a map to print: minerisk map.",
                      static_cast<long long>(grid.width()), static_cast<long long>(grid.height()),
                      static_cast<long long>(quicklook.block()), static_cast<long long>(quicklook.block()));
        quicklook.write_png(outputs_->temporary(picture_out_), scenario_.title, note);
      });
    // The tiles' bytes start for the disk while the picture is drawn: the commit's fsync then
    // waits for less.
    outputs_->start_writeback(grid_out_);
    if (with_evidence) outputs_->start_writeback(evidence_out_);
    try {
      write_update_record(writer, record);
      writer.close();
    } catch (...) {
      if (picture.valid()) picture.wait();  // it uses this frame's objects
      throw;
    }
    if (picture.valid()) picture.get();
    if (timed) times_.mark_phase("close and picture");
    if (timed)
      outputs_->write_text(timings_out_,
                           times_.json(command_, cluster::default_threads(options_.threads), cluster::size()));
  });
  if (before_commit) before_commit();
  // Everything is complete: the companions, then the grid, into place, unless a signal came first.
  outputs_->commit(options_.cancel);
  // After the commit, so that a failed run still says one line.
  RunSummary summary;
  if (!note_.empty()) summary.notes.push_back(note_);
  if (std::string scale = length_scale_note(grid); !scale.empty()) summary.notes.push_back(std::move(scale));
  for (std::string& n : storage_notes(clipped, options_)) summary.notes.push_back(std::move(n));
  if (!options_.quiet)
    for (const std::string& n : summary.notes) std::fprintf(stderr, "minerisk: %s\n", n.c_str());
  written_ = std::move(record);

  summary.output = options_.output;
  summary.evidence = evidence_path_;  // empty without evidence
  summary.picture = options_.quicklook ? picture_path(options_.output) : fs::path();
  summary.width = grid.width();
  summary.height = grid.height();
  summary.tiles = static_cast<int64_t>(tiles.size());
  summary.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count();
  return summary;
}

}  // namespace minerisk::ops
