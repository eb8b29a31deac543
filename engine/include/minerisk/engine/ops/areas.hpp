#pragma once
// `minerisk areas GRID.nc -o AREAS.gpkg`: from a probability grid to hazard areas a planner can
// task: polygons in land-release classes (IMAS 07.11), generalised to a minimum mapping unit,
// each with its figures (expected contamination, evidence, slope, access, uncertainty, true
// items), ranked by priority, with the best set within a budget. Or the same figures for
// existing hazard polygons (an IMSMA export), with the part of each the model would release.
#include <array>
#include <cmath>
#include <filesystem>
#include <map>
#include <string>
#include <vector>

#include "minerisk/engine/ops/control.hpp"

namespace minerisk::ops {

/// The land-release classes, in rising order of probability.
inline constexpr const char* kCancellation = "cancellation";          // below T1: non-technical survey may cancel
inline constexpr const char* kTechnicalSurvey = "technical_survey";  // T1 to T2: technical survey
inline constexpr const char* kClearance = "clearance";               // above T2: clearance
inline constexpr const char* kNoData = "no_data";  // a given polygon with no cell of the grid's data

/// The lowest T1: a map of the classes (log classes in 1-2-5 steps from a tenth of T1) fits a
/// legend down to it, and map and report draw an areas file in the classes it was made with.
inline constexpr double kMinT1 = 1e-4;
/// The thresholds when none is given: areas classes with them, and map and report draw with them
/// when no areas file names its own.
inline constexpr double kDefaultT1 = 0.05, kDefaultT2 = 0.5;

struct AreasOptions {
  std::string variable;  // the grid's variable (default: probability, or a sweep's mean)
  // Thresholds on the probability; NaN: the default, or the one that captures a share below.
  double t1 = NAN, t2 = NAN;
  // Instead of T1 (T2): the threshold above which the cells hold this share of the grid's
  // expected contamination (0 < share < 1). NaN: not used.
  double capture_t1 = NAN, capture_t2 = NAN;
  double min_area_ha = 0.5;  // minimum mapping unit
  double smooth_m = NAN;     // generalisation distance in metres (NaN: two cells)
  // Context.
  std::filesystem::path dem;             // for the mean slope (default: the grid's scenario's DEM)
  std::vector<std::string> access;       // layers of roads or settlements: PATH or PATH:LAYER
  std::filesystem::path impact;          // raster of people or land use (its mean over the area)
  std::filesystem::path cost;            // raster of cost per hectare (an area's cost: its sum)
  std::string truth;                     // true items: PATH or PATH:LAYER (points)
  // Priority: expected contamination per hectare, weighed (weighted sum of criteria each
  // divided by its largest value over the areas) against these.
  double impact_weight = 0, area_weight = 0, slope_weight = 0, access_weight = 0;
  double budget_ha = NAN;    // select the best areas within this many hectares
  double budget = NAN;       // or within this much of --cost
  // Existing hazard polygons instead of delineating: PATH or PATH:LAYER, with an OGR filter.
  std::string polygons, where;
  bool reduce = false;       // with polygons: the part of each that the model would release
  std::filesystem::path csv, json;  // further outputs of the same table
};

/// One area's figures (the GeoPackage's fields).
struct AreaFigures {
  int64_t id = 0;
  std::string land_class;
  double area_ha = 0;          // the land the figures describe: the cells whose centre is inside
  double shape_ha = 0;         // the polygon's own area (on a geographic grid, at its centroid's scale)
  int64_t cells = 0;
  double expected_ha = 0;      // sum over its cells of p x cell area
  double density = 0;          // expected_ha / area_ha: expected contamination per hectare
  double mean_p = NAN, max_p = NAN;
  std::string dominant_layer;  // the evidence layer with the largest mean contribution
  std::vector<double> layer_means;   // per evidence layer, mean contribution (log-odds)
  double mean_slope = NAN;     // degrees
  double access_m = NAN;       // from its nearest cell to the nearest road or settlement
  double impact = NAN, cost = NAN;
  double mean_sd = NAN, mean_p95 = NAN;  // a sweep's: mean of the cells' sd and p95
  double true_items = NAN;
  double priority = 0;
  int64_t rank = 0;
  double cumulative_share = 0;  // of the grid's expected contamination, areas ranked up to it
  bool selected = false;        // within the budget
  std::string wkb;              // the polygon (grid's CRS), OGC WKB
  std::map<std::string, std::string> attributes;  // an existing polygon's own fields
  // --reduce: the part the model would release (below T1), and what it holds.
  std::string release_wkb;
  double release_ha = NAN, release_expected_ha = NAN;
};

struct AreasSummary {
  double t1 = 0, t2 = 0, min_area_ha = 0, smooth_m = 0;
  std::string variable, crs_wkt;
  std::string run_id;               // the grid's ("" for another program's raster)
  std::string inputs_record;        // what the areas were computed from (tool_provenance.hpp)
  std::vector<std::string> layers;  // evidence layers, in layer_means' order
  bool given = false;                          // the areas are given polygons (--polygons)
  double land_ha = 0, expected_ha = 0;         // the grid's cells with data
  double areas_ha = 0, areas_expected_ha = 0;  // summed over the areas (given polygons may overlap)
  double rest_ha = 0, rest_expected_ha = 0;    // in no area
  double rest_above_t1_ha = 0, rest_above_t1_expected_ha = 0;  // of the rest, at or above T1
  // Given polygons: the land in two or more of them, which their figures count once in each (so
  // a share or a budget may count it twice: a duplicated record, say).
  double overlap_ha = 0, overlap_expected_ha = 0;
  struct ClassTotals {
    int64_t count = 0;
    double ha = 0, expected_ha = 0;
  };
  std::map<std::string, ClassTotals> classes;  // by class
  // Budget.
  bool budgeted = false, budget_optimal = false;
  double budget = NAN, budget_used = NAN, budget_share = NAN;
  double budget_gap = NAN;  // 1 - value / proven upper bound: 0 when optimal
  std::string budget_unit;
  // Truth.
  double true_items = NAN, items_in_areas = NAN;  // true_items: those scored, on cells with a probability
  double true_items_without_probability = NAN, true_items_outside_grid = NAN;  // not scored
  double capture_at_10 = NAN;   // share of true items in the top areas covering 10 % of the land
  double items_per_ha_ranked = NAN, items_per_ha_random = NAN;  // at 10 % of the land
  std::vector<std::array<double, 2>> capture_curve;  // (share of land, share of items) by rank
  // --reduce: what the releases within the given polygons add up to.
  double release_ha = NAN, release_expected_ha = NAN;
};

struct AreasResult {
  std::vector<AreaFigures> areas;  // by rank
  AreasSummary summary;
  /// Given polygons: each field's name, the column it is written as (src_<name> where it would
  /// clash with a figure's) and its kind, as the field's type: 'i' an integer, 'r' a real, 's'
  /// anything else (written as text); in the layer's order.
  struct AttributeColumn {
    std::string field, column;
    char kind = 's';
  };
  std::vector<AttributeColumn> attribute_columns;
  std::string json() const;  // the summary and the table, as written by --json
  std::string text() const;  // what the command prints
};

/// Delineates (or scores, with options.polygons) and writes `output` (a GeoPackage: layer
/// `areas` with a default QGIS style, and `releases` with --reduce), plus options.csv and
/// options.json; `output` empty writes nothing (Python's table). UserError for bad input.
AreasResult areas(const std::filesystem::path& grid_file, const std::filesystem::path& output,
                  const AreasOptions& options, const Control& control);

}  // namespace minerisk::ops
