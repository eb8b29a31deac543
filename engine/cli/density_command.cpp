// `minerisk density INPUT OUT.tif --bandwidth M`: Gaussian kernel density in items per km2, of
// a point layer onto a template grid (exact), or of a raster of counts (separable smoothing).
#include "command.hpp"
#include "minerisk/engine/errors.hpp"
#include "minerisk/engine/raster_source.hpp"
#include "minerisk/engine/vector_inputs.hpp"
#include "minerisk/kernels/point_density.hpp"

namespace minerisk::cli {
namespace {

struct DensityArgs {
  std::filesystem::path input, output, like;
  std::string layer, where, weight_field;
  double bandwidth = 0, truncate = kernels::kDefaultTruncate;
  ToolOptions tiles;
};

void density_of_points(const DensityArgs& a, const ToolOptions& tiles) {
  const Grid grid = grid_from_raster(a.like, "--like");
  VectorInputSpec spec;
  spec.path = a.input;
  spec.layer = a.layer;
  spec.where = a.where;
  spec.value_field = a.weight_field;
  const std::vector<kernels::WeightedPoint> points = load_points(spec, grid, "input");
  write_rasters(grid, {{a.output, "kernel density (items per km2)", -9999.0}}, tiles, "minerisk density",
                [&](const kernels::Window& w) {
                  std::vector<float> out(static_cast<size_t>(w.cells()));
                  kernels::gaussian_density_per_km2(points, a.bandwidth, w, grid.frame, out, a.truncate);
                  return std::vector<std::vector<float>>{std::move(out)};
                });
}

void density_of_counts(const DensityArgs& a, const ToolOptions& tiles) {
  const Grid grid = grid_from_raster(a.input, "input");
  if (grid.frame.geographic)
    throw UserError("input: raster '" + a.input.string() +
                    "' is in a geographic CRS; smoothing needs metres: warp it to a projected CRS first (gdalwarp)");
  const RasterSource source(a.input, grid, "input");
  const int64_t halo = kernels::gaussian_halo(grid.frame, a.bandwidth, a.truncate);
  write_rasters(grid, {{a.output, "kernel density (items per km2)", -9999.0}}, tiles, "minerisk density",
                [&](const kernels::Window& w) {
                  const std::vector<float> counts = source.read(w.grown(halo));
                  std::vector<float> out(static_cast<size_t>(w.cells()));
                  kernels::gaussian_smooth_per_km2(counts, w, halo, grid.frame, a.bandwidth, out, a.truncate);
                  return std::vector<std::vector<float>>{std::move(out)};
                });
}

}  // namespace

void add_density_command(CLI::App& app, std::vector<Command>& commands, const Context& context) {
  auto a = std::make_shared<DensityArgs>();
  CLI::App* cmd = app.add_subcommand(
      "density", "Gaussian kernel density in items per km2: of points onto a template grid, or of a raster of counts");
  cmd->add_option("input", a->input, "A point layer (with --like), or a raster of counts per cell")->required();
  cmd->add_option("output", a->output, "Output GeoTIFF (float32, items per km2)")->required();
  cmd->add_option("--bandwidth", a->bandwidth, "Kernel standard deviation in metres")->required()->check(CLI::PositiveNumber);
  cmd->add_option("--like", a->like, "Template raster whose grid the output takes (for a point layer)");
  cmd->add_option("--layer", a->layer, "Layer of a vector INPUT (default: its only layer)");
  cmd->add_option("--where", a->where, "OGR SQL filter on the points");
  cmd->add_option("--weight-field", a->weight_field, "Attribute with each point's count (default: 1 per point)");
  cmd->add_option("--truncate", a->truncate, "Sum the kernel out to this many bandwidths (default 4, as scipy)")
      ->check(CLI::Range(1.0, 10.0));
  add_tile_options(cmd, a->tiles);
  add_output_options(cmd, a->tiles);
  cmd->footer("Examples:\n  minerisk density finds.gpkg density.tif --like dem.tif --bandwidth 250\n"
              "  minerisk density counts.tif density.tif --bandwidth 250");
  commands.push_back({cmd, [a, context] {
                        ToolOptions tiles = a->tiles;
                        tiles.cancel = context.cancel;
                        if (a->like.empty()) require_raster_without_like(a->input);
                        if (a->like.empty()) density_of_counts(*a, tiles);
                        else density_of_points(*a, tiles);
                      }});
}

}  // namespace minerisk::cli
