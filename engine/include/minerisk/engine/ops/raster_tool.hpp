#pragma once
// What the file-to-file raster tools (slope, aspect, tri, proximity, density, focal) share:
// computing rasters on a grid tile by tile, in parallel, into staged GeoTIFFs; and the checks
// every tool makes on its request (compression, a vector input without a template grid).
#include <cmath>
#include <filesystem>
#include <functional>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "minerisk/engine/grid.hpp"
#include "minerisk/engine/ops/control.hpp"
#include "minerisk/engine/tool_provenance.hpp"
#include "minerisk/kernels/tile_plan.hpp"

namespace minerisk::ops {

/// The GeoTIFF compressions the tools write (--compress); ZSTD is the default.
inline const std::vector<std::string> kCompressions = {"ZSTD", "DEFLATE", "LZW", "NONE"};

/// How a tool's rasters are written, as GDAL's tools take it: the format (-of: a GDAL driver's
/// short name; empty: the one the output's extension names, GTiff for .tif), its creation
/// options (--co KEY=VALUE, over minerisk's defaults) and the compression (--compress) for
/// GTiff, COG (and DEFLATE or none for netCDF). Every tool's options derive from it.
struct RasterOutputOptions {
  std::string compress = "ZSTD";
  std::string format;
  std::vector<std::string> creation_options;
  /// --dst-nodata, as gdalwarp's: the no-data value written (NaN allowed); when not given, each
  /// tool's own (-9999, as gdaldem). A computed value equal to it is refused, never written as
  /// no data.
  std::optional<double> nodata;
};

struct ToolOutput {
  std::filesystem::path path;
  std::string description;  // the band description
  double nodata = NAN;      // written where a value is NaN
  std::string units;        // the band's unit ("m", "degree", "km-2"); empty: none
  std::string variable;     // its name in formats that name variables (netCDF); empty: GDAL's Band1
};

/// One vector per output, each the window's values row-major (NaN for no-data).
using TileComputer = std::function<std::vector<std::vector<float>>(const kernels::Window&)>;

/// Computes and writes `outputs` on `grid` in the format `format` asks for, over the tiles of
/// `control.tile_size` in `shape`, with the control's threads, progress (labelled `label`) and
/// cancellation. A GeoTIFF is written tile by tile (tiled, `compress`ed with the
/// floating-point predictor); another format is copied by its GDAL driver from such a GeoTIFF
/// written first in the private folder (a COG gets its overviews then). `inputs` are the files
/// the tool reads (INPUT, --like): an output that is one of them is refused, and an existing
/// one unless control.overwrite; each output records them (tool_provenance.hpp), so fit can tell
/// a layer computed from the finds. The outputs go through one OutputSet (output_set.hpp):
/// written in a private folder and renamed only when all are complete, the first output last;
/// a failure or Cancelled leaves none. A computed value equal to an output's no-data value
/// (format.nodata when given), or infinite (an overflow of float32), is a UserError naming its
/// cell: written, it would read as no data, or as no number.
void write_rasters(const Grid& grid, const std::vector<ToolOutput>& outputs,
                   const std::vector<ToolInput>& inputs, const RasterOutputOptions& format,
                   const Control& control, const std::string& label, const TileComputer& compute,
                   TileShape shape = TileShape::squares);

/// The checks write_rasters makes before any work, for a tool to make first: the compression,
/// each output's format and creation options, and the outputs themselves (UserError for an
/// output that is an input, exists without overwrite, a folder, a device...). Empty outputs
/// are skipped. Each input is (the role a missing one is named by, its path); empty paths are
/// inputs not given.
void check_tool_outputs(const std::vector<std::filesystem::path>& outputs,
                        const std::vector<std::pair<std::string, std::filesystem::path>>& inputs,
                        const RasterOutputOptions& format, const Control& control);

/// `compress` in upper case if it names one of kCompressions (in any case); a UserError naming
/// --compress otherwise.
std::string checked_compression(const std::string& compress);

/// Refuses a vector INPUT given without --like (the output's grid must come from somewhere).
void require_raster_without_like(const std::filesystem::path& input);

}  // namespace minerisk::ops
