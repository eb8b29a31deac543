// `minerisk proximity INPUT OUT.tif`: distance in metres to the nearest feature, from a raster
// mask (like gdal_proximity) or from a vector layer onto a template grid (exact, no rasterising).
#include <tbb/parallel_for.h>

#include <cmath>
#include <limits>

#include "command.hpp"
#include "minerisk/engine/errors.hpp"
#include "minerisk/engine/raster_source.hpp"
#include "minerisk/engine/vector_inputs.hpp"
#include "minerisk/kernels/distance_transform.hpp"
#include "minerisk/kernels/raster_ops.hpp"

namespace minerisk::cli {
namespace {

constexpr double kNoData = -9999.0;

struct ProximityArgs {
  std::filesystem::path input, output, like, nearest_value;
  std::string layer, where;
  std::vector<double> values;
  double max_distance = std::numeric_limits<double>::infinity();
  bool signed_distance = false;
  ToolOptions tiles;
};

void proximity_from_raster(const ProximityArgs& a, const ToolOptions& tiles) {
  const Grid grid = grid_from_raster(a.input, "input");
  const RasterSource source(a.input, grid, "input");
  const bool want_values = !a.nearest_value.empty();
  const auto cells = static_cast<size_t>(grid.width() * grid.height());

  // The feature mask (one byte a cell), read in bands of rows so the input is never held
  // whole as floats; the values too, only when the nearest feature's value is wanted.
  std::vector<uint8_t> mask(cells);
  std::vector<float> values(want_values ? cells : 0);
  const int64_t bands = (grid.height() + tiles.tile_size - 1) / tiles.tile_size;
  tbb::parallel_for(int64_t{0}, bands, [&](int64_t b) {
    const int64_t row = b * tiles.tile_size;
    const kernels::Window band{0, row, grid.width(), std::min(tiles.tile_size, grid.height() - row)};
    const std::vector<float> band_values = source.read(band);
    const std::vector<uint8_t> band_mask = kernels::feature_mask(band_values, a.values);
    std::copy(band_mask.begin(), band_mask.end(), mask.begin() + row * grid.width());
    if (want_values) std::copy(band_values.begin(), band_values.end(), values.begin() + row * grid.width());
  });
  const std::vector<int32_t> nearest_rows = kernels::nearest_feature_rows(mask, grid.frame);

  std::vector<ToolOutput> outputs = {{a.output, "distance to the nearest feature (m)", kNoData}};
  if (want_values) outputs.push_back({a.nearest_value, "value of the nearest feature", kNoData});
  write_rasters(
      grid, outputs, tiles, "minerisk proximity",
      [&](const kernels::Window& band) {
        std::vector<std::vector<float>> out(outputs.size(), std::vector<float>(static_cast<size_t>(band.cells())));
        std::vector<int64_t> nearest(want_values ? static_cast<size_t>(band.cells()) : 0);
        kernels::distance_for_rows(nearest_rows, grid.frame, band.row0, band.height, out[0], nearest);
        kernels::clamp_distances(out[0], a.max_distance);
        if (want_values) kernels::gather(values, nearest, out[1]);
        return out;
      },
      TileShape::row_bands);
}

void proximity_from_vector(const ProximityArgs& a, const ToolOptions& tiles) {
  if (!a.nearest_value.empty()) throw UserError("--nearest-value: only for a raster input; omit it with --like");
  if (!a.values.empty()) throw UserError("--values: only for a raster input; use --where to select features");
  const Grid grid = grid_from_raster(a.like, "--like");
  VectorInputSpec spec;
  spec.path = a.input;
  spec.layer = a.layer;
  spec.where = a.where;
  const Geometries geometries = load_geometries(spec, grid, "input");
  write_rasters(grid, {{a.output, "distance to the nearest feature (m)", kNoData}}, tiles, "minerisk proximity",
                [&](const kernels::Window& w) {
                  std::vector<float> out(static_cast<size_t>(w.cells()));
                  kernels::line_distance_metres(geometries.segments, w, grid.frame, out, a.max_distance,
                                                a.signed_distance);
                  for (const kernels::Polygon& p : geometries.polygons)
                    kernels::for_each_covered_cell(p, w, grid.frame, [&](int64_t i) { out[static_cast<size_t>(i)] = 0.0f; });
                  return std::vector<std::vector<float>>{std::move(out)};
                });
}

}  // namespace

void add_proximity_command(CLI::App& app, std::vector<Command>& commands, const Context& context) {
  auto a = std::make_shared<ProximityArgs>();
  CLI::App* cmd = app.add_subcommand(
      "proximity", "Distance in metres to the nearest feature: from a raster mask (like gdal_proximity) or a vector layer");
  cmd->add_option("input", a->input, "A raster (features: non-zero cells, or --values) or, with --like, a vector layer")
      ->required();
  cmd->add_option("output", a->output, "Output GeoTIFF of distances in metres (float32, no-data -9999)")->required();
  cmd->add_option("--like", a->like, "Template raster whose grid the output takes (makes INPUT a vector layer)");
  cmd->add_option("--layer", a->layer, "Layer of a vector INPUT (default: its only layer)");
  cmd->add_option("--where", a->where, "OGR SQL filter on a vector INPUT's features");
  cmd->add_option("--values", a->values, "Raster values that are features (default: every non-zero value)")->delimiter(',');
  cmd->add_option("--max-distance", a->max_distance, "Clamp distances to this many metres")->check(CLI::PositiveNumber);
  cmd->add_flag("--signed", a->signed_distance,
                "Vector input: positive on the left of each line's direction, negative on the right");
  cmd->add_option("--nearest-value", a->nearest_value, "Also write the value of each cell's nearest feature (raster input)");
  add_tile_options(cmd, a->tiles);
  add_output_options(cmd, a->tiles);
  cmd->footer("Examples:\n  minerisk proximity mask.tif distance.tif\n"
              "  minerisk proximity region.gpkg distance.tif --layer front_lines --like dem.tif --max-distance 5000");
  commands.push_back({cmd, [a, context] {
                        ToolOptions tiles = a->tiles;
                        tiles.cancel = context.cancel;
                        if (a->like.empty() && a->signed_distance)
                          throw UserError("--signed: only for a vector INPUT (with --like)");
                        if (a->like.empty()) require_raster_without_like(a->input);
                        if (a->like.empty()) proximity_from_raster(*a, tiles);
                        else proximity_from_vector(*a, tiles);
                      }});
}

}  // namespace minerisk::cli
