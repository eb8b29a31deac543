#include "map_texts.hpp"

#include <nlohmann/json.hpp>

#include <cctype>
#include <cstdio>

#include "grid_context.hpp"
#include "minerisk/engine/provenance.hpp"
#include "minerisk/engine/version.hpp"

namespace minerisk::ops {

const char* const kDefaultDisclaimer =
    "A modelled probability of contamination, computed from incomplete records: not a survey result. Pale land on this "
    "map is not safe land. Land is released only by non-technical survey, technical survey or clearance to national "
    "standards (IMAS 07.11).";

std::string readable_time(const std::string& iso) {
  if (iso.size() >= 16 && iso[10] == 'T') return iso.substr(0, 10) + " " + iso.substr(11, 5) + " UTC";
  return iso;
}

namespace {

std::string short_hash(const std::string& sha256) { return sha256.size() > 12 ? sha256.substr(0, 12) + "\u2026" : sha256; }

std::string cell_size_text(const kernels::GridFrame& f) {
  char text[96];
  const char* unit = f.geographic ? "\u00b0" : " m";
  const double w = f.cell_width(), h = f.cell_height();
  if (w == h)
    std::snprintf(text, sizeof text, "%g%s", w, unit);
  else
    std::snprintf(text, sizeof text, "%g%s \u00d7 %g%s", w, unit, h, unit);
  return text;
}

// "sample.nc (3eebccd9aca5…), region.gpkg (a1a311aab2de…)": each input file once.
std::string inputs_text(const std::string& inputs_json) {
  std::string out;
  try {
    const nlohmann::json inputs = nlohmann::json::parse(inputs_json);
    std::vector<std::string> seen;
    for (const auto& input : inputs) {
      const std::string path = input.value("path", ""), sha = input.value("sha256", "");
      if (path.empty() || std::find(seen.begin(), seen.end(), path) != seen.end()) continue;
      seen.push_back(path);
      out += (out.empty() ? "" : ", ") + std::filesystem::path(path).filename().string() + " (SHA-256 " + short_hash(sha) + ")";
    }
  } catch (const nlohmann::json::exception&) {  // not minerisk's: no inputs to list
  }
  return out;
}

}  // namespace

std::string variable_description(const std::string& variable) {
  return variable == "probability" ? "Probability of contamination by mines and explosive remnants of war"
         : variable == "mean"      ? "Mean probability of contamination over the sweep's draws"
                                   : "Variable '" + variable + "' of the grid";
}

render::MapTexts map_texts(const GridFileReader& reader, const std::filesystem::path& grid_file, const MapOptions& options,
                           const render::MapView& view, const std::filesystem::path& dem) {
  render::MapTexts t;
  t.title = !options.title.empty() ? options.title : grid_title(reader, grid_file);
  const std::string variable = reader.variable().empty() ? "value" : reader.variable();
  const std::string computed = reader.attribute("date_created");
  t.subtitle = variable_description(variable);
  if (!computed.empty()) t.subtitle += " \u2014 computed " + readable_time(computed);
  // A sweep's percentiles are probabilities too; anything else (sd, an exceedance) is named.
  const bool a_probability = variable == "probability" || variable == "mean" ||
                             (variable.size() == 3 && variable[0] == 'p' && std::isdigit(static_cast<unsigned char>(variable[1])));
  t.probability = a_probability;
  if (!a_probability) t.legend_heading = "'" + variable + "' of the grid";
  else if (variable != "probability" && variable != "mean") t.legend_heading = "Probability of contamination (" + variable + ")";

  const kernels::GridFrame& f = view.grid.frame;
  t.panel_lines.push_back("Grid: " + grid_file.filename().string() + ", " + std::to_string(f.width) + " \u00d7 " +
                          std::to_string(f.height) + " cells of " + cell_size_text(f));
  if (view.block > 1)
    t.panel_lines.push_back("Drawn from an overview: each pixel the maximum of " + std::to_string(view.block) + " \u00d7 " +
                            std::to_string(view.block) + " cells");
  if (!dem.empty()) t.panel_lines.push_back("Hillshade: " + dem.filename().string() + " (sun at 315\u00b0, 45\u00b0 high)");
  // The day only: two maps drawn the same day from the same grid are the same picture.
  t.panel_lines.push_back("Map drawn " + utc_now_iso8601().substr(0, 10));

  t.provenance = std::string("minerisk ") + kVersion + " \u00b7 grid " + grid_file.string();
  const std::string run_id = reader.attribute("run_id");
  if (!run_id.empty()) t.provenance += " \u00b7 run " + run_id;
  const std::string inputs = inputs_text(reader.attribute("inputs"));
  if (!inputs.empty()) t.provenance += " \u00b7 inputs: " + inputs;
  t.disclaimer = options.disclaimer.empty() ? kDefaultDisclaimer : options.disclaimer;
  return t;
}

}  // namespace minerisk::ops
