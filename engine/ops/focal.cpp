// The focal tool: the input read tile by tile with the neighbourhood's halo, the statistic by
// the focal kernel, written by the tools' shared writer.
#include "minerisk/engine/ops/focal.hpp"

#include <cmath>

#include "minerisk/engine/errors.hpp"
#include "minerisk/engine/gdal_support.hpp"
#include "minerisk/engine/names_in_any_case.hpp"
#include "minerisk/engine/ops/raster_tool.hpp"
#include "minerisk/engine/raster_source.hpp"

namespace minerisk::ops {

const std::map<std::string, kernels::FocalStatistic>& focal_statistics() {
  static const std::map<std::string, kernels::FocalStatistic> statistics = {
      {"mean", kernels::FocalStatistic::mean}, {"sum", kernels::FocalStatistic::sum},
      {"count", kernels::FocalStatistic::count}, {"max", kernels::FocalStatistic::max},
      {"min", kernels::FocalStatistic::min}};
  return statistics;
}

const std::map<std::string, kernels::FocalShape>& focal_shapes() {
  static const std::map<std::string, kernels::FocalShape> shapes = {{"circle", kernels::FocalShape::circle},
                                                                    {"square", kernels::FocalShape::square}};
  return shapes;
}

kernels::FocalStatistic focal_statistic_named(const std::string& name) {
  return named_in_any_case(focal_statistics(), name, "--statistic");
}

kernels::FocalShape focal_shape_named(const std::string& name) { return named_in_any_case(focal_shapes(), name, "--shape"); }

namespace {
// The statistic's unit: a count of cells is a pure number; the others keep the input's unit.
std::string focal_units(const std::filesystem::path& input, kernels::FocalStatistic statistic) {
  if (statistic == kernels::FocalStatistic::count) return "1";
  const DatasetPtr ds = open_raster(input, "input");
  const char* unit = ds->GetRasterBand(1)->GetUnitType();
  return unit ? unit : "";
}
}  // namespace

void focal(const std::filesystem::path& input, const std::filesystem::path& output, const FocalOptions& options,
           const Control& control) {
  control.check();
  check_tool_outputs({output}, {{"input", input}}, options, control);
  if (!(options.radius >= 0) || !std::isfinite(options.radius))
    throw UserError("--radius: give metres, 0 or more (a finite number)");
  const Grid grid = grid_from_raster(input, "input");
  if (grid.frame.geographic)
    throw UserError("input: raster '" + input.string() +
                    "' is in a geographic CRS; a radius in metres needs a projected grid (warp it first with gdalwarp)");
  const kernels::Neighbourhood n = kernels::neighbourhood(options.shape, options.radius, grid.frame);
  if (n.halo() > kernels::kMaxToolHalo)
    throw UserError("--radius: " + number_text(options.radius) + " m spans more than " + std::to_string(kernels::kMaxToolHalo) +
                    " cells; use a smaller radius or resample the raster first");
  const RasterSource source(input, grid, "input");
  const std::string units = focal_units(input, options.statistic);
  write_rasters(grid, {{output, "focal statistic", -9999.0, units, "focal"}}, {{"input", input}}, options, control, "minerisk focal",
                [&](const kernels::Window& w) {
                  const std::vector<float> in = source.read(w.grown(n.halo()));
                  std::vector<float> out(static_cast<size_t>(w.cells()));
                  kernels::focal_statistic(in, w, n, options.statistic, out);
                  return std::vector<std::vector<float>>{std::move(out)};
                });
}

}  // namespace minerisk::ops
