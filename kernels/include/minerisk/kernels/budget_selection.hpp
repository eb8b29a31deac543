#pragma once
// Choosing hazard areas within a budget: which areas to clear (cost: hectares) for the most
// expected contamination removed (value), a 0/1 knapsack solved exactly by branch and bound.
//
// Within budget means: the chosen costs, summed in item order, are at most
// budget * (1 + 1e-12) + 1e-12 (kBudgetTolerance), the same test in the search and the result,
// so a selection whose sum rounds a hair above the budget is not lost to rounding.
// Optimal means optimal up to rounding in the sums (relative errors near 1e-16 per item).
#include <cstdint>
#include <span>
#include <vector>

namespace minerisk::kernels {

struct BudgetItem {
  double cost = 0;   // hectares, finite and >= 0
  double value = 0;  // expected contamination, finite and >= 0
};

struct BudgetSelection {
  std::vector<uint8_t> chosen;  // per item, 1 if selected
  double value = 0, cost = 0;   // of the selection, summed in item order (deterministic)
  double upper_bound = 0;       // a proven upper bound on the best value within the budget (== value when optimal)
  bool optimal = false;         // the search finished: no selection within budget has more value
  int64_t nodes = 0;            // branch-and-bound nodes evaluated (for reports and benchmarks)
};

/// The relative (and absolute) slack of "within budget", see above.
inline constexpr double kBudgetTolerance = 1e-12;

/// Chooses items whose summed cost is at most `budget` with the greatest summed value:
/// exact branch and bound (items by value/cost, Dantzig's LP bound), stopping after `node_limit`
/// nodes with the best selection found and the bound still open. Deterministic: ties broken by item index.
///
/// Items with cost 0 and value > 0 are always chosen; items with value 0 never (nothing to gain);
/// items costing more than the budget never. The search starts from the better of the greedy
/// selection (by value/cost, skipping items that no longer fit) and the best single item, so even
/// when stopped early the value is at least that (at least half the optimum). `budget` may be
/// +infinity (everything with value is chosen). Throws std::invalid_argument on a negative or NaN
/// budget, a negative or non-finite cost or value, or a negative node_limit (0: greedy only).
BudgetSelection select_within_budget(std::span<const BudgetItem> items, double budget,
                                     int64_t node_limit = 20'000'000);

}  // namespace minerisk::kernels
