// kernels/budget_selection.hpp: the branch and bound against a brute force over every subset,
// the edge cases (free items, nothing fits, everything fits, ties), an early stop's guarantees
// and a large case.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <random>
#include <stdexcept>
#include <vector>

#include "minerisk/kernels/budget_selection.hpp"

using namespace minerisk::kernels;

namespace {

double limit_of(double budget) { return budget * (1 + kBudgetTolerance) + kBudgetTolerance; }

// The best value over all 2^n subsets within the budget, sums in item order.
double brute_force(const std::vector<BudgetItem>& items, double budget) {
  const size_t n = items.size();
  double best = 0;
  for (uint64_t mask = 0; mask < (uint64_t{1} << n); ++mask) {
    double cost = 0, value = 0;
    for (size_t i = 0; i < n; ++i)
      if (mask >> i & 1) cost += items[i].cost, value += items[i].value;
    if (cost <= limit_of(budget)) best = std::max(best, value);
  }
  return best;
}

// Greedy by density (skipping what does not fit) or the best single item, whichever is more.
double greedy(const std::vector<BudgetItem>& items, double budget) {
  std::vector<size_t> order(items.size());
  for (size_t i = 0; i < order.size(); ++i) order[i] = i;
  std::stable_sort(order.begin(), order.end(), [&](size_t a, size_t b) {
    return items[a].value / items[a].cost > items[b].value / items[b].cost;
  });
  double cost = 0, value = 0, single = 0;
  for (size_t i : order)
    if (cost + items[i].cost <= limit_of(budget)) cost += items[i].cost, value += items[i].value;
  for (const BudgetItem& it : items)
    if (it.cost <= limit_of(budget)) single = std::max(single, it.value);
  return std::max(value, single);
}

std::vector<BudgetItem> random_items(size_t n, uint32_t seed) {
  std::mt19937_64 rng(seed);
  std::uniform_real_distribution<double> cost(0.1, 50.0), value(0.0, 10.0);
  std::vector<BudgetItem> items(n);
  for (BudgetItem& it : items) it.cost = cost(rng), it.value = value(rng);
  return items;
}

double random_budget(const std::vector<BudgetItem>& items, uint32_t seed) {
  std::mt19937_64 rng(seed * 7919u + 1);
  double total = 0;
  for (const BudgetItem& it : items) total += it.cost;
  return total * std::uniform_real_distribution<double>(0.05, 0.9)(rng);
}

// The selection's own sums, and that it is within the budget.
void expect_consistent(const std::vector<BudgetItem>& items, double budget, const BudgetSelection& s) {
  ASSERT_EQ(s.chosen.size(), items.size());
  double cost = 0, value = 0;
  for (size_t i = 0; i < items.size(); ++i)
    if (s.chosen[i]) cost += items[i].cost, value += items[i].value;
  EXPECT_EQ(s.cost, cost);
  EXPECT_EQ(s.value, value);
  EXPECT_LE(s.cost, limit_of(budget));
  EXPECT_LE(s.value, s.upper_bound);
  if (s.optimal) {
    EXPECT_EQ(s.value, s.upper_bound);
  }
}

}  // namespace

TEST(BudgetSelection, MatchesBruteForceOnRandomCases) {
  for (size_t n = 1; n <= 16; ++n)
    for (uint32_t seed = 1; seed <= 6; ++seed) {
      const auto items = random_items(n, seed * 100 + static_cast<uint32_t>(n));
      const double budget = random_budget(items, seed);
      const BudgetSelection s = select_within_budget(items, budget);
      SCOPED_TRACE("n=" + std::to_string(n) + " seed=" + std::to_string(seed));
      expect_consistent(items, budget, s);
      const double best = brute_force(items, budget);
      EXPECT_NEAR(s.value, best, 1e-9 * std::max(1.0, best));
      EXPECT_TRUE(s.optimal);
      EXPECT_LE(s.cost, budget * (1 + 1e-12) + 1e-12);
    }
}

