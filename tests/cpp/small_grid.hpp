#pragma once
// A small grid for the writer's tests: 37 x 23 cells of 10 m in UTM 38N, so that tiles of 16
// leave partial tiles on both edges.
#include "minerisk/engine/grid.hpp"

namespace minerisk::test_support {

inline Grid small_grid() {
  GridSpec spec;
  spec.crs = "EPSG:32638";
  spec.resolution_x = spec.resolution_y = 10.0;
  spec.xmin = 500000, spec.xmax = 500370;
  spec.ymin = 4000000, spec.ymax = 4000230;
  return grid_from_spec(spec, "test.toml");
}

}  // namespace minerisk::test_support
