// `minerisk report GRID.nc -o REPORT.html`: reads what the report needs, checking every input
// before the map is drawn (a bad areas file or evaluation is refused at once), assembles the
// sections (report_*.cpp) and writes one self-contained page through an OutputSet.
#include "minerisk/engine/ops/report.hpp"

#include <cstdio>

#include "minerisk/engine/byte_text.hpp"
#include "minerisk/engine/errors.hpp"
#include "minerisk/engine/grid_file_reader.hpp"
#include "minerisk/engine/output_format.hpp"
#include "minerisk/engine/output_set.hpp"
#include "minerisk/engine/provenance.hpp"
#include "minerisk/engine/toml_reader.hpp"
#include "minerisk/engine/version.hpp"
#include "areas_source.hpp"
#include "grid_context.hpp"
#include "map_texts.hpp"
#include "report_parts.hpp"

namespace minerisk::ops {
namespace {

namespace parts = report_parts;

void check_output_name(const std::filesystem::path& output) {
  if (output.empty()) throw UserError("-o: give the report's file name, e.g. -o report.html");
  if (!has_extension(output, ".html") && !has_extension(output, ".htm"))
    throw UserError("-o: '" + output.string() + "' does not end in .html; the report is one HTML page, e.g. -o report.html");
}

// The report's title: the option, else the grid's (grid_context.hpp).
std::string title_of(const ReportOptions& options, const GridFileReader& reader, const std::filesystem::path& grid) {
  return options.title.empty() ? grid_title(reader, grid) : options.title;
}

std::string map_section(const std::string& png, const std::string& title, const std::string& variable,
                        const std::filesystem::path& areas, const std::vector<std::string>& warnings) {
  std::string out = "<figure id=\"map\"><img src=\"data:image/png;base64," + parts::base64(png) + "\" alt=\"Map: " +
                    parts::escape(title) + "\"><figcaption>The " +
                    parts::escape(variable.empty() ? "grid's values" : variable) +
                    " in land-release colour classes";
  if (!areas.empty()) out += ", with the hazard areas and their ranks";
  out += ". Zoom in for detail; 'minerisk map' draws it as a PDF for print.</figcaption></figure>\n";
  for (const std::string& w : warnings) out += "<p class=\"note\">" + parts::escape(w) + "</p>\n";
  return out;
}

}  // namespace

std::string ReportResult::text() const {
  std::string out = "report: " + visible_text(output.string()) + " (" + std::to_string(bytes / 1024) + " KiB): map";
  if (areas > 0) out += ", " + std::to_string(areas) + " hazard areas";
  for (const std::string& s : sections)
    if (s != "map" && s != "areas") out += ", " + s;
  return out + "\n";
}

ReportResult report(const std::filesystem::path& grid, const std::filesystem::path& output,
                    const ReportOptions& options, const Control& control) {
  control.check();
  check_output_name(output);
  const GridFileReader reader(grid, options.map.variable);
  std::vector<std::filesystem::path> inputs = {grid};
  if (!reader.evidence_file().empty()) inputs.push_back(reader.evidence_file());
  if (!options.areas.empty()) inputs.push_back(options.areas);
  if (!options.evaluation.empty()) inputs.push_back(options.evaluation);
  OutputSet outputs(inputs, control.overwrite);
  const size_t out = outputs.add(output);

  ReportResult result;
  result.output = output;
  // The inputs a user names are read first, so a bad one is refused before the map is drawn.
  const std::string areas = options.areas.empty() ? "" : parts::areas_table(options.areas, result.areas);
  if (!options.areas.empty()) check_areas_source(options.areas, reader, "--areas");
  const std::string validation = options.evaluation.empty() ? "" : parts::validation_section(options.evaluation, grid, reader.attribute("run_id"),
                                                                                      reader.variable());
  const std::string title = title_of(options, reader, grid);
  control.check_cancelled();

  MapOptions map_options = options.map;
  if (map_options.areas.empty()) map_options.areas = options.areas;
  if (map_options.title.empty()) map_options.title = title;
  const std::string png = map_png(grid, map_options, control, &result.warnings);
  control.check_cancelled();

  std::vector<parts::Section> sections;
  auto add = [&](const std::string& id, const std::string& heading, const std::string& body) {
    if (body.empty()) return;
    sections.push_back({id, heading, body});
    result.sections.push_back(id);
  };
  add("map", "Map", map_section(png, title, reader.variable(), map_options.areas, result.warnings));
  add("areas", "Hazard areas", areas);
  const std::string uncertainty = parts::uncertainty_section(reader);
  std::string model = parts::model_section(reader.scenario_toml(), grid);
  if (!model.empty() && !uncertainty.empty())
    model = "<p class=\"note\">The sweep's base scenario: its scenarios vary it as the sweep file says (Uncertainty "
            "below).</p>\n" + model;
  add("model", "Model", model);
  add("validation", "Validation", validation);
  add("uncertainty", "Uncertainty", uncertainty);
  bool updated = false;
  const std::string changes = parts::changes_section(grid, updated);
  add("changes", "What changed", updated ? changes : "");  // a run's single record says nothing new
  add("provenance", "Provenance", parts::provenance_section(reader, grid));
  result.validation = !validation.empty();
  result.sweep = !uncertainty.empty();
  result.update = updated;

  const std::string created = reader.attribute("date_created");
  const std::string subtitle = variable_description(reader.variable().empty() ? "value" : reader.variable()) + ", from " +
                               grid.filename().string() + (created.empty() ? "" : ", computed " + readable_time(created)) +
                               "; report written " + readable_time(utc_now_iso8601()) + " by minerisk " + kVersion + ".";
  const std::string html = parts::page(title, subtitle, sections);
  control.check_cancelled();
  outputs.expect_size(out, html.size());
  outputs.writing([&] { outputs.write_text(out, html); });
  outputs.commit(control.cancel);
  result.bytes = html.size();
  return result;
}

}  // namespace minerisk::ops
