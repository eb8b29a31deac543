#pragma once
// Priorities, ranks and the best set within a budget, from the areas' figures.
//
// The priority is a weighted sum of criteria, each divided by its largest value over the areas
// (so weights compare like with like, and 0 stays 0): expected contamination per hectare with
// weight 1, plus impact, minus area, slope and access distance with the weights given. With
// no weights it is the density over the largest density, which ranks as the density does.
// The budget selects the set of areas of greatest total priority x hectares (with no weights:
// expected contamination) whose hectares, or cost, fit the budget (kernels/budget_selection).
#include <filesystem>
#include <vector>

#include "minerisk/engine/ops/areas.hpp"

namespace minerisk::ops {

/// Refuses (UserError) a weighted criterion that some area lacks: slope (--slope-weight) where the
/// DEM `dem` (empty: none could be read) has no value over the whole area, impact likewise, an
/// access distance. Taken as 0 ("flat", "nothing at stake"), they silently raised the area's
/// priority. An area covered in part keeps the mean over the cells that have a value.
void require_weighted_criteria(const std::vector<AreaFigures>& areas, const AreasOptions& options,
                               const std::filesystem::path& dem);

/// Sets priority, rank and cumulative share (of `grid_expected_ha`) and sorts `areas` by rank.
void rank_areas(std::vector<AreaFigures>& areas, const AreasOptions& options, double grid_expected_ha);

/// Marks the areas within options.budget_ha (or options.budget of cost) and fills the
/// summary's budget figures. Nothing when neither is given.
void select_within_budget(std::vector<AreaFigures>& areas, const AreasOptions& options, AreasSummary& summary);

/// The truth's figures by rank: items in the areas, the capture curve, and at 10 % of the land.
void capture_by_rank(const std::vector<AreaFigures>& areas, AreasSummary& summary);

}  // namespace minerisk::ops
