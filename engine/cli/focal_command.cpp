// `minerisk focal INPUT OUT.tif --statistic S --radius M`: moving-window statistics.
#include <map>

#include "command.hpp"
#include "minerisk/engine/errors.hpp"
#include "minerisk/engine/raster_source.hpp"
#include "minerisk/kernels/focal.hpp"

namespace minerisk::cli {

void add_focal_command(CLI::App& app, std::vector<Command>& commands, const Context& context) {
  struct Args {
    std::filesystem::path input, output;
    kernels::FocalStatistic statistic = kernels::FocalStatistic::mean;
    kernels::FocalShape shape = kernels::FocalShape::circle;
    double radius = 0;
    ToolOptions tiles;
  };
  auto a = std::make_shared<Args>();
  const std::map<std::string, kernels::FocalStatistic> statistics = {
      {"mean", kernels::FocalStatistic::mean}, {"sum", kernels::FocalStatistic::sum},
      {"count", kernels::FocalStatistic::count}, {"max", kernels::FocalStatistic::max},
      {"min", kernels::FocalStatistic::min}};
  const std::map<std::string, kernels::FocalShape> shapes = {{"circle", kernels::FocalShape::circle},
                                                              {"square", kernels::FocalShape::square}};
  CLI::App* cmd = app.add_subcommand("focal", "Moving-window statistics (mean, sum, count, max, min) over a circle or square");
  cmd->add_option("input", a->input, "Input raster")->required();
  cmd->add_option("output", a->output, "Output GeoTIFF (float32)")->required();
  cmd->add_option("--statistic", a->statistic, "mean (default), sum, count, max or min")
      ->transform(CLI::CheckedTransformer(statistics, CLI::ignore_case));
  cmd->add_option("--radius", a->radius, "Radius in metres (a square reaches this far along each axis)")
      ->required()
      ->check(CLI::NonNegativeNumber);
  cmd->add_option("--shape", a->shape, "circle (default) or square")->transform(CLI::CheckedTransformer(shapes, CLI::ignore_case));
  add_tile_options(cmd, a->tiles);
  add_output_options(cmd, a->tiles);
  cmd->footer("Example: minerisk focal density.tif density_max.tif --statistic max --radius 500");
  commands.push_back({cmd, [a, context] {
                        ToolOptions tiles = a->tiles;
                        tiles.cancel = context.cancel;
                        const Grid grid = grid_from_raster(a->input, "input");
                        if (grid.frame.geographic)
                          throw UserError("input: raster '" + a->input.string() +
                                          "' is in a geographic CRS; a radius in metres needs a projected grid "
                                          "(warp it first with gdalwarp)");
                        const kernels::Neighbourhood n = kernels::neighbourhood(a->shape, a->radius, grid.frame);
                        if (n.halo() > 4096)
                          throw UserError("--radius: " + std::to_string(a->radius) + " m spans more than 4096 cells; "
                                          "use a smaller radius or resample the raster first");
                        const RasterSource source(a->input, grid, "input");
                        write_rasters(grid, {{a->output, "focal statistic", -9999.0}}, tiles, "minerisk focal",
                                      [&](const kernels::Window& w) {
                                        const std::vector<float> in = source.read(w.grown(n.halo()));
                                        std::vector<float> out(static_cast<size_t>(w.cells()));
                                        kernels::focal_statistic(in, w, n, a->statistic, out);
                                        return std::vector<std::vector<float>>{std::move(out)};
                                      });
                      }});
}

}  // namespace minerisk::cli
