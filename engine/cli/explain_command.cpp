// `minerisk explain GRID.h5 X Y`: why a cell scores what it does, layer by layer.
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <nlohmann/json.hpp>
#include <toml++/toml.h>

#include "command.hpp"
#include "minerisk/engine/errors.hpp"
#include "minerisk/engine/grid_file_reader.hpp"

namespace minerisk::cli {
namespace {

// Share of the region's cells (with data) whose value is below `value`: its percentile rank.
double rank_in_region(const std::vector<float>& values, float value) {
  double below = 0, valid = 0;
  for (float v : values) {
    if (std::isnan(v)) continue;
    valid += 1;
    below += v < value ? 1.0 : (v == value ? 0.5 : 0.0);
  }
  return valid > 0 ? below / valid : NAN;
}

}  // namespace

void add_explain_command(CLI::App& app, std::vector<Command>& commands, const Context&) {
  struct Args {
    std::filesystem::path grid;
    double x = 0, y = 0;
    std::string crs;
    bool json = false;
  };
  auto a = std::make_shared<Args>();
  CLI::App* cmd = app.add_subcommand("explain", "Each layer's log-odds contribution at a point, and its rank in the region");
  cmd->add_option("grid", a->grid, "An output of 'minerisk run'")->required();
  cmd->add_option("x", a->x, "Easting (or longitude with --crs EPSG:4326)")->required();
  cmd->add_option("y", a->y, "Northing (or latitude)")->required();
  cmd->add_option("--crs", a->crs, "CRS of X and Y (default: the grid's)");
  cmd->add_flag("--json", a->json, "Print JSON instead of a table");
  cmd->footer("Example: minerisk explain out/sample.h5 644125 4415330");
  commands.push_back({cmd, [a] {
    const GridFileReader reader(a->grid);
    const Grid& grid = reader.grid();
    double x = a->x, y = a->y;
    if (!a->crs.empty()) {
      OGRSpatialReference from;
      if (from.SetFromUserInput(a->crs.c_str()) != OGRERR_NONE)
        throw UserError("--crs: '" + a->crs + "' is not a CRS GDAL knows; use e.g. EPSG:4326");
      from.SetAxisMappingStrategy(OAMS_TRADITIONAL_GIS_ORDER);
      OGRSpatialReference to = grid.srs();
      std::unique_ptr<OGRCoordinateTransformation> ct(OGRCreateCoordinateTransformation(&from, &to));
      if (!ct || !ct->Transform(1, &x, &y)) throw UserError("--crs: cannot transform the point to the grid's CRS");
    }
    const auto& gt = grid.frame.geotransform;
    const auto col = static_cast<int64_t>(std::floor((x - gt[0]) / gt[1]));
    const auto row = static_cast<int64_t>(std::floor((y - gt[3]) / gt[5]));
    if (col < 0 || row < 0 || col >= grid.width() || row >= grid.height())
      throw UserError("the point (" + std::to_string(a->x) + ", " + std::to_string(a->y) +
                      ") lies outside the grid; give coordinates in the grid's CRS or set --crs");
    double intercept = NAN;
    try {
      intercept = toml::parse(reader.scenario_toml())["model"]["intercept"].value_or(NAN);
    } catch (const toml::parse_error&) {
    }
    const float probability = reader.read_cell("probability", row, col);
    nlohmann::ordered_json j;
    j["x"] = grid.frame.centre_x(col), j["y"] = grid.frame.centre_y(row), j["row"] = row, j["col"] = col;
    j["probability"] = probability;
    j["probability_rank"] = rank_in_region(reader.read("probability"), probability);
    j["intercept"] = intercept;
    nlohmann::ordered_json layers = nlohmann::ordered_json::array();
    double log_odds = intercept;
    for (const std::string& name : reader.evidence_names()) {
      const float value = reader.read_cell("evidence/" + name, row, col);
      log_odds += value;
      layers.push_back({{"layer", name}, {"contribution", value}, {"rank", rank_in_region(reader.read("evidence/" + name), value)}});
    }
    j["layers"] = layers;
    j["log_odds"] = log_odds;
    if (a->json) {
      std::printf("%s\n", j.dump(2).c_str());
      return;
    }
    std::printf("cell row %lld, col %lld (centre %.2f, %.2f)\n", static_cast<long long>(row), static_cast<long long>(col),
                grid.frame.centre_x(col), grid.frame.centre_y(row));
    std::printf("%-24s %12s %14s\n", "layer", "log-odds", "rank in region");
    std::printf("%-24s %12.4f\n", "intercept", intercept);
    for (const auto& layer : layers)
      std::printf("%-24s %12.4f %13.1f%%\n", layer["layer"].get<std::string>().c_str(), layer["contribution"].get<double>(),
                  100 * layer["rank"].get<double>());
    std::printf("%-24s %12.4f\n%-24s %12.4f %13.1f%%\n", "total log-odds", log_odds, "probability", probability,
                100 * j["probability_rank"].get<double>());
  }});
}

}  // namespace minerisk::cli
