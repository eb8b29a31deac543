#pragma once
// The terrain tools, file to file: slope, aspect and terrain ruggedness index of a DEM by
// Horn's method, as gdaldem computes them (minerisk slope|aspect|tri, minerisk.tools).
#include <filesystem>
#include <string>

#include "minerisk/engine/ops/control.hpp"
#include "minerisk/engine/ops/raster_tool.hpp"

namespace minerisk::ops {

struct SlopeOptions : RasterOutputOptions {
  bool percent = false;        // percent instead of degrees
  bool compute_edges = false;  // edge cells and cells next to no-data as gdaldem -compute_edges
};

struct AspectOptions : RasterOutputOptions {
  bool compute_edges = false;
  bool trigonometric = false;  // degrees counter-clockwise from east instead of clockwise from north
  bool zero_for_flat = false;  // 0 for flat cells instead of no-data
};

struct TriOptions : RasterOutputOptions {
  bool compute_edges = false;
};

/// Each reads `dem` (any raster GDAL reads) and writes `output`: a float32 GeoTIFF on the
/// DEM's grid, tiled, compressed with options.compress, no-data -9999 (as gdaldem). UserError
/// for a request or input the user can fix; Cancelled when the control stops it (then no
/// output is written and a previous one is left as it was).
void slope(const std::filesystem::path& dem, const std::filesystem::path& output, const SlopeOptions& options,
           const Control& control);
void aspect(const std::filesystem::path& dem, const std::filesystem::path& output, const AspectOptions& options,
            const Control& control);
void tri(const std::filesystem::path& dem, const std::filesystem::path& output, const TriOptions& options,
         const Control& control);

}  // namespace minerisk::ops
