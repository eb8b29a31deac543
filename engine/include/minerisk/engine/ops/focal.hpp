#pragma once
// The focal tool, file to file: moving-window mean, sum, count, max or min over a circle or
// square of a radius in metres, leaving out no-data cells (as GRASS r.neighbors).
#include <filesystem>
#include <map>
#include <string>

#include "minerisk/engine/ops/control.hpp"
#include "minerisk/engine/ops/raster_tool.hpp"
#include "minerisk/kernels/focal.hpp"

namespace minerisk::ops {

struct FocalOptions : RasterOutputOptions {
  double radius = 0;  // metres (required: 0 or more); a square reaches this far along each axis
  kernels::FocalStatistic statistic = kernels::FocalStatistic::mean;
  kernels::FocalShape shape = kernels::FocalShape::circle;
};

/// The statistics and shapes by their names on the command line and in Python.
const std::map<std::string, kernels::FocalStatistic>& focal_statistics();
const std::map<std::string, kernels::FocalShape>& focal_shapes();
/// A statistic or shape by name (any case); UserError naming --statistic / --shape otherwise.
kernels::FocalStatistic focal_statistic_named(const std::string& name);
kernels::FocalShape focal_shape_named(const std::string& name);

/// Writes `output` (float32 GeoTIFF, no-data -9999) on INPUT's grid, which must be projected.
/// UserError for a request or input the user can fix (a radius over 4096 cells, among others,
/// with the command line's messages); Cancelled when stopped, leaving no output.
void focal(const std::filesystem::path& input, const std::filesystem::path& output, const FocalOptions& options,
           const Control& control);

}  // namespace minerisk::ops
