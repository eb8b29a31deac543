// The proximity tool: a raster mask through the two passes of the exact distance transform
// (the mask read in row bands, then distances streamed out in row bands), or a vector layer's
// exact distances on a template grid; both through the shared tile loop and writer.
#include "minerisk/engine/ops/proximity.hpp"

#include <tbb/global_control.h>

#include <cmath>
#include <optional>

#include "minerisk/engine/errors.hpp"
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
  // The mask, the nearest feature's row, and the values when wanted: the transform needs them all.
  require_whole_grid_memory(grid, want_values ? 9 : 5, "proximity of a raster");
  const auto cells = static_cast<size_t>(grid.width() * grid.height());
  // The thread limit for the column pass between the two tile loops (each loop sets its own).
  std::optional<tbb::global_control> limit;
  if (control.threads > 0) limit.emplace(tbb::global_control::max_allowed_parallelism, control.threads);

  // First pass: the feature mask (one byte a cell), read in bands of rows so the input is never
  // held whole as floats; the values too, only when the nearest feature's value is wanted.
  std::vector<uint8_t> mask(cells);
  std::vector<float> values(want_values ? cells : 0);
  const std::vector<kernels::Window> bands =
      TilePlan(grid.width(), grid.height(), control.tile_size, TileShape::row_bands).tiles();
  for_each_tile(bands, control.pass(0.0, 0.5).loop(kLabel + " (mask)"), [&](const kernels::Window& band) {
    const std::vector<float> band_values = source.read(band);
    const std::vector<uint8_t> band_mask = kernels::feature_mask(band_values, options.values);
    const auto offset = static_cast<ptrdiff_t>(band.row0 * grid.width());
    std::copy(band_mask.begin(), band_mask.end(), mask.begin() + offset);
    if (want_values) std::copy(band_values.begin(), band_values.end(), values.begin() + offset);
  });
  const kernels::NearestRows nearest_rows = kernels::nearest_feature_rows(mask, grid.frame);
  control.check_cancelled();

  // Second pass: distances (and the nearest feature's value) for each band of rows.
  std::vector<ToolOutput> outputs = {{output, kDistance, kNoData, "m", "distance"}};
  if (want_values) outputs.push_back({options.nearest_value, "value of the nearest feature", kNoData, "", "nearest_value"});
  write_rasters(
      grid, outputs, {input}, options, control.pass(0.5, 1.0), kLabel,
      [&](const kernels::Window& band) {
        std::vector<std::vector<float>> out(outputs.size(), std::vector<float>(static_cast<size_t>(band.cells())));
        std::vector<int64_t> nearest(want_values ? static_cast<size_t>(band.cells()) : 0);
        kernels::distance_for_rows(nearest_rows, grid.frame, band.row0, band.height, out[0], nearest);
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
  write_rasters(grid, {{output, kDistance, kNoData, "m", "distance"}}, {input, options.like}, options, control, kLabel,
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
  check_tool_outputs({output, options.nearest_value}, {input, options.like}, options, control);
  if (!(options.max_distance > 0)) throw UserError("--max-distance: must be a positive number of metres");
  if (options.like.empty() && options.signed_distance)
    throw UserError("--signed: only for a vector INPUT (with --like)");
  if (options.like.empty()) {
    require_raster_without_like(input);
    from_raster(input, output, options, control);
  } else {
    from_vector(input, output, options, control);
  }
}

}  // namespace minerisk::ops
