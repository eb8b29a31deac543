#pragma once
// `minerisk report GRID.nc -o REPORT.html`: one self-contained HTML file (no network needed)
// that a planner can read on a phone and print from the browser: the map, the ranked hazard
// areas (a sortable table), the model (layers, weights, transforms and their contribution
// curves), validation when evaluation results are given, a sweep's uncertainty, the
// provenance (inputs with SHA-256, scenario, version) and, for an update, what changed.
#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

#include "minerisk/engine/ops/control.hpp"
#include "minerisk/engine/ops/map.hpp"

namespace minerisk::ops {

struct ReportOptions {
  std::filesystem::path areas;       // hazard areas from `minerisk areas` (.gpkg)
  std::filesystem::path evaluation;  // `minerisk evaluate`'s JSON report
  std::string title;                 // default: the scenario's title
  // How the embedded map is drawn (its areas and title default to the report's): A4 at 120 dpi,
  // sharp on a screen and a printed page while the file stays under a megabyte.
  MapOptions map = [] {
    MapOptions m;
    m.size = "A4";
    m.dpi = 120;
    return m;
  }();
};

struct ReportResult {
  std::filesystem::path output;
  size_t areas = 0;        // rows in the area table
  bool validation = false, sweep = false, update = false;  // the optional sections present
  std::vector<std::string> sections;  // the page's sections, in order (their anchors)
  uintmax_t bytes = 0;                // the file's size
  std::vector<std::string> warnings;  // what the map could not draw (also said in the report)
  std::string text() const;           // what the command prints
};

/// Writes the report of `grid` to `output` (.html or .htm): the map (ops::map_png with
/// options.map, whose areas and title default to the report's), then the sections the inputs
/// give. Bad input (a missing grid, an areas file without a layer `areas`, an evaluation that
/// is not `minerisk evaluate`'s JSON) is a UserError; the file is written whole or not at all
/// (OutputSet), and an existing one is replaced only with control.overwrite.
ReportResult report(const std::filesystem::path& grid, const std::filesystem::path& output,
                    const ReportOptions& options, const Control& control);

}  // namespace minerisk::ops
