#pragma once
// Existing hazard polygons (an IMSMA export of SHA/CHA, any layer OGR reads): read with their
// attributes, brought into the grid's CRS, made valid.
#include <memory>
#include <string>
#include <vector>

#include <ogr_core.h>
#include <ogr_geometry.h>

#include "minerisk/engine/grid.hpp"
#include "minerisk/engine/ops/control.hpp"

namespace minerisk::ops {

struct GivenField {
  std::string name;
  OGRFieldType type = OFTString;
};

struct GivenPolygon {
  std::unique_ptr<OGRGeometry> shape;         // Polygon or MultiPolygon in the grid's CRS
  std::vector<std::string> values;            // per field, as text ("" for null)
  std::vector<bool> null;                     // per field
};

struct GivenPolygons {
  std::vector<GivenField> fields;
  std::vector<GivenPolygon> polygons;
  std::filesystem::path path;
};

/// Reads `name` (PATH or PATH:LAYER) with the OGR filter `where`. UserError for a layer that
/// cannot be read, has no CRS, holds no polygons, or lies off the grid.
GivenPolygons read_given_polygons(const std::string& name, const std::string& where, const Grid& grid);

}  // namespace minerisk::ops

