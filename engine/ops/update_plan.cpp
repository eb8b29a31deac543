#include "update_plan.hpp"

#include <algorithm>
#include <filesystem>
#include <set>
#include <string>

#include "minerisk/engine/dataset_name.hpp"
#include "minerisk/engine/sub_blocks.hpp"
#include "minerisk/engine/tile_loop.hpp"

namespace minerisk::ops {

namespace {
// The SHA-256 each input file has, by path.
std::map<std::string, std::string> hashes_of(const std::vector<InputFile>& files) {
  std::map<std::string, std::string> out;
  for (const InputFile& f : files) out[f.path.string()] = f.sha256;
  return out;
}

// The journal's key of a tile: the model and everything the tile reads. An entry under it is
// this tile's result, whatever output the update that wrote it started from.
Digest journal_key(const std::string& model_digest, const Digest* parts, size_t count) {
  Sha256 h;
  h.add_text(model_digest);
  for (size_t p = 0; p < count; ++p) h.add_digest(parts[p]);
  return h.finish();
}

// Every tile's fingerprint. A part that reads rasters whose files (sidecars and a VRT's sources
// included) have not changed since the previous output keeps its stored digests: a DEM is not
// read to learn that it is the same.
std::vector<Digest> fingerprint_tiles(const Model& model, const std::vector<kernels::Window>& tiles,
                                      const UpdateRecord& record, const UpdateRecord& before, const Control& control) {
  const size_t parts = record.parts.size();
  std::vector<uint8_t> reuse(parts, 0);
  for (size_t p = 0; p < parts; ++p) {
    const auto now = record.part_files.find(record.parts[p]), then = before.part_files.find(record.parts[p]);
    reuse[p] = now != record.part_files.end() && then != before.part_files.end() && now->second == then->second;
  }
  std::vector<Digest> out(tiles.size() * parts);
  for_each_tile(tiles, {control.threads, true, "", control.cancel, {}}, [&](const kernels::Window& tile) {
    const int64_t index = record.tile_index(tile);
    for (size_t p = 0; p < parts; ++p)
      out[static_cast<size_t>(index) * parts + p] = reuse[p] ? before.fingerprint(index, p) : model.fingerprint(p, tile);
  });
  return out;
}
}  // namespace

int64_t UpdatePlan::tiles_to_compute() const { return std::count(recompute.begin(), recompute.end(), 1); }

namespace {
// A tile whose only changed parts read vector inputs (the DEM's window and the rasters' are the
// same) is computed only over its sub-blocks whose digests changed, when their bounding window
// is at most three quarters of the tile: beyond that, decoding the previous chunks to merge
// into costs about what computing the rest would.
void plan_parts_of_tiles(const Model& model, const std::vector<kernels::Window>& tiles, const UpdateRecord& record,
                         const UpdateRecord& before, const Control& control, UpdatePlan& plan) {
  plan.partial.assign(tiles.size(), std::nullopt);
  if (!before.has_sub_fingerprints()) return;  // written before minerisk kept them
  const size_t parts = record.parts.size();
  const auto per_tile = static_cast<size_t>(sub_blocks_per_tile(record.tile_size));
  std::vector<kernels::Window> candidates;
  std::vector<std::vector<uint8_t>> changed(tiles.size());  // of the candidates: each part, changed or not
  for (size_t i = 0; i < tiles.size(); ++i) {
    if (!plan.recompute[i]) continue;
    bool vector_only = true;
    for (size_t p = 0; p < parts; ++p) {
      changed[i].push_back(!(plan.fingerprints[i * parts + p] == before.fingerprint(static_cast<int64_t>(i), p)));
      vector_only = vector_only && (!changed[i].back() || model.part_is_vector(p));
    }
    if (vector_only) candidates.push_back(tiles[i]);
  }
  for_each_tile(candidates, {control.threads, true, "", control.cancel, {}}, [&](const kernels::Window& tile) {
    const auto i = static_cast<size_t>(record.tile_index(tile));
    std::vector<Digest> now = model.sub_fingerprints(tile, record.tile_size);
    const std::vector<kernels::Window> blocks = sub_block_windows(tile, record.tile_size);
    int64_t c0 = tile.col0 + tile.width, r0 = tile.row0 + tile.height, c1 = tile.col0, r1 = tile.row0;
    for (size_t k = 0; k < per_tile; ++k) {
      if (now[k] == before.sub_fingerprints[i * per_tile + k] || blocks[k].cells() == 0) continue;
      c0 = std::min(c0, blocks[k].col0);
      r0 = std::min(r0, blocks[k].row0);
      c1 = std::max(c1, blocks[k].col0 + blocks[k].width);
      r1 = std::max(r1, blocks[k].row0 + blocks[k].height);
    }
    const kernels::Window part = c1 > c0 ? kernels::Window{c0, r0, c1 - c0, r1 - r0} : kernels::Window{tile.col0, tile.row0, 0, 0};
    if (part.cells() * 4 > tile.cells() * 3) return;
    plan.partial[i] = UpdatePlan::Part{part, std::move(now), std::move(changed[i])};
  });
}
}  // namespace

std::vector<Digest> UpdatePlan::fingerprint(int64_t index, size_t parts) const {
  const auto first = fingerprints.begin() + index * static_cast<int64_t>(parts);
  return std::vector<Digest>(first, first + static_cast<int64_t>(parts));
}

void plan_everything(UpdatePlan& plan, const UpdateRecord& record, size_t tiles, const std::string& reason) {
  plan.full_reason = reason;
  plan.recompute.assign(tiles, 1);
  plan.keys.resize(tiles);
  for (size_t i = 0; i < tiles; ++i) {
    Sha256 h;
    h.add_text("every tile");
    h.add_text(record.model_digest);
    for (const auto& [path, sha] : hashes_of(record.files)) {
      h.add_text(path);
      h.add_text(sha);
    }
    h.add_int(static_cast<int64_t>(i));
    plan.keys[i] = h.finish();
  }
}

UpdatePlan plan_update(const Model& model, const std::vector<kernels::Window>& tiles, const UpdateRecord& record,
                       const std::optional<UpdateRecord>& before, const std::string& why_not, const Control& control) {
  UpdatePlan plan;
  if (before) {
    // Files, each once: a layer read as NETCDF:"f.nc":var and f.nc as a VRT's source are one file.
    const auto old_hashes = hashes_of(before->files);
    std::set<std::string> listed;
    for (const auto& [path, sha] : hashes_of(record.files))
      if (auto it = old_hashes.find(path); it == old_hashes.end() || it->second != sha) {
        const std::filesystem::path file = local_file(path);
        const std::string name = file.empty() ? path : file.string();
        if (listed.insert(name).second) plan.files_changed.push_back(name);
      }
  }
  if (!before) {
    plan_everything(plan, record, tiles.size(), why_not);
    return plan;
  }
  if (before->model_digest != record.model_digest || before->parts != record.parts) {
    plan_everything(plan, record, tiles.size(),
                    "the model, the grid, the tiling, the evidence storage or the versions of minerisk and its "
                    "libraries changed");
    return plan;
  }
  const size_t parts = record.parts.size();
  plan.fingerprints = fingerprint_tiles(model, tiles, record, *before, control);
  plan.recompute.assign(tiles.size(), 0);
  plan.keys.resize(tiles.size());
  for (size_t i = 0; i < tiles.size(); ++i) {
    for (size_t p = 0; p < parts; ++p)
      if (!(plan.fingerprints[i * parts + p] == before->fingerprint(static_cast<int64_t>(i), p))) {
        ++plan.tiles_by_input[record.parts[p]];
        plan.recompute[i] = 1;
      }
    plan.keys[i] = journal_key(record.model_digest, plan.fingerprints.data() + i * parts, parts);
  }
  plan_parts_of_tiles(model, tiles, record, *before, control, plan);
  return plan;
}

}  // namespace minerisk::ops
