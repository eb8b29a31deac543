// The density tool: a point layer's exact Gaussian density on the template grid's tiles, or a
// raster of counts smoothed tile by tile (each tile read with the kernel's halo).
#include "minerisk/engine/ops/density.hpp"

#include <cmath>
#include <cstdio>

#include "minerisk/engine/errors.hpp"
#include "minerisk/engine/ops/raster_tool.hpp"
#include "minerisk/engine/raster_source.hpp"
#include "minerisk/engine/scenario.hpp"
#include "minerisk/engine/vector_inputs.hpp"
#include "minerisk/kernels/focal.hpp"
#include "minerisk/kernels/point_density.hpp"

namespace minerisk::ops {
namespace {

constexpr double kNoData = -9999.0;
const std::string kLabel = "minerisk density";
const std::string kDescription = "kernel density (items per km2)";
const std::string kUnits = "km-2";  // UDUNITS: items per square kilometre

void of_points(const std::filesystem::path& input, const std::filesystem::path& output, const DensityOptions& options,
               const Control& control) {
  const Grid grid = grid_from_raster(options.like, "--like");
  VectorInputSpec spec;
  spec.path = input;
  spec.layer = options.layer;
  spec.where = options.where;
  spec.value_field = options.weight_field;
  const std::vector<kernels::WeightedPoint> points = load_points(spec, grid, "input");
  write_rasters(grid, {{output, kDescription, kNoData, kUnits, "density"}}, {{"input", input, options.layer, true}, {"--like", options.like}},
                options, control, kLabel,
                [&](const kernels::Window& w) {
                  std::vector<float> out(static_cast<size_t>(w.cells()));
                  kernels::gaussian_density_per_km2(points, options.bandwidth, w, grid.frame, out, options.truncate);
                  return std::vector<std::vector<float>>{std::move(out)};
                });
}

void of_counts(const std::filesystem::path& input, const std::filesystem::path& output, const DensityOptions& options,
               const Control& control) {
  const Grid grid = grid_from_raster(input, "input");
  if (grid.frame.geographic)
    throw UserError("input: raster '" + input.string() +
                    "' is in a geographic CRS; smoothing needs metres: warp it to a projected CRS first (gdalwarp)");
  const RasterSource source(input, grid, "input");
  const int64_t halo = kernels::gaussian_halo(grid.frame, options.bandwidth, options.truncate);
  // Each tile is read with this halo on every side: past a few thousand cells the windows no
  // longer fit in memory (and the kernel reaches far beyond any grid).
  if (halo > kernels::kMaxToolHalo) {
    char text[200];
    std::snprintf(text, sizeof text, "--bandwidth: %g m at --truncate %g reaches %s%lld cells, more than %lld",
                  options.bandwidth, options.truncate, halo == kernels::kGaussianHaloCeiling ? "beyond " : "",
                  static_cast<long long>(halo), static_cast<long long>(kernels::kMaxToolHalo));
    throw UserError(std::string(text) + "; use a smaller bandwidth or resample the raster to coarser cells first");
  }
  write_rasters(grid, {{output, kDescription, kNoData, kUnits, "density"}}, {{"input", input}}, options, control, kLabel,
                [&](const kernels::Window& w) {
                  const std::vector<float> counts = source.read(w.grown(halo));
                  std::vector<float> out(static_cast<size_t>(w.cells()));
                  kernels::gaussian_smooth_per_km2(counts, w, halo, grid.frame, options.bandwidth, out,
                                                   options.truncate);
                  return std::vector<std::vector<float>>{std::move(out)};
                });
}

}  // namespace

void density(const std::filesystem::path& input, const std::filesystem::path& output, const DensityOptions& options,
             const Control& control) {
  control.check();
  check_tool_outputs({output}, {{"input", input}, {"--like", options.like}}, options, control);
  // The scenario's bounds: beyond 10,000 km every cell of any grid holds a density of about 0.
  if (!(options.bandwidth >= kernels::kMinBandwidth && options.bandwidth <= kMaxDistance))
    throw UserError("--bandwidth: must be a number of metres from 0.001 (a millimetre) to 1e7 (10,000 km), e.g. 250");
  if (!(options.truncate >= 1.0 && options.truncate <= 10.0))
    throw UserError("--truncate: must be 1 to 10 bandwidths (default 4)");
  if (options.like.empty()) {
    // A raster of counts has no layers, filter or fields: such an option was ignored.
    for (const auto& [name, given] : {std::pair{"--layer", !options.layer.empty()}, {"--where", !options.where.empty()},
                                      {"--weight-field", !options.weight_field.empty()}})
      if (given) throw UserError(std::string(name) + ": only for a vector INPUT (with --like)");
    require_raster_without_like(input);
    of_counts(input, output, options, control);
  } else {
    of_points(input, output, options, control);
  }
}

}  // namespace minerisk::ops
