#include "areas_rank.hpp"

#include <algorithm>
#include <cmath>

#include "minerisk/engine/errors.hpp"
#include "minerisk/kernels/budget_selection.hpp"

namespace minerisk::ops {
namespace {

// Each area's value of one criterion over the largest of them (0 where it has none).
std::vector<double> normalised(const std::vector<AreaFigures>& areas, double AreaFigures::*field) {
  double largest = 0;
  for (const AreaFigures& a : areas)
    if (std::isfinite(a.*field)) largest = std::max(largest, a.*field);
  std::vector<double> out;
  for (const AreaFigures& a : areas) out.push_back(largest > 0 && std::isfinite(a.*field) ? a.*field / largest : 0.0);
  return out;
}

// The lowest id among the areas without a value of `field`, or -1. A given polygon on no cell
// of the grid's data (class no_data) has no figure of any kind, and ranks last whatever its
// weights: not counted.
int64_t first_without(const std::vector<AreaFigures>& areas, double AreaFigures::*field) {
  int64_t first = -1;
  for (const AreaFigures& a : areas)
    if (a.cells > 0 && std::isnan(a.*field) && (first < 0 || a.id < first)) first = a.id;
  return first;
}

}  // namespace

void require_weighted_criteria(const std::vector<AreaFigures>& areas, const AreasOptions& options,
                               const std::filesystem::path& dem) {
  if (options.slope_weight > 0) {
    if (dem.empty())
      throw UserError("--slope-weight needs a DEM: the grid's scenario names none that can be read (it was moved, or "
                      "the grid is another program's); give --dem RASTER, or leave --slope-weight out");
    if (const int64_t id = first_without(areas, &AreaFigures::mean_slope); id >= 0)
      throw UserError("--slope-weight: area " + std::to_string(id) + " has no slope: it lies outside the DEM '" +
                      dem.string() + "' or on its no-data cells; give a DEM that covers every area (--dem), or leave "
                      "--slope-weight out");
  }
  if (options.impact_weight > 0)
    if (const int64_t id = first_without(areas, &AreaFigures::impact); id >= 0)
      throw UserError("--impact-weight: area " + std::to_string(id) + " has no impact: it lies outside '" +
                      options.impact.string() + "' or on its no-data cells; give a raster that covers every area (0 "
                      "where nothing is at stake)");
  if (options.access_weight > 0)
    if (const int64_t id = first_without(areas, &AreaFigures::access_m); id >= 0)
      throw UserError("--access-weight: area " + std::to_string(id) +
                      " has no distance to --access (its layers hold no feature); give roads or settlements");
}

void rank_areas(std::vector<AreaFigures>& areas, const AreasOptions& options, double grid_expected_ha) {
  const std::vector<double> density = normalised(areas, &AreaFigures::density);
  const std::vector<double> impact = normalised(areas, &AreaFigures::impact);
  const std::vector<double> area = normalised(areas, &AreaFigures::area_ha);
  const std::vector<double> slope = normalised(areas, &AreaFigures::mean_slope);
  const std::vector<double> access = normalised(areas, &AreaFigures::access_m);
  for (size_t i = 0; i < areas.size(); ++i)
    areas[i].priority = density[i] + options.impact_weight * impact[i] - options.area_weight * area[i] -
                        options.slope_weight * slope[i] - options.access_weight * access[i];
  // Highest priority first; then the more expected contamination, then the lower id: one order.
  // A given polygon on no cell of the grid's data has no figures, so no priority to compare: it
  // ranks last (with its 0, it came before areas whose slope or area weights made them negative).
  std::sort(areas.begin(), areas.end(), [](const AreaFigures& a, const AreaFigures& b) {
    if ((a.cells > 0) != (b.cells > 0)) return a.cells > 0;
    if (a.priority != b.priority) return a.priority > b.priority;
    if (a.expected_ha != b.expected_ha) return a.expected_ha > b.expected_ha;
    return a.id < b.id;
  });
  double covered = 0;
  for (size_t i = 0; i < areas.size(); ++i) {
    areas[i].rank = static_cast<int64_t>(i) + 1;
    covered += areas[i].expected_ha;
    areas[i].cumulative_share = grid_expected_ha > 0 ? covered / grid_expected_ha : NAN;
  }
}

void select_within_budget(std::vector<AreaFigures>& areas, const AreasOptions& options, AreasSummary& summary) {
  const bool by_cost = !std::isnan(options.budget);
  if (!by_cost && std::isnan(options.budget_ha)) return;
  std::vector<kernels::BudgetItem> items;
  for (const AreaFigures& a : areas) {
    const double cost = by_cost ? a.cost : a.area_ha;
    if (!(cost >= 0) || !std::isfinite(cost))
      throw UserError(std::string(by_cost ? "--cost" : "--budget-ha") + ": area " + std::to_string(a.id) +
                      " has no finite cost (the cost raster has no value on some of its cells, or a negative or "
                      "infinite one); give a finite cost of 0 or more for all the land");
    // Areas of no positive priority are worth nothing: never selected.
    items.push_back({cost, std::max(a.priority, 0.0) * a.area_ha});
  }
  const double budget = by_cost ? options.budget : options.budget_ha;
  const kernels::BudgetSelection s = kernels::select_within_budget(items, budget);
  double expected = 0;
  for (size_t i = 0; i < areas.size(); ++i) {
    areas[i].selected = s.chosen[i] != 0;
    if (areas[i].selected) expected += areas[i].expected_ha;
  }
  summary.budgeted = true;
  summary.budget = budget;
  summary.budget_unit = by_cost ? "cost" : "ha";
  summary.budget_used = s.cost;
  summary.budget_optimal = s.optimal;
  summary.budget_share = summary.expected_ha > 0 ? expected / summary.expected_ha : NAN;
  summary.budget_gap = s.upper_bound > 0 ? 1.0 - s.value / s.upper_bound : 0.0;
}

void capture_by_rank(const std::vector<AreaFigures>& areas, AreasSummary& summary) {
  if (std::isnan(summary.true_items)) return;
  double land = 0, items = 0;
  summary.capture_curve = {{0.0, 0.0}};
  summary.capture_at_10 = NAN;
  const double total = summary.true_items, ten = 0.1 * summary.land_ha;
  for (const AreaFigures& a : areas) {
    // The area that straddles 10 % of the land counts in proportion to its share below it.
    if (std::isnan(summary.capture_at_10) && land + a.area_ha >= ten && a.area_ha > 0) {
      const double part = (ten - land) / a.area_ha;
      summary.capture_at_10 = total > 0 ? (items + part * a.true_items) / total : NAN;
      summary.items_per_ha_ranked = ten > 0 ? (items + part * a.true_items) / ten : NAN;
    }
    land += a.area_ha, items += a.true_items;
    summary.capture_curve.push_back({land / summary.land_ha, total > 0 ? items / total : NAN});
  }
  summary.items_in_areas = items;
  summary.items_per_ha_random = summary.land_ha > 0 ? total / summary.land_ha : NAN;
  // Areas that cover less than 10 % of the land: the rest holds the items beyond them, at the
  // rest's own rate (the rest is not ranked, so as if at random within it).
  if (std::isnan(summary.capture_at_10) && summary.rest_ha > 0 && total > 0) {
    const double rest_items = total - items;
    const double part = (ten - land) / summary.rest_ha;
    summary.capture_at_10 = (items + part * rest_items) / total;
    summary.items_per_ha_ranked = (items + part * rest_items) / ten;
  }
}

}  // namespace minerisk::ops
