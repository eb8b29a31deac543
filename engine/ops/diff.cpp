// `minerisk diff`: two grids of the same cells read tile by tile (a handle of each per thread),
// their change map written by write_rasters and each tile's tally merged in tile order, so the
// report is the same for any thread count.
#include "minerisk/engine/ops/diff.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <map>
#include <mutex>
#include <utility>

#include <nlohmann/json.hpp>
#include <tbb/enumerable_thread_specific.h>

#include "minerisk/engine/byte_text.hpp"
#include "minerisk/engine/errors.hpp"
#include "minerisk/engine/gdal_support.hpp"
#include "minerisk/engine/grid_file_reader.hpp"
#include "minerisk/kernels/change.hpp"
#include "probability_values.hpp"

namespace minerisk::ops {
namespace {

const std::string kLabel = "minerisk diff";

// The threshold and the report are in probability units: a DEM, a count or a score would be
// reported as rises of hundreds. The message names no value, so it is the same whichever tile
// a thread reads first.
void require_tile_of_probabilities(const std::vector<float>& values, const std::filesystem::path& grid) {
  for (float v : values)
    if (!probability_or_missing(v))  // NaN and infinities are no-data, as change_map takes them
      throw UserError("diff: '" + grid.string() + "' holds values outside [0, 1], not probabilities; give two "
                      "probability grids (outputs of minerisk run, or a sweep's mean or percentiles)");
}

std::optional<ChangeAt> located(const kernels::ExtremeChange& e, const Grid& grid) {
  if (e.row < 0) return std::nullopt;
  return ChangeAt{grid.frame.centre_x(e.col), grid.frame.centre_y(e.row), e.row, e.col, e.change};
}

nlohmann::ordered_json change_json(const std::optional<ChangeAt>& at) {
  if (!at) return nullptr;
  return {{"x", at->x}, {"y", at->y}, {"row", at->row}, {"col", at->col}, {"change", at->change}};
}

}  // namespace

ChangeReport diff(const std::filesystem::path& old_grid, const std::filesystem::path& new_grid,
                  const std::filesystem::path& output, const DiffOptions& options, const Control& control) {
  control.check();
  if (!(options.threshold >= 0 && options.threshold < 1))
    throw UserError("--threshold: " + number_text(options.threshold) +
                    " is not a change in probability; give one at least 0 and below 1 (default 0.01)");
  // Which of the two is missing, by the name of its argument (the reader would say "grid").
  require_input_file(old_grid, "old");
  require_input_file(new_grid, "new");
  const GridFileReader old_reader(old_grid, options.variable);
  const GridFileReader new_reader(new_grid, options.variable);
  // A run's file gives `probability`, a sweep's `mean`: two different quantities. (A GeoTIFF
  // names none: its one band is taken for what the other file gives.)
  // A variable named (by --variable, or in a NETCDF:"FILE":VAR name) is the user's choice.
  const auto named = [](const std::filesystem::path& p) { return p.string().rfind("NETCDF:", 0) == 0; };
  if (options.variable.empty() && !named(old_grid) && !named(new_grid) && !old_reader.variable().empty() &&
      !new_reader.variable().empty() && old_reader.variable() != new_reader.variable())
    throw UserError("diff: '" + old_grid.string() + "' gives '" + old_reader.variable() + "' and '" + new_grid.string() +
                    "' gives '" + new_reader.variable() + "'; give --variable (or NETCDF:\"FILE\":VAR) so that both "
                    "are the same quantity");
  const Grid& grid = old_reader.grid();
  if (const std::string why = grid_difference(grid, new_reader.grid()); !why.empty())
    throw UserError("diff: '" + old_grid.string() + "' and '" + new_grid.string() + "' are not on the same grid: " +
                    why + "; compare grids of the same scenario grid (or warp one onto the other's with gdalwarp)");
  check_tool_outputs({output}, {{"old", old_grid}, {"new", new_grid}}, options, control);

  tbb::enumerable_thread_specific<std::pair<DatasetPtr, DatasetPtr>> handles;
  std::mutex tally_mutex;
  std::map<std::pair<int64_t, int64_t>, kernels::ChangeTally> tallies;  // by (row0, col0): tile order
  const std::string variable = old_reader.variable().empty() ? "value" : old_reader.variable();
  write_rasters(grid, {{output, variable + " change beyond the threshold (new - old)", NAN, "", "change"}},
                {{"old", old_grid}, {"new", new_grid}}, options, control, kLabel, [&](const kernels::Window& w) {
                  auto& [old_handle, new_handle] = handles.local();
                  const std::vector<float> a = old_reader.read_tile(w, old_handle);
                  const std::vector<float> b = new_reader.read_tile(w, new_handle);
                  require_tile_of_probabilities(a, old_grid);
                  require_tile_of_probabilities(b, new_grid);
                  std::vector<float> change(static_cast<size_t>(w.cells()));
                  const kernels::ChangeTally t = kernels::change_map(a, b, w, grid.frame, options.threshold, change);
                  {
                    std::lock_guard lock(tally_mutex);
                    tallies[{w.row0, w.col0}] = t;
                  }
                  return std::vector<std::vector<float>>{std::move(change)};
                });
  kernels::ChangeTally total;
  for (const auto& [where, t] : tallies) total.merge(t);

  ChangeReport r;
  r.old_grid = old_grid.string(), r.new_grid = new_grid.string(), r.output = output.string();
  r.variable = variable;
  r.threshold = options.threshold;
  r.cells = grid.width() * grid.height();
  r.rose_cells = total.rose, r.fell_cells = total.fell, r.unchanged_cells = total.unchanged;
  using Kind = kernels::ChangeTally::Kind;
  r.rose_ha = total.area_m2(Kind::kRose, grid.frame) / 1e4, r.fell_ha = total.area_m2(Kind::kFell, grid.frame) / 1e4,
  r.unchanged_ha = total.area_m2(Kind::kUnchanged, grid.frame) / 1e4;
  r.nodata_changed_cells = total.one_sided;
  r.nodata_cells = r.cells - total.both() - total.one_sided;
  r.mean_abs_change = total.both() > 0 ? total.sum_abs_change / static_cast<double>(total.both()) : NAN;
  r.largest_rise = located(total.largest_rise, grid);
  r.largest_fall = located(total.largest_fall, grid);
  return r;
}

std::string ChangeReport::json() const {
  nlohmann::ordered_json j;
  j["old"] = old_grid, j["new"] = new_grid, j["variable"] = variable, j["output"] = output;
  j["threshold"] = threshold;
  j["cells"] = cells;
  j["rose_cells"] = rose_cells, j["rose_ha"] = rose_ha;
  j["fell_cells"] = fell_cells, j["fell_ha"] = fell_ha;
  j["unchanged_cells"] = unchanged_cells, j["unchanged_ha"] = unchanged_ha;
  j["nodata_changed_cells"] = nodata_changed_cells;
  j["nodata_cells"] = nodata_cells;
  j["mean_abs_change"] = std::isnan(mean_abs_change) ? nlohmann::ordered_json(nullptr) : nlohmann::ordered_json(mean_abs_change);
  j["largest_rise"] = change_json(largest_rise);
  j["largest_fall"] = change_json(largest_fall);
  return j.dump(2, ' ', false, nlohmann::json::error_handler_t::replace);  // a path that is not UTF-8
}

std::string ChangeReport::text() const {
  std::string out;
  char line[512];
  const auto add = [&](const char* format, auto... values) {
    std::snprintf(line, sizeof line, format, values...);
    out += line;
  };
  out += visible_text(old_grid) + " -> " + visible_text(new_grid) + " (" + variable + ")\n";  // paths of any length
  const std::string t = number_text(threshold);
  add("  %-28s %12lld cells %14.2f ha\n", ("rose by more than " + t).c_str(), static_cast<long long>(rose_cells),
      rose_ha);
  add("  %-28s %12lld cells %14.2f ha\n", ("fell by more than " + t).c_str(), static_cast<long long>(fell_cells),
      fell_ha);
  add("  %-28s %12lld cells %14.2f ha\n", ("unchanged (within " + t + ")").c_str(),
      static_cast<long long>(unchanged_cells), unchanged_ha);
  add("  %-28s %12lld cells\n", "data in only one grid", static_cast<long long>(nodata_changed_cells));
  add("  %-28s %12lld cells\n", "data in neither grid", static_cast<long long>(nodata_cells));
  if (std::isnan(mean_abs_change))
    add("  %-28s %12s\n", "mean absolute change", "none");
  else
    add("  %-28s %12.6f\n", "mean absolute change", mean_abs_change);
  for (const auto& [name, at] : {std::pair{"largest rise", &largest_rise}, std::pair{"largest fall", &largest_fall}}) {
    if (*at)
      add("  %-28s %+12.6f at x %.10g, y %.10g (row %lld, col %lld)\n", name, (*at)->change, (*at)->x, (*at)->y,
          static_cast<long long>((*at)->row), static_cast<long long>((*at)->col));
    else
      add("  %-28s %12s\n", name, "none");
  }
  out += "  change map: " + visible_text(output) + "\n";
  return out;
}

}  // namespace minerisk::ops
