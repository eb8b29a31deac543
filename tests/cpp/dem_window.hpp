#pragma once
// The DEM buffer a terrain kernel takes for a window: the window plus one cell of halo, NaN
// outside the grid. Shared by the terrain and hillshade tests.
#include <cmath>
#include <cstdint>
#include <vector>

#include "minerisk/kernels/grid_frame.hpp"

inline std::vector<float> buffer_for(const std::vector<float>& dem, const minerisk::kernels::GridFrame& f,
                                     const minerisk::kernels::Window& window) {
  const minerisk::kernels::Window g = window.grown(1);
  std::vector<float> out(static_cast<size_t>(g.cells()), NAN);
  for (int64_t r = 0; r < g.height; ++r)
    for (int64_t c = 0; c < g.width; ++c) {
      const int64_t gr = g.row0 + r, gc = g.col0 + c;
      if (gr >= 0 && gc >= 0 && gr < f.height && gc < f.width)
        out[static_cast<size_t>(r * g.width + c)] = dem[static_cast<size_t>(gr * f.width + gc)];
    }
  return out;
}
