#include "minerisk/engine/input_set.hpp"

#include <algorithm>

#include "../features/clearance.hpp"
#include "../features/feature.hpp"
#include "minerisk/engine/errors.hpp"
#include "minerisk/engine/vector_inputs.hpp"

namespace minerisk {

namespace {
// Describes each input, hashing a file once even when several roles share it (a GeoPackage).
void add_input(InputSet& in, const std::string& role, const std::filesystem::path& path, const KnownHashes* known,
               bool hash) {
  for (const InputFile& f : in.files)
    if (f.path == path) {
      InputFile copy = f;
      copy.role = role;
      in.files.push_back(copy);
      return;
    }
  in.files.push_back(describe_input(role, path, known, hash));
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
  if (s.front_lines) {
    lines = load_segments(*s.front_lines, in.grid, "front_lines", keys.get());
    add_input(in, "front_lines", s.front_lines->path, known, hash_files);
  }
  if (s.finds) {
    finds = load_points(*s.finds, in.grid, "finds");
    add_input(in, "finds", s.finds->path, known, hash_files);
  }
  if (s.cleared) {
    cleared = load_polygons(*s.cleared, in.grid, "cleared");
    add_input(in, "cleared", s.cleared->path, known, hash_files);
  }
  if (s.records) {
    records = load_polygons(*s.records, in.grid, "records", s.record_line_buffer);
    add_input(in, "records", s.records->path, known, hash_files);
  }
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
  }
  return owned;
}

}  // namespace minerisk
