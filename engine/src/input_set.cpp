#include "minerisk/engine/input_set.hpp"

#include "minerisk/engine/vector_inputs.hpp"

namespace minerisk {

namespace {
// Describes each input, hashing a file once even when several roles share it (a GeoPackage).
void add_input(InputSet& in, const std::string& role, const std::filesystem::path& path) {
  for (const InputFile& f : in.files)
    if (f.path == path) {
      InputFile copy = f;
      copy.role = role;
      in.files.push_back(copy);
      return;
    }
  in.files.push_back(describe_input(role, path));
}
}  // namespace

InputSet load_inputs(const Scenario& s) {
  InputSet in;
  in.grid = s.grid ? grid_from_spec(*s.grid, s.file) : grid_from_raster(s.dem);
  in.dem = std::make_unique<RasterSource>(s.dem, in.grid, "terrain.dem");
  add_input(in, "scenario", s.file);
  add_input(in, "terrain.dem", s.dem);
  if (s.front_lines) {
    in.front_lines = load_segments(*s.front_lines, in.grid, "front_lines");
    add_input(in, "front_lines", s.front_lines->path);
  }
  if (s.finds) {
    in.finds = load_points(*s.finds, in.grid, "finds");
    add_input(in, "finds", s.finds->path);
  }
  if (s.cleared) {
    in.cleared = load_polygons(*s.cleared, in.grid, "cleared");
    add_input(in, "cleared", s.cleared->path);
  }
  if (s.records) {
    in.records = load_polygons(*s.records, in.grid, "records", s.record_line_buffer);
    add_input(in, "records", s.records->path);
  }
  for (const EvidenceSpec& e : s.evidence) {
    LayerInputs layer;
    const std::string role = "model.evidence." + e.name;
    if (e.feature == FeatureKind::front_line_distance && !e.where.empty()) {
      VectorInputSpec spec = *s.front_lines;
      spec.where = e.where;
      layer.segments = load_segments(spec, in.grid, role);
      layer.own_segments = true;
    }
    if (e.feature == FeatureKind::find_density && !e.where.empty()) {
      VectorInputSpec spec = *s.finds;
      spec.where = e.where;
      layer.points = load_points(spec, in.grid, role);
      layer.own_points = true;
    }
    if (e.feature == FeatureKind::vector_distance) {
      Geometries g = load_geometries(*e.vector, in.grid, role);
      layer.segments = std::move(g.segments);
      layer.polygons = std::move(g.polygons);
      layer.own_segments = true;
      add_input(in, role, e.vector->path);
    }
    if (e.feature == FeatureKind::raster) {
      // Classes must not be averaged: a categorical raster is resampled by nearest neighbour.
      const bool categorical = e.transform.kind == kernels::TransformKind::categorical;
      layer.raster = std::make_unique<RasterSource>(e.raster, in.grid, role,
                                                    categorical ? Resampling::nearest : Resampling::bilinear);
      add_input(in, role, e.raster);
    }
    in.layers.push_back(std::move(layer));
  }
  return in;
}

}  // namespace minerisk
