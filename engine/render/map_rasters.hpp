#pragma once
// The map's raster layers at the image's pixels: the probability's overview (each pixel the
// maximum of its block of cells, so that a hot spot is never averaged away) and the hillshade
// of the DEM (read by GDAL's warper onto the same pixels, averaging, from the DEM's own
// overviews when it has them).
#include <filesystem>
#include <string>
#include <vector>

#include "colour_classes.hpp"
#include "map_view.hpp"
#include "minerisk/engine/grid_file_reader.hpp"
#include "minerisk/engine/ops/control.hpp"

namespace minerisk::render {

/// The overview of `variable` ("" the reader's own) over the view: width_px x height_px,
/// row-major, NaN where every cell of the block is no data. Read in bands of rows in parallel.
/// With `histogram`, every cell shown is also counted in it (for quantile breaks).
std::vector<float> probability_overview(const GridFileReader& reader, const std::string& variable, const MapView& view,
                                        const ops::Control& control, ProbabilityHistogram* histogram = nullptr);

/// The hillshade of `dem` over the view (0 dark to 1 lit; sun from the north-west at 45°),
/// width_px x height_px, NaN off the DEM. A UserError when GDAL cannot read the DEM.
std::vector<float> hillshade_overview(const std::filesystem::path& dem, const MapView& view, const ops::Control& control);

}  // namespace minerisk::render
