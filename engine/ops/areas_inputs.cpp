#include "areas_inputs.hpp"

#include <algorithm>
#include <system_error>

#include "grid_context.hpp"
#include "minerisk/engine/errors.hpp"

namespace minerisk::ops {

AreaInputs open_area_inputs(const GridFileReader& reader, const std::filesystem::path& grid_file,
                            const AreasOptions& options) {
  AreaInputs in(reader);
  const Grid& grid = reader.grid();
  in.files.push_back(grid_file);
  in.evidence = reader.evidence_names();
  if (!in.evidence.empty()) reader.require_evidence();
  // Read for the evidence means: an input, never to be written over by --csv or --json.
  if (!reader.evidence_file().empty()) in.files.push_back(reader.evidence_file());
  in.sweep = reader.has_variable("sd") && reader.has_variable("p95");
  in.dem_path = options.dem.empty() ? scenario_dem(reader) : options.dem;
  if (!in.dem_path.empty()) {
    in.dem = std::make_unique<RasterSource>(in.dem_path, grid, "--dem");
    in.files.push_back(in.dem_path);
  }
  if (!options.impact.empty()) {
    // A score per cell (people, a land-use weight): taken from the nearest cell, never blended,
    // so that codes and counts keep their values.
    in.impact = std::make_unique<RasterSource>(options.impact, grid, "--impact", Resampling::nearest);
    in.files.push_back(options.impact);
  }
  if (!options.cost.empty()) {
    in.cost = std::make_unique<RasterSource>(options.cost, grid, "--cost");
    in.files.push_back(options.cost);
  }
  for (const std::string& name : options.access) {
    const VectorInputSpec spec = vector_spec(name, "--access");
    Geometries g = load_geometries(spec, grid, "--access");
    in.access_features.segments.insert(in.access_features.segments.end(), g.segments.begin(), g.segments.end());
    in.access_features.polygons.insert(in.access_features.polygons.end(), g.polygons.begin(), g.polygons.end());
    in.access = true;
    in.files.push_back(spec.path);
  }
  if (!options.truth.empty()) {
    const VectorInputSpec spec = vector_spec(options.truth, "--truth");
    for (const kernels::WeightedPoint& p : load_points(spec, grid, "--truth", WithoutGeometry::refuse_unfiltered)) {
      int64_t row, col;
      if (grid.cell_at(p.x, p.y, row, col)) in.items.push_back({row * grid.width() + col, static_cast<float>(p.weight)});
      else in.items_outside_grid += p.weight;
    }
    // By cell, the items of one cell together in reading order: each cell's count is then summed
    // in the same order whatever the window.
    std::stable_sort(in.items.begin(), in.items.end(),
                     [](const auto& a, const auto& b) { return a.first < b.first; });
    in.truth = true;
    in.files.push_back(spec.path);
  }
  return in;
}

}  // namespace minerisk::ops
