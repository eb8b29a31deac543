#include "minerisk/engine/ops/explain.hpp"

#include <cmath>
#include <cstdio>
#include <memory>
#include <nlohmann/json.hpp>
#include <toml++/toml.h>

#include <ogr_spatialref.h>

#include "minerisk/engine/errors.hpp"
#include "minerisk/engine/toml_reader.hpp"
#include "minerisk/engine/grid_file_reader.hpp"
#include "minerisk/engine/vector_inputs.hpp"

namespace minerisk::ops {
namespace {

// Share of the region's cells (with data) whose value is strictly below `value`: its percentile
// rank. Not a mid-rank: where most of the region shares the cell's value (0 outside every record)
// ties counted half said 44 % of the region lies below when none does.
// A no-data cell has no rank (NaN: null in the JSON, "no data" in the table); it ranked 0 %.
// `finite`: infinities are no data too (a probability or another grid's value; an evidence
// layer's -infinity is a contribution, the clearance of POD 1).
double rank_in_region(const std::vector<float>& values, float value, bool finite = false) {
  const auto missing = [finite](float v) { return finite ? !std::isfinite(v) : std::isnan(v); };
  if (missing(value)) return NAN;
  double below = 0, valid = 0;
  for (float v : values) {
    if (missing(v)) continue;
    valid += 1;
    below += v < value ? 1.0 : 0.0;
  }
  return valid > 0 ? below / valid : NAN;
}

// A rank column of the table: "12.5%", or "no data".
std::string rank_text(double rank) {
  if (std::isnan(rank)) return "no data";
  char text[32];
  std::snprintf(text, sizeof text, "%.1f%%", 100 * rank);
  return text;
}

}  // namespace

Explanation explain(const std::filesystem::path& grid_file, const ExplainOptions& options) {
  if (!std::isfinite(options.x) || !std::isfinite(options.y))
    throw UserError("the point (" + number_text(options.x) + ", " + number_text(options.y) +
                    ") is not a pair of finite numbers");
  const GridFileReader reader(grid_file, options.variable);
  reader.require_evidence();
  const Grid& grid = reader.grid();
  double x = options.x, y = options.y;
  if (!options.crs.empty()) {
    OGRSpatialReference from;
    if (from.SetFromUserInput(options.crs.c_str()) != OGRERR_NONE)
      throw UserError("--crs: '" + options.crs + "' is not a CRS GDAL knows; use e.g. EPSG:4326");
    from.SetAxisMappingStrategy(OAMS_TRADITIONAL_GIS_ORDER);
    OGRSpatialReference to = grid.srs();
    std::unique_ptr<OGRCoordinateTransformation> ct(OGRCreateCoordinateTransformation(&from, &to));
    if (!ct || !ct->Transform(1, &x, &y)) throw UserError("--crs: cannot transform the point to the grid's CRS");
  }
  const auto& gt = grid.frame.geotransform;
  // A longitude is the same place a whole turn away: -179.99 lies on a grid from 179.9 to 180.1.
  if (grid.frame.geographic) x = nearest_turn(x, gt[0] + gt[1] * static_cast<double>(grid.width()) / 2);
  int64_t row = -1, col = -1;
  if (!grid.cell_at(x, y, row, col))
    // Every digit: a point a hundred-thousandth outside the edge must not read as on it.
    throw UserError("the point (" + exact_number_text(options.x) + ", " + exact_number_text(options.y) + ")" +
                    (options.crs.empty() ? "" : " in " + options.crs) + " lies outside the grid, which spans x " +
                    exact_number_text(gt[0]) + " to " + exact_number_text(gt[0] + gt[1] * static_cast<double>(grid.width())) +
                    " and y " + exact_number_text(gt[3] + gt[5] * static_cast<double>(grid.height())) + " to " +
                    exact_number_text(gt[3]) + " in its CRS; give coordinates inside it, or their CRS with --crs");
  Explanation e;
  e.row = row, e.col = col;
  e.x = grid.frame.centre_x(col), e.y = grid.frame.centre_y(row);
  e.intercept = NAN;
  // The intercept belongs with the layers: a sweep's file has a scenario but no layers, and
  // its mean is no logistic of one intercept.
  if (!reader.evidence_names().empty()) {
    try {
      e.intercept = parse_toml_text(reader.scenario_toml(), grid_file.string())["model"]["intercept"].value_or(NAN);
    } catch (const UserError&) {  // not TOML, or past the limits: no intercept
    }
  }
  // An infinite value is no data, as diff and areas take it: a probability is never one.
  const float probability = reader.read_cell("", row, col);
  e.variable = reader.variable().empty() ? "value" : reader.variable();
  e.probability = std::isfinite(probability) ? probability : NAN;
  e.probability_rank = rank_in_region(reader.read(), probability, true);
  e.log_odds = e.intercept;
  for (const std::string& name : reader.evidence_names()) {
    const float value = reader.read_cell("evidence/" + name, row, col);
    e.log_odds += value;
    e.layers.push_back({name, value, rank_in_region(reader.read("evidence/" + name), value)});
  }
  return e;
}

std::string Explanation::json() const {
  nlohmann::ordered_json j;
  j["x"] = x, j["y"] = y, j["row"] = row, j["col"] = col;
  j["variable"] = variable;
  j["probability"] = static_cast<float>(probability);
  j["probability_rank"] = probability_rank;
  j["intercept"] = intercept;
  nlohmann::ordered_json list = nlohmann::ordered_json::array();
  for (const LayerContribution& l : layers)
    list.push_back({{"layer", l.layer}, {"contribution", static_cast<float>(l.contribution)}, {"rank", l.rank}});
  j["layers"] = list;
  j["log_odds"] = log_odds;
  return j.dump(2, ' ', false, nlohmann::json::error_handler_t::replace);  // a path that is not UTF-8
}

std::string Explanation::table() const {
  std::string out;
  char line[256];
  std::snprintf(line, sizeof line, "cell row %lld, col %lld (centre %.10g, %.10g)\n", static_cast<long long>(row),
                static_cast<long long>(col), x, y);
  out += line;
  const bool model = !layers.empty() || !std::isnan(intercept);  // a run's output, not any grid
  std::snprintf(line, sizeof line, "%-24s %12s %14s\n", model ? "layer" : "variable", model ? "log-odds" : "value",
                "rank in region");
  out += line;
  if (!std::isnan(intercept)) {  // a grid that is not a run's output has no model to show
    std::snprintf(line, sizeof line, "%-24s %12.4f\n", "intercept", intercept);
    out += line;
  }
  // A cell without data shows "no data", as the README says (printf wrote "nan").
  for (const LayerContribution& l : layers) {
    if (std::isnan(l.contribution))
      std::snprintf(line, sizeof line, "%-24s %12s %14s\n", l.layer.c_str(), "no data", "no data");
    else
      std::snprintf(line, sizeof line, "%-24s %12.4f %14s\n", l.layer.c_str(),
                    static_cast<double>(static_cast<float>(l.contribution)), rank_text(l.rank).c_str());
    out += line;
  }
  if (!layers.empty() || !std::isnan(intercept)) {
    if (std::isnan(log_odds))
      std::snprintf(line, sizeof line, "%-24s %12s\n", "total log-odds", "no data");
    else
      std::snprintf(line, sizeof line, "%-24s %12.4f\n", "total log-odds", log_odds);
    out += line;
  }
  if (std::isnan(probability))
    std::snprintf(line, sizeof line, "%-24s %12s %14s\n", variable.c_str(), "no data", "no data");
  else
    std::snprintf(line, sizeof line, "%-24s %12.4f %14s\n", variable.c_str(),
                  static_cast<double>(static_cast<float>(probability)), rank_text(probability_rank).c_str());
  out += line;
  return out;
}

}  // namespace minerisk::ops
