#pragma once
// The pieces `minerisk report` builds its page from, each in a file of its own:
// report_html.cpp (escaping, numbers, the page with its CSS and script), report_svg.cpp (charts),
// report_areas.cpp (the ranked hazard-area table), report_model.cpp (the model and its curves),
// report_sections.cpp (validation, uncertainty, provenance, changes). Every text that comes
// from a file passes through escape(); no piece refers to anything outside the page.
#include <filesystem>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "minerisk/engine/grid_file_reader.hpp"

namespace minerisk::ops::report_parts {

/// Text made safe inside HTML elements and quoted attributes (& < > " ').
std::string escape(std::string_view text);
/// A number for people: `digits` significant digits, no exponent for ordinary sizes; "–" for NaN.
std::string number(double v, int digits = 4);
/// A share in [0, 1] as a percentage ("12.5 %").
std::string percent(double share, int digits = 3);
/// Bytes as base64 (for data: URIs).
std::string base64(const std::string& bytes);

/// One section of the page: its anchor, its heading and its body (HTML, already escaped).
struct Section {
  std::string id, heading, body;
};
/// The whole page: head (viewport, a content policy that forbids any network access, inline CSS),
/// a header with `title` and `subtitle`, a table of contents, the sections and the inline script
/// (sortable tables, details opened for printing).
std::string page(const std::string& title, const std::string& subtitle, const std::vector<Section>& sections);
/// A definition list of (term, value) pairs, values already HTML.
std::string facts(const std::vector<std::pair<std::string, std::string>>& rows);

// Charts as inline SVG.
struct Series {
  std::string label;
  std::vector<std::pair<double, double>> points;
  int colour = 0;        // an index into the page's palette
  bool dashed = false;   // a baseline
  bool markers = false;  // points instead of a line (categorical classes)
};
struct Chart {
  std::string title, x_label, y_label;
  std::vector<Series> series;
  bool zero_line = true;  // a faint line at y = 0
  bool legend_bottom_right = false;  // else top left
};
/// A line chart with axes, ticks and a legend, scaled to the page's width.
std::string line_chart(const Chart& chart);
/// A histogram of `values` (NaN ignored) in `bins` equal bins, its counts as shares of the cells.
std::string histogram(const std::vector<float>& values, int bins, const std::string& title, const std::string& x_label);

// Sections.
/// The ranked hazard areas of `gpkg` (layer `areas`, by rank) as a sortable table; `rows` gets
/// their number. UserError when the file cannot be read or has no layer `areas`.
std::string areas_table(const std::filesystem::path& gpkg, size_t& rows);
/// The model of the grid's scenario: intercept, each layer (feature, weight, transform and its
/// parameters) and each layer's contribution curve. "" when the grid carries no scenario.
std::string model_section(const std::string& scenario_toml, const std::filesystem::path& grid);
/// The evaluation JSON's figures and capture curve beside the random ranking's (and any
/// baselines it holds). UserError when the file is not `minerisk evaluate`'s JSON, holds a
/// figure that is not what evaluate writes, or scores another grid than the one of `run_id`
/// (the report's grid's run_id attribute; when either has none, another file than `grid`
/// still standing where the evaluation's grid_file names it) or, in that grid, another
/// variable than `variable`.
std::string validation_section(const std::filesystem::path& evaluation, const std::filesystem::path& grid,
                               const std::string& run_id, const std::string& variable);
/// A sweep's uncertainty: sd and each exceedance variable summarised, with histograms.
std::string uncertainty_section(const GridFileReader& reader);
/// The inputs, the scenario, minerisk's version, the dates, the history and the run id.
std::string provenance_section(const GridFileReader& reader, const std::filesystem::path& grid);
/// The changes table of the grid's update record; `updated` tells whether an update wrote it.
/// "" when the grid has no record.
std::string changes_section(const std::filesystem::path& grid, bool& updated);

}  // namespace minerisk::ops::report_parts
