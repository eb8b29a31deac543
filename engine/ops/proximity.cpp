// The proximity tool: a raster mask through the two passes of the exact distance transform
// (the mask read in row bands, then distances streamed out in row bands), or a vector layer's
// exact distances on a template grid; both through the shared tile loop and writer.
#include "minerisk/engine/ops/proximity.hpp"

#include <algorithm>
#include <cmath>

#include "feature_mask_reader.hpp"
#include "minerisk/engine/errors.hpp"
#include "minerisk/engine/gdal_support.hpp"
#include "minerisk/engine/ops/raster_tool.hpp"
#include "minerisk/engine/raster_source.hpp"
#include "minerisk/engine/tile_loop.hpp"
#include "minerisk/engine/vector_inputs.hpp"
#include "minerisk/kernels/distance_transform.hpp"
#include "minerisk/kernels/line_distance.hpp"
#include "minerisk/kernels/polygon_coverage.hpp"
#include "minerisk/kernels/raster_ops.hpp"

namespace minerisk::ops {
namespace {

constexpr double kNoData = -9999.0;
const std::string kLabel = "minerisk proximity";
const std::string kDistance = "distance to the nearest feature (m)";

void from_raster(const std::filesystem::path& input, const std::filesystem::path& output,
                 const ProximityOptions& options, const Control& control) {
  const Grid grid = grid_from_raster(input, "input");
  const RasterSource source(input, grid, "input");
  const bool want_values = !options.nearest_value.empty();
  // The mask is held whole, since pass 1 needs each column whole; the values too, when the
  // nearest feature's value is wanted, since a cell's nearest feature may lie in any band.
  require_whole_grid_memory(grid, want_values ? 5 : 1, "proximity of a raster");
  const auto cells = static_cast<size_t>(grid.width() * grid.height());

  // First pass: the feature mask, one byte a cell, read in bands of rows so the input is never
  // held whole as floats; the values too, only when wanted; and each band's column ends, which
  // is all a band needs to know of the others in the second pass.
  kernels::UninitialisedVector<uint8_t> mask(cells);  // every byte written by its band
  std::vector<float> values(want_values ? cells : 0);
  const std::vector<kernels::Window> bands =
      TilePlan(grid.width(), grid.height(), control.tile_size, TileShape::row_bands).tiles();
  const auto rows_of = [&](const kernels::Window& band) {
    return std::span<uint8_t>(mask).subspan(static_cast<size_t>(band.row0 * grid.width()),
                                            static_cast<size_t>(band.cells()));
  };
  if (const std::string why = kernels::distance_frame_problem(grid.frame); !why.empty())
    throw UserError("input: raster '" + input.string() + "': " + why + "; check its geotransform (gdalinfo)");
  const FeatureMaskReader features(source, options.values);
  std::vector<kernels::ColumnEnds> ends(bands.size());
  {
    // Each block of the mask is read once: a small cache, whose blocks are reused, instead of
    // GDAL's default (5 % of the memory), which keeps every block read, each one fresh memory.
    const ScopedBlockCacheLimit cache_limit(int64_t{64} << 20);
    for_each_tile(bands, control.pass(0.0, 0.3).loop(kLabel + " (mask)"), [&](const kernels::Window& band) {
      features.read(band, rows_of(band));
      // Bands are row bands in order: the band's place is its first row over the bands' height.
      ends[static_cast<size_t>(band.row0 / bands.front().height)] =
          kernels::column_ends(rows_of(band), grid.width(), band.row0);
      if (want_values) {
        const std::vector<float> band_values = source.read(band);
        std::copy(band_values.begin(), band_values.end(), values.begin() + static_cast<ptrdiff_t>(band.row0 * grid.width()));
      }
    });
  }
  control.check_cancelled();
  // No feature at all: every distance would be no data, written with exit 0 (a typo in
  // --values, an empty mask), where an empty vector layer is refused. The bands' column ends say
  // so, without another pass over the mask.
  if (std::none_of(ends.begin(), ends.end(), [](const kernels::ColumnEnds& band) { return kernels::has_feature(band); })) {
    std::string values;
    for (double v : options.values) {
      if (!values.empty()) values += ',';
      values += number_text(v);
    }
    throw UserError("input: no cell of raster '" + input.string() + "' is a feature (" +
                    (values.empty() ? "every cell is 0 or no data" : "no cell holds --values " + values) +
                    "), so every distance would be no data; check the values the raster holds (gdalinfo -hist)");
  }
  const kernels::BandedDistanceTransform transform(grid.frame, std::move(ends));

  // Second pass: both passes of the transform for each band of rows, distances (and the
  // nearest feature's value) streamed out.
  std::vector<ToolOutput> outputs = {{output, kDistance, kNoData, "m", "distance"}};
  if (want_values) outputs.push_back({options.nearest_value, "value of the nearest feature", kNoData, "", "nearest_value"});
  write_rasters(
      grid, outputs, {{"input", input}}, options, control.pass(0.3, 1.0), kLabel,
      [&](const kernels::Window& band) {
        // Each output sized in place: not one made and then copied (two more fresh buffers a band).
        std::vector<std::vector<float>> out(outputs.size());
        for (std::vector<float>& o : out) o.resize(static_cast<size_t>(band.cells()));
        std::vector<int64_t> nearest(want_values ? static_cast<size_t>(band.cells()) : 0);
        transform.distance_for_band(rows_of(band), band.row0, band.height, out[0], nearest);
        kernels::clamp_distances(out[0], options.max_distance);
        if (want_values) kernels::gather(values, nearest, out[1]);
        return out;
      },
      TileShape::row_bands);
}

void from_vector(const std::filesystem::path& input, const std::filesystem::path& output,
                 const ProximityOptions& options, const Control& control) {
  if (!options.nearest_value.empty()) throw UserError("--nearest-value: only for a raster input; omit it with --like");
  if (!options.values.empty()) throw UserError("--values: only for a raster input; use --where to select features");
  const Grid grid = grid_from_raster(options.like, "--like");
  VectorInputSpec spec;
  spec.path = input;
  spec.layer = options.layer;
  spec.where = options.where;
  const Geometries geometries = load_geometries(spec, grid, "input");
  write_rasters(grid, {{output, kDistance, kNoData, "m", "distance"}}, {{"input", input, options.layer, true}, {"--like", options.like}}, options,
                control, kLabel,
                [&](const kernels::Window& w) {
                  std::vector<float> out(static_cast<size_t>(w.cells()));
                  kernels::line_distance_metres(geometries.segments, w, grid.frame, out, options.max_distance,
                                                options.signed_distance);
                  for (const kernels::Polygon& p : geometries.polygons)
                    kernels::for_each_covered_cell(p, w, grid.frame,
                                                   [&](int64_t i) { out[static_cast<size_t>(i)] = 0.0f; });
                  return std::vector<std::vector<float>>{std::move(out)};
                });
}

}  // namespace

void proximity(const std::filesystem::path& input, const std::filesystem::path& output, const ProximityOptions& options,
               const Control& control) {
  control.check();
  // Before any work: the first pass over a raster takes a while.
  check_tool_outputs({output, options.nearest_value}, {{"input", input}, {"--like", options.like}}, options, control);
  if (!(options.max_distance > 0)) throw UserError("--max-distance: must be a positive number of metres");
  for (double v : options.values)  // NaN equals nothing: every cell would be "no feature", silently
    if (std::isnan(v)) throw UserError("--values: NaN matches no cell; give the values of the feature cells");
  // A raster has no layers or filter: such an option was ignored.
  for (const auto& [name, given] : {std::pair{"--signed", options.signed_distance}, {"--layer", !options.layer.empty()},
                                    {"--where", !options.where.empty()}})
    if (options.like.empty() && given) throw UserError(std::string(name) + ": only for a vector INPUT (with --like)");
  if (options.like.empty()) {
    require_raster_without_like(input);
    from_raster(input, output, options, control);
  } else {
    from_vector(input, output, options, control);
  }
}

}  // namespace minerisk::ops
