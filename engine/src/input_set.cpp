#include "minerisk/engine/input_set.hpp"

#include "minerisk/engine/vector_inputs.hpp"

namespace minerisk {

InputSet load_inputs(const Scenario& s) {
  InputSet in;
  in.grid = s.grid ? grid_from_spec(*s.grid, s.file) : grid_from_raster(s.dem);
  in.dem = std::make_unique<DemSource>(s.dem, in.grid);
  in.files.push_back(describe_input("scenario", s.file));
  in.files.push_back(describe_input("terrain.dem", s.dem));
  if (s.front_lines) {
    in.front_lines = load_segments(*s.front_lines, in.grid, "front_lines");
    in.files.push_back(describe_input("front_lines", s.front_lines->path));
  }
  if (s.finds) {
    in.finds = load_points(*s.finds, in.grid, "finds");
    in.files.push_back(describe_input("finds", s.finds->path));
  }
  if (s.cleared) {
    in.cleared = load_polygons(*s.cleared, in.grid, "cleared");
    in.files.push_back(describe_input("cleared", s.cleared->path));
  }
  if (s.records) {
    in.records = load_polygons(*s.records, in.grid, "records", s.record_line_buffer);
    in.files.push_back(describe_input("records", s.records->path));
  }
  return in;
}

}  // namespace minerisk
