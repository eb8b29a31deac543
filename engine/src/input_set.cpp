#include "minerisk/engine/input_set.hpp"

#include <algorithm>
#include <array>
#include <exception>
#include <functional>
#include <map>

#include <cpl_string.h>
#include <tbb/task_group.h>

#include "../features/clearance.hpp"
#include "../features/feature.hpp"
#include "minerisk/engine/errors.hpp"
#include "minerisk/engine/dataset_name.hpp"
#include "minerisk/engine/gdal_support.hpp"
#include "minerisk/engine/tool_provenance.hpp"
#include "minerisk/engine/vector_inputs.hpp"

namespace minerisk {

namespace {
// Describes each input, hashing a file once even when several roles share it (a GeoPackage).
// `described`: files already described (hashed meanwhile, under any role).
void add_input(InputSet& in, const std::string& role, const std::filesystem::path& path, const KnownHashes* known,
               bool hash, const std::map<std::filesystem::path, InputFile>& described = {}) {
  const InputFile* seen = nullptr;
  for (const InputFile& f : in.files)
    if (f.path == path) seen = &f;
  if (const auto it = described.find(path); !seen && it != described.end()) seen = &it->second;
  if (!seen) {
    in.files.push_back(describe_input(role, path, known, hash));
    return;
  }
  InputFile copy = *seen;
  copy.role = role;
  in.files.push_back(std::move(copy));
}

// A vector layer's other files: those of its dataset named as its own file (a shapefile's .dbf,
// which holds the finds' counts, its .shx, .prj and .cpg), or, for a folder of shapefiles, as the
// layer read. An edit there is an edit of the input, so each is hashed and recorded beside it
// ("read for finds"), and update's files_changed names it. A zip (/vsizip/) is its own one file.
void add_side_files(InputSet& in, const std::string& role, const VectorInputSpec& spec, const KnownHashes* known,
                    bool hash) {
  const std::filesystem::path own = local_file(spec.path.string());
  if (own.empty()) return;  // a remote name
  std::error_code error;
  const bool folder = std::filesystem::is_directory(own, error);
  const std::string stem = folder ? layer_read(spec.path, spec.layer) : own.stem().string();
  const std::filesystem::path where = folder ? own : own.parent_path();
  for (const std::filesystem::path& f : files_of_dataset(spec.path.string()))
    if (f != own && f.parent_path() == where && !stem.empty() && EQUAL(f.stem().c_str(), stem.c_str()) &&
        std::none_of(in.files.begin(), in.files.end(), [&](const InputFile& i) { return local_file(i.path) == f; }))
      in.files.push_back(describe_input("read for " + role, f, known, hash));
}

// Records (or clearances) counted as features, not polygon parts.
int64_t record_count(const std::vector<kernels::Polygon>& polygons) {
  int64_t n = 0;
  for (const kernels::Polygon& p : polygons) n = std::max(n, p.record + 1);
  return n;
}
}  // namespace

std::shared_ptr<const InputSet> load_inputs(const Scenario& s, const KnownHashes* known, bool hash_files) {
  // Built in place on the heap and shared: the features and the model hold it by shared_ptr.
  auto owned = std::make_shared<InputSet>();
  InputSet& in = *owned;
  in.grid = s.grid ? grid_from_spec(*s.grid, s.file) : grid_from_raster(s.dem);
  in.dem = std::make_shared<const RasterSource>(s.dem, in.grid, "terrain.dem");
  add_input(in, "scenario", s.file, known, hash_files);
  add_input(in, "terrain.dem", s.dem, known, hash_files);
  auto shared = std::make_shared<SharedInputs>();
  auto keys = std::make_shared<std::vector<int64_t>>();
  std::vector<kernels::Segment> lines;
  std::vector<kernels::WeightedPoint> finds;
  std::vector<kernels::Polygon> cleared, records;
  // The vector layers are read at once, each through its own GDAL dataset, and their files
  // hashed meanwhile: reading a layer is GDAL's and SQLite's work on one thread, and a nightly
  // update spends a sixth of its time here. A failed read is reported first (the first of them in
  // the sections' order), then a failed hash (in the files' order): the same for every run.
  std::map<std::filesystem::path, InputFile> described;
  for (const auto* v : {&s.front_lines, &s.finds, &s.cleared, &s.records})
    if (*v && !std::any_of(in.files.begin(), in.files.end(), [&](const InputFile& f) { return f.path == (*v)->path; }))
      described.emplace((*v)->path, InputFile{});
  // Declared before the task group: its destructor waits for the tasks that write them.
  std::array<std::exception_ptr, 4> failed;
  std::vector<std::exception_ptr> hash_failed(described.size());
  size_t next = 0;
  tbb::task_group reads;
  auto read = [&](size_t k, std::function<void()> work) {
    reads.run([&failed, k, work = std::move(work)] {
      try {
        work();
      } catch (...) {
        failed[k] = std::current_exception();
      }
    });
  };
  if (s.front_lines) read(0, [&] { lines = load_segments(*s.front_lines, in.grid, "front_lines", keys.get()); });
  if (s.finds) read(1, [&] { finds = load_points(*s.finds, in.grid, "finds"); });
  if (s.cleared) read(2, [&] { cleared = load_polygons(*s.cleared, in.grid, "cleared"); });
  if (s.records) read(3, [&] { records = load_polygons(*s.records, in.grid, "records", s.record_line_buffer); });
  for (auto& [path, file] : described)
    reads.run([&, path = path, at = &file, slot = next++] {
      try {
        *at = describe_input("", path, known, hash_files);
      } catch (...) {
        hash_failed[slot] = std::current_exception();
      }
    });
  reads.wait();
  for (const std::exception_ptr& e : failed)
    if (e) std::rethrow_exception(e);
  for (const std::exception_ptr& e : hash_failed)
    if (e) std::rethrow_exception(e);
  if (s.front_lines) add_input(in, "front_lines", s.front_lines->path, known, hash_files, described);
  if (s.finds) add_input(in, "finds", s.finds->path, known, hash_files, described);
  if (s.cleared) add_input(in, "cleared", s.cleared->path, known, hash_files, described);
  if (s.records) add_input(in, "records", s.records->path, known, hash_files, described);
  for (const auto& [role, v] : {std::pair{"front_lines", &s.front_lines}, std::pair{"finds", &s.finds},
                                std::pair{"cleared", &s.cleared}, std::pair{"records", &s.records}})
    if (*v) add_side_files(in, role, **v, known, hash_files);
  shared->record_count = record_count(records);
  shared->clearance_count = record_count(cleared);
  shared->front_lines = std::make_shared<const std::vector<kernels::Segment>>(std::move(lines));
  shared->front_line_keys = std::move(keys);
  shared->finds = std::make_shared<const std::vector<kernels::WeightedPoint>>(std::move(finds));
  shared->cleared = std::make_shared<const std::vector<kernels::Polygon>>(std::move(cleared));
  shared->records = std::make_shared<const std::vector<kernels::Polygon>>(std::move(records));
  in.shared = shared;
  if (s.cleared) in.clearance = std::make_shared<const features::Clearance>(shared->cleared);

  for (const EvidenceSpec& e : s.evidence) {
    const features::FeatureKind* kind = features::find_feature_kind(e.feature);
    if (!kind) throw std::logic_error("load_inputs: unknown feature kind " + e.feature);
    const features::LayerContext context{s, e, in.grid, in.shared,
                                         [&](const std::string& role, const std::filesystem::path& path) {
                                           add_input(in, role, path, known, hash_files);
                                         }};
    in.layers.push_back(kind->make(context));
    if (e.vector) add_side_files(in, "model.evidence." + e.name, *e.vector, known, hash_files);
  }
  return owned;
}

}  // namespace minerisk
