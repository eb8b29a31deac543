#pragma once
// A target grid as a scenario's [grid] table gives it: a CRS, a resolution and bounds. Plain
// data with no dependencies, so the grid and the scenario can both use it.
#include <string>

namespace minerisk {

/// The target grid when the scenario sets one; otherwise the DEM's grid is used.
struct GridSpec {
  std::string crs;                 // anything OGRSpatialReference::SetFromUserInput takes
  double resolution_x = 0, resolution_y = 0;  // CRS units, positive
  double xmin = 0, ymin = 0, xmax = 0, ymax = 0;
};

}  // namespace minerisk