TEST(BudgetSelection, MatchesBruteForceWithFreeAndWorthlessItems) {
  // Some items cost nothing, some are worth nothing, some cost more than the whole budget.
  for (uint32_t seed = 1; seed <= 20; ++seed) {
    auto items = random_items(12, seed);
    std::mt19937 rng(seed);
    for (BudgetItem& it : items) {
      const unsigned kind = rng() % 6;
      if (kind == 0) it.cost = 0;
      if (kind == 1) it.value = 0;
      if (kind == 2) it.cost = 1e6;
    }
    const double budget = random_budget(items, seed);
    const BudgetSelection s = select_within_budget(items, budget);
    expect_consistent(items, budget, s);
    const double best = brute_force(items, budget);
    EXPECT_NEAR(s.value, best, 1e-9 * std::max(1.0, best));
    EXPECT_TRUE(s.optimal);
    for (size_t i = 0; i < items.size(); ++i) {
      const int expected = items[i].cost == 0 && items[i].value > 0 ? 1
                           : items[i].value == 0 || items[i].cost > budget ? 0
                                                                           : -1;  // -1: either
      if (expected >= 0) {
        EXPECT_EQ(s.chosen[i], expected) << i;
      }
    }
  }
}

TEST(BudgetSelection, EmptyItems) {
  const BudgetSelection s = select_within_budget({}, 10.0);
  EXPECT_TRUE(s.chosen.empty());
  EXPECT_EQ(s.value, 0);
  EXPECT_EQ(s.cost, 0);
  EXPECT_EQ(s.upper_bound, 0);
  EXPECT_TRUE(s.optimal);
}

TEST(BudgetSelection, ZeroBudgetTakesOnlyFreeItemsWithValue) {
  const std::vector<BudgetItem> items = {{0, 3}, {1, 5}, {0, 0}, {0, 2}, {0.5, 1}};
  const BudgetSelection s = select_within_budget(items, 0.0);
  EXPECT_EQ(s.chosen, (std::vector<uint8_t>{1, 0, 0, 1, 0}));
  EXPECT_EQ(s.value, 5);
  EXPECT_EQ(s.cost, 0);
  EXPECT_TRUE(s.optimal);
  EXPECT_EQ(s.upper_bound, 5);
}

TEST(BudgetSelection, EverythingFits) {
  const std::vector<BudgetItem> items = {{1, 1}, {2, 5}, {3, 2}, {4, 0}};
  const BudgetSelection s = select_within_budget(items, 100.0);
  EXPECT_EQ(s.chosen, (std::vector<uint8_t>{1, 1, 1, 0}));  // the worthless item is left out
  EXPECT_EQ(s.value, 8);
  EXPECT_EQ(s.cost, 6);
  EXPECT_TRUE(s.optimal);
  // An infinite budget is the same.
  EXPECT_EQ(select_within_budget(items, std::numeric_limits<double>::infinity()).chosen, s.chosen);
}

TEST(BudgetSelection, AnItemOverBudgetIsNeverChosen) {
  const BudgetSelection one = select_within_budget(std::vector<BudgetItem>{{10, 100}}, 9.0);
  EXPECT_EQ(one.chosen, (std::vector<uint8_t>{0}));
  EXPECT_EQ(one.value, 0);
  EXPECT_TRUE(one.optimal);
  const BudgetSelection two = select_within_budget(std::vector<BudgetItem>{{10, 100}, {2, 1}}, 9.0);
  EXPECT_EQ(two.chosen, (std::vector<uint8_t>{0, 1}));
}

TEST(BudgetSelection, TheBudgetsToleranceIsTheSameInSearchAndResult) {
  // Exactly the budget, and a hair above it within the tolerance, fit; further above does not.
  const double budget = 0.3;
  const std::vector<BudgetItem> items = {{0.1, 1}, {0.2, 1}};  // 0.1 + 0.2 > 0.3 in double
  const BudgetSelection s = select_within_budget(items, budget);
  EXPECT_EQ(s.chosen, (std::vector<uint8_t>{1, 1}));
  EXPECT_LE(s.cost, limit_of(budget));
  EXPECT_EQ(select_within_budget(std::vector<BudgetItem>{{0.3 * (1 + 1e-9), 1}}, budget).value, 0);
}

