// `minerisk proximity INPUT OUT.tif`: distance in metres to the nearest feature, from a raster
// mask (like gdal_proximity) or from a vector layer onto a template grid (exact, no rasterising).
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
  ToolOptions tiles;
};

// A window's values out of a whole-grid array.
template <class T>
std::vector<float> window_of(const std::vector<T>& grid_values, int64_t grid_width, const kernels::Window& w) {
  std::vector<float> out(static_cast<size_t>(w.cells()));
  for (int64_t r = 0; r < w.height; ++r)
    for (int64_t c = 0; c < w.width; ++c)
      out[static_cast<size_t>(r * w.width + c)] =
          static_cast<float>(grid_values[static_cast<size_t>((w.row0 + r) * grid_width + w.col0 + c)]);
  return out;
}

void proximity_from_raster(const ProximityArgs& a, const ToolOptions& tiles) {
  const Grid grid = grid_from_raster(a.input, "input");
  const RasterSource source(a.input, grid, "input");
  const std::vector<float> values = source.read({0, 0, grid.width(), grid.height()});
  const std::vector<uint8_t> mask = kernels::feature_mask(values, a.values);
  std::vector<float> distance(values.size());
  std::vector<int64_t> nearest(a.nearest_value.empty() ? 0 : values.size());
  kernels::euclidean_distance_transform(mask, grid.frame, distance, nearest);
  kernels::clamp_distances(distance, a.max_distance);

  std::vector<ToolOutput> outputs = {{a.output, "distance to the nearest feature (m)", kNoData}};
  if (!a.nearest_value.empty()) outputs.push_back({a.nearest_value, "value of the nearest feature", kNoData});
  write_rasters(grid, outputs, tiles, "minerisk proximity", [&](const kernels::Window& w) {
    std::vector<std::vector<float>> out{window_of(distance, grid.width(), w)};
    if (!nearest.empty()) {
      std::vector<float> value(static_cast<size_t>(w.cells()));
      for (int64_t r = 0; r < w.height; ++r)
        for (int64_t c = 0; c < w.width; ++c) {
          const int64_t n = nearest[static_cast<size_t>((w.row0 + r) * grid.width() + w.col0 + c)];
          value[static_cast<size_t>(r * w.width + c)] = n < 0 ? NAN : values[static_cast<size_t>(n)];
        }
      out.push_back(std::move(value));
    }
    return out;
  });
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
                  kernels::line_distance_metres(geometries.segments, w, grid.frame, out, a.max_distance);
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
  cmd->add_option("--nearest-value", a->nearest_value, "Also write the value of each cell's nearest feature (raster input)");
  add_tile_options(cmd, a->tiles);
  cmd->footer("Examples:\n  minerisk proximity mask.tif distance.tif\n"
              "  minerisk proximity region.gpkg distance.tif --layer front_lines --like dem.tif --max-distance 5000");
  commands.push_back({cmd, [a, context] {
                        ToolOptions tiles = a->tiles;
                        tiles.cancel = context.cancel;
                        if (a->like.empty()) proximity_from_raster(*a, tiles);
                        else proximity_from_vector(*a, tiles);
                      }});
}

}  // namespace minerisk::cli
