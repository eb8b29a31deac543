#pragma once
// What the file-to-file raster tools (slope, aspect, tri, proximity, density, focal) share:
// computing rasters on a grid tile by tile, in parallel, into staged GeoTIFFs; and the checks
// every tool makes on its request (compression, a vector input without a template grid).
#include <cmath>
#include <filesystem>
#include <functional>
#include <string>
#include <vector>

#include "minerisk/engine/grid.hpp"
#include "minerisk/engine/ops/control.hpp"
#include "minerisk/kernels/tile_plan.hpp"

namespace minerisk::ops {

/// The GeoTIFF compressions the tools write (--compress); ZSTD is the default.
inline const std::vector<std::string> kCompressions = {"ZSTD", "DEFLATE", "LZW", "NONE"};

struct ToolOutput {
  std::filesystem::path path;
  std::string description;  // the band description
  double nodata = NAN;      // written where a value is NaN
};

/// One vector per output, each the window's values row-major (NaN for no-data).
using TileComputer = std::function<std::vector<std::vector<float>>(const kernels::Window&)>;

/// Computes and writes `outputs` (tiled GeoTIFFs on `grid`, compressed with `compress`, one
/// of kCompressions) over the tiles of `control.tile_size` in `shape`, with the control's
/// threads, progress (labelled `label`) and cancellation. `inputs` are the files the tool
/// reads (INPUT, --like): an output that is one of them is refused. The outputs go through one
/// OutputSet (output_set.hpp): written in a private folder and renamed only when all are
/// complete, the first output last; a failure or Cancelled leaves none.
void write_rasters(const Grid& grid, const std::vector<ToolOutput>& outputs,
                   const std::vector<std::filesystem::path>& inputs, const std::string& compress,
                   const Control& control, const std::string& label, const TileComputer& compute,
                   TileShape shape = TileShape::squares);

/// The output checks of write_rasters alone (UserError for an output that is an input, a
/// folder, a device...), for a tool that does much work before it writes. Empty outputs are
/// skipped.
void check_tool_outputs(const std::vector<std::filesystem::path>& outputs,
                        const std::vector<std::filesystem::path>& inputs);

/// `compress` in upper case if it names one of kCompressions (in any case); a UserError naming
/// --compress otherwise.
std::string checked_compression(const std::string& compress);

/// Refuses a vector INPUT given without --like (the output's grid must come from somewhere).
void require_raster_without_like(const std::filesystem::path& input);

}  // namespace minerisk::ops
