#pragma once
// The density tool, file to file: Gaussian kernel density in items per km2, of a point layer
// onto a template grid (exact up to the truncation), or of a raster of counts (the separable
// Gaussian filter scipy's gaussian_filter computes, scaled to items per km2).
#include <filesystem>
#include <string>

#include "minerisk/engine/ops/control.hpp"
#include "minerisk/engine/ops/raster_tool.hpp"
#include "minerisk/kernels/point_density.hpp"

namespace minerisk::ops {

struct DensityOptions : RasterOutputOptions {
  double bandwidth = 0;                         // kernel standard deviation in metres (required: positive)
  double truncate = kernels::kDefaultTruncate;  // sum the kernel out to this many bandwidths (1 to 10)
  std::filesystem::path like;                   // template raster whose grid the output takes: INPUT is a point layer
  std::string layer;                            // point layer of a vector INPUT (default: its only layer)
  std::string where;                            // OGR SQL filter on the points
  std::string weight_field;                     // attribute with each point's count (default: 1 per point)
};

/// Writes `output` (float32 GeoTIFF, items per km2, no-data -9999) on the grid of options.like
/// (INPUT a point layer) or on INPUT's own grid (a raster of counts, which must be projected).
/// UserError for a request or input the user can fix (a vector layer without --like, among
/// others, with the command line's messages); Cancelled when stopped, leaving no output.
void density(const std::filesystem::path& input, const std::filesystem::path& output, const DensityOptions& options,
             const Control& control);

}  // namespace minerisk::ops
