#pragma once
// The proximity tool, file to file: distance in metres to the nearest feature, from a raster
// mask (like gdal_proximity, by an exact Euclidean distance transform) or from a vector layer
// onto a template grid (exact distance to the geometries, no rasterising).
#include <filesystem>
#include <limits>
#include <string>
#include <vector>

#include "minerisk/engine/ops/control.hpp"
#include "minerisk/engine/ops/raster_tool.hpp"

namespace minerisk::ops {

struct ProximityOptions : RasterOutputOptions {
  std::filesystem::path like;  // template raster whose grid the output takes: makes INPUT a vector layer
  std::string layer;           // vector INPUT: its layer (default: its only layer)
  std::string where;           // vector INPUT: OGR SQL filter on its features
  std::vector<double> values;  // raster INPUT: the values that are features (default: every non-zero value)
  double max_distance = std::numeric_limits<double>::infinity();  // clamp, metres (positive)
  bool signed_distance = false;         // vector INPUT: + left of each line's direction, - right
  std::filesystem::path nearest_value;  // raster INPUT: also write each cell's nearest feature's value here
};

/// Writes `output` (float32 GeoTIFF, metres, no-data -9999) on INPUT's grid (a raster) or on
/// the grid of options.like (INPUT a vector layer). A raster input is read in bands of
/// control.tile_size rows (first pass, the feature mask) and its distances written in bands;
/// both passes run in the shared tile loop, so threads, progress (the first pass reports the
/// first half) and cancellation apply throughout. UserError for an inconsistent request (the
/// command line's messages: --signed or --like-only options with a raster, --nearest-value or
/// --values with a vector layer, a vector layer without --like) or a bad input; Cancelled when
/// stopped, leaving no output.
void proximity(const std::filesystem::path& input, const std::filesystem::path& output, const ProximityOptions& options,
               const Control& control);

}  // namespace minerisk::ops