TEST(BudgetSelection, EqualDensitiesAreDeterministic) {
  std::vector<BudgetItem> items;
  for (int i = 1; i <= 12; ++i) items.push_back({double(i), 2.0 * i});
  const BudgetSelection a = select_within_budget(items, 20.5);
  const BudgetSelection b = select_within_budget(items, 20.5);
  EXPECT_EQ(a.chosen, b.chosen);
  EXPECT_EQ(a.value, 40);
  EXPECT_TRUE(a.optimal);
  expect_consistent(items, 20.5, a);
}

TEST(BudgetSelection, BeatsGreedyWhereGreedyIsSuboptimal) {
  // By density the first item (2 per hectare) comes first and leaves no room for the second.
  const std::vector<BudgetItem> items = {{1, 2}, {10, 10}};
  const BudgetSelection s = select_within_budget(items, 10.0);
  EXPECT_EQ(s.chosen, (std::vector<uint8_t>{0, 1}));
  EXPECT_EQ(s.value, 10);
  EXPECT_TRUE(s.optimal);
  // Greedy-by-density is worse than the optimum here, and the search starts from it.
  const std::vector<BudgetItem> harder = {{3, 4}, {2, 2.5}, {2, 2.5}, {0.5, 0.1}};
  const BudgetSelection h = select_within_budget(harder, 4.0);
  EXPECT_EQ(h.chosen, (std::vector<uint8_t>{0, 1, 1, 0}));
  EXPECT_EQ(h.value, 5);
}

TEST(BudgetSelection, StoppedEarlyKeepsGreedyAndAValidBound) {
  for (uint32_t seed = 1; seed <= 10; ++seed) {
    const auto items = random_items(16, seed + 500);
    const double budget = random_budget(items, seed);
    const double best = brute_force(items, budget);
    for (int64_t limit : {0, 1, 2, 5}) {
      SCOPED_TRACE("seed=" + std::to_string(seed) + " limit=" + std::to_string(limit));
      const BudgetSelection s = select_within_budget(items, budget, limit);
      expect_consistent(items, budget, s);
      // The test's greedy sums in density order, the result in item order: equal up to rounding.
      EXPECT_GE(s.value, greedy(items, budget) * (1 - 1e-12));
      EXPECT_GE(s.upper_bound, best * (1 - 1e-12));
      EXPECT_TRUE(!s.optimal || s.value == s.upper_bound);
      EXPECT_TRUE(!s.optimal || std::fabs(s.value - best) <= 1e-9 * best);
      EXPECT_LE(s.nodes, limit);
    }
  }
}

TEST(BudgetSelection, TenThousandItems) {
  const auto items = random_items(10'000, 42);
  const double budget = random_budget(items, 42);
  const BudgetSelection s = select_within_budget(items, budget);
  expect_consistent(items, budget, s);
  EXPECT_GE(s.value, greedy(items, budget) * (1 - 1e-12));
  EXPECT_LE(s.value, s.upper_bound);
}

TEST(BudgetSelection, RefusesNegativeAndNaN) {
  const double nan = std::numeric_limits<double>::quiet_NaN();
  const std::vector<BudgetItem> ok = {{1, 1}};
  EXPECT_THROW(select_within_budget(ok, -1.0), std::invalid_argument);
  EXPECT_THROW(select_within_budget(ok, nan), std::invalid_argument);
  EXPECT_THROW(select_within_budget(ok, 1.0, -1), std::invalid_argument);
  for (const BudgetItem bad : {BudgetItem{-1, 1}, BudgetItem{1, -1}, BudgetItem{nan, 1}, BudgetItem{1, nan},
                               BudgetItem{std::numeric_limits<double>::infinity(), 1}})
    EXPECT_THROW(select_within_budget(std::vector<BudgetItem>{{1, 1}, bad}, 1.0), std::invalid_argument);
}
