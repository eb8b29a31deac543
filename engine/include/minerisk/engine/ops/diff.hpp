#pragma once
// `minerisk diff OLD.nc NEW.nc -o CHANGE.tif`: where the probability rose or fell by more than a
// threshold between two grids of the same cells (yesterday's run and today's), as a change
// raster and a report.
#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>

#include "minerisk/engine/ops/control.hpp"
#include "minerisk/engine/ops/raster_tool.hpp"

namespace minerisk::ops {

struct DiffOptions : RasterOutputOptions {
  double threshold = 0.01;  // probability units, at least 0 and below 1: a change of at most this is none
  std::string variable;     // the variable of both files (default: probability, or a sweep's mean)
};

/// Where a change lies: its cell's centre in the grids' CRS, its row and column, and NEW - OLD.
struct ChangeAt {
  double x = 0, y = 0;
  int64_t row = 0, col = 0;
  double change = 0;
};

/// What `minerisk diff` reports (field names as in its JSON; hectares are true areas in metres).
struct ChangeReport {
  std::string old_grid, new_grid, variable, output;
  double threshold = 0;
  int64_t cells = 0;                    // of either grid
  int64_t rose_cells = 0, fell_cells = 0, unchanged_cells = 0;
  double rose_ha = 0, fell_ha = 0, unchanged_ha = 0;
  int64_t nodata_changed_cells = 0;     // data in exactly one of the grids
  int64_t nodata_cells = 0;             // data in neither
  double mean_abs_change = 0;           // over the cells with data in both (NaN if none)
  std::optional<ChangeAt> largest_rise, largest_fall;  // none when no cell rose (fell) at all

  /// As one JSON object (what `minerisk diff --json` prints).
  std::string json() const;
  /// As the lines `minerisk diff` prints.
  std::string text() const;
};

/// Compares `new_grid` with `old_grid` (outputs of `minerisk run` or `sweep`, or single-band
/// rasters GDAL reads) cell by cell, tile by tile, and writes `output`: float32, NEW - OLD
/// where it exceeds the threshold in magnitude, 0 where it does not, NaN (the band's no-data)
/// where either grid has no data; georeferenced as the inputs. UserError (exit 2) for a grid
/// that is missing or unreadable, grids that differ in size, geotransform or CRS, a threshold
/// out of range, or an output that is an input or exists without control.overwrite.
ChangeReport diff(const std::filesystem::path& old_grid, const std::filesystem::path& new_grid,
                  const std::filesystem::path& output, const DiffOptions& options, const Control& control);

}  // namespace minerisk::ops
