#pragma once
// `minerisk report GRID.nc -o REPORT.html`: one self-contained HTML file (no network needed)
// that a planner can read on a phone and print from the browser: the map, the ranked hazard
// areas (a sortable table), the model (layers, weights, transforms and their contribution
// curves), validation when evaluation results are given, a sweep's uncertainty, the
// provenance (inputs with SHA-256, scenario, version) and, for an update, what changed.
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
  MapOptions map;                    // how the embedded map is drawn (areas, variable, title are shared)
};

struct ReportResult {
  std::filesystem::path output;
  size_t areas = 0;        // rows in the area table
  bool validation = false, sweep = false, update = false;  // the optional sections present
};

ReportResult report(const std::filesystem::path& grid, const std::filesystem::path& output,
                    const ReportOptions& options, const Control& control);

}  // namespace minerisk::ops
