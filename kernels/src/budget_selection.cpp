// Choosing items within a budget: 0/1 knapsack by branch and bound (kernels/budget_selection.hpp).
//
// The search is Horowitz and Sahni's depth-first scheme: items sorted by value/cost, each node
// bounded by Dantzig's LP relaxation (the items that fit whole, then a fraction of the next),
// a forward move taking every item that still fits, and a backtrack that drops the last item
// taken. It runs on an explicit stack (a path can be as long as the number of items).
#include "minerisk/kernels/budget_selection.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <stdexcept>
#include <string>

namespace minerisk::kernels {
namespace {

constexpr double kInf = std::numeric_limits<double>::infinity();

void require_amount(double x, const char* what, size_t index) {
  if (!(x >= 0) || !std::isfinite(x))
    throw std::invalid_argument("select_within_budget: item " + std::to_string(index) + " has a " + what + " of " +
                                std::to_string(x) + "; costs and values must be finite and >= 0");
}

// The items that take part in the search (cost > 0, value > 0, fitting alone), in the search's
// order, with what the bound needs precomputed.
struct Candidates {
  std::vector<size_t> item;            // index in the caller's items
  std::vector<double> cost, value, density;
  std::vector<double> cost_prefix, value_prefix;  // sums of the first k, k = 0..m
  std::vector<double> min_cost_from;              // the cheapest item from position k on (kInf at m)
  size_t size() const { return item.size(); }
};

Candidates candidates_of(std::span<const BudgetItem> items, double limit) {
  Candidates c;
  for (size_t i = 0; i < items.size(); ++i)
    if (items[i].cost > 0 && items[i].value > 0 && items[i].cost <= limit) c.item.push_back(i);
  // By value/cost, densest first; equal densities keep item order, so the search (and which of
  // several equal selections it keeps) depends on nothing but the input.
  std::stable_sort(c.item.begin(), c.item.end(), [&](size_t a, size_t b) {
    return items[a].value / items[a].cost > items[b].value / items[b].cost;
  });
  const size_t m = c.size();
  c.cost.resize(m), c.value.resize(m), c.density.resize(m);
  c.cost_prefix.assign(m + 1, 0), c.value_prefix.assign(m + 1, 0), c.min_cost_from.assign(m + 1, kInf);
  for (size_t k = 0; k < m; ++k) {
    const BudgetItem& it = items[c.item[k]];
    c.cost[k] = it.cost, c.value[k] = it.value, c.density[k] = it.value / it.cost;
    c.cost_prefix[k + 1] = c.cost_prefix[k] + it.cost;
    c.value_prefix[k + 1] = c.value_prefix[k] + it.value;
  }
  for (size_t k = m; k-- > 0;) c.min_cost_from[k] = std::min(c.cost[k], c.min_cost_from[k + 1]);
  return c;
}

// Dantzig's bound of a node: `value` so far, `spent` of `limit`, items from position `from` on
// still open. The whole items that fit are found by binary search on the prefix sums, so a node
// costs O(log m) however far the bound reaches.
double lp_bound(const Candidates& c, size_t from, double spent, double value, double limit) {
  const double room = limit - spent;
  const auto first = c.cost_prefix.begin() + static_cast<std::ptrdiff_t>(from);
  const size_t r = static_cast<size_t>(std::upper_bound(first, c.cost_prefix.end(), c.cost_prefix[from] + room) -
                                       c.cost_prefix.begin()) - 1;  // items from..r-1 fit whole
  double bound = value + (c.value_prefix[r] - c.value_prefix[from]);
  // The fraction of the first item that does not fit whole. Tested for > 0 first: with rounding
  // the room left can be a hair below 0, and a tiny cost can make the density infinite.
  const double left = room - (c.cost_prefix[r] - c.cost_prefix[from]);
  if (r < c.size() && left > 0) bound += left * c.density[r];
  return bound;
}

// The search's state. `taken` is indexed by the caller's items, so that a new best selection can
// be checked against the budget with its costs summed in item order, as the result reports them.
class Search {
 public:
  Search(std::span<const BudgetItem> items, const Candidates& c, double limit)
      : items_(items), c_(c), limit_(limit), taken_(items.size(), 0), best_(items.size(), 0) {}

  // The starting selection: greedy by density (skipping what no longer fits) or the best single
  // item, whichever is worth more; together they guarantee at least half the optimum.
  void start_from_greedy() {
    double spent = 0, value = 0;
    std::vector<size_t> greedy;
    for (size_t k = 0; k < c_.size(); ++k)
      if (spent + c_.cost[k] <= limit_) spent += c_.cost[k], value += c_.value[k], greedy.push_back(k);
    // Summed in item order the costs may round a hair above the limit: drop the last items taken
    // until they do not (in practice never more than one).
    for (;;) {
      for (size_t k : greedy) best_[c_.item[k]] = 1;
      if (cost_in_item_order(best_) <= limit_) break;
      for (size_t k : greedy) best_[c_.item[k]] = 0;
      value -= c_.value[greedy.back()], greedy.pop_back();
    }
    best_value_ = value;
    size_t single = 0;  // the most valuable item; the first of equals
    for (size_t k = 1; k < c_.size(); ++k)
      if (c_.value[k] > c_.value[single] || (c_.value[k] == c_.value[single] && c_.item[k] < c_.item[single]))
        single = k;
    if (c_.size() > 0 && c_.value[single] > best_value_) {
      std::fill(best_.begin(), best_.end(), 0);
      best_[c_.item[single]] = 1;
      best_value_ = c_.value[single];
    }
  }

  // Depth-first branch and bound from the root. Returns true when the search finished.
  bool run(int64_t node_limit) {
    const size_t m = c_.size();
    size_t from = 0;  // the next open item of the current node
    double spent = 0, value = 0;
    for (;;) {
      bool backtrack = false;
      if (nodes_ >= node_limit) {
        open_bound_ = lp_bound(c_, from, spent, value, limit_);
        if (value > best_value_) consider(value);
        // Open too: the "leave out" branch of every item taken on the path.
        for (const Frame& f : path_)
          open_bound_ = std::max(open_bound_, lp_bound(c_, f.k + 1, f.spent, f.value, limit_));
        return false;
      }
      ++nodes_;
      if (from >= m || spent + c_.min_cost_from[from] > limit_) {
        // A leaf: nothing more fits. Only a strictly better value replaces the best, so of equal
        // selections the first found (the one taking denser, earlier items) stays.
        if (value > best_value_) consider(value);
        backtrack = true;
      } else if (lp_bound(c_, from, spent, value, limit_) <= best_value_) {
        backtrack = true;  // nothing below this node can beat the best
      } else {
        // Forward: take every item that still fits, in order; the first that does not is left out
        // (its "take" branch is infeasible) and the next node starts after it.
        while (from < m && spent + c_.cost[from] <= limit_) {
          path_.push_back({from, spent, value});
          taken_[c_.item[from]] = 1;
          spent += c_.cost[from], value += c_.value[from];
          ++from;
        }
        if (from < m) ++from;
      }
      if (backtrack) {
        if (path_.empty()) return true;
        // Drop the last item taken: its "leave out" branch is the next node. The sums come back
        // from the frame, not by subtraction, so they never drift.
        const Frame f = path_.back();
        path_.pop_back();
        taken_[c_.item[f.k]] = 0;
        from = f.k + 1, spent = f.spent, value = f.value;
      }
    }
  }

  const std::vector<uint8_t>& best() const { return best_; }
  double best_value() const { return best_value_; }
  double open_bound() const { return open_bound_; }
  int64_t nodes() const { return nodes_; }

 private:
  struct Frame {
    size_t k;             // the position taken
    double spent, value;  // the sums before taking it
  };

  double cost_in_item_order(const std::vector<uint8_t>& chosen) const {
    double cost = 0;
    for (size_t i = 0; i < chosen.size(); ++i)
      if (chosen[i]) cost += items_[i].cost;
    return cost;
  }

  // The current path as the new best, if its costs in item order are within the limit too.
  void consider(double value) {
    if (cost_in_item_order(taken_) > limit_) return;
    best_ = taken_;
    best_value_ = value;
  }

  std::span<const BudgetItem> items_;
  const Candidates& c_;
  double limit_;
  std::vector<uint8_t> taken_, best_;
  std::vector<Frame> path_;
  double best_value_ = 0;
  double open_bound_ = -kInf;  // the best bound of the nodes left open (-inf: none)
  int64_t nodes_ = 0;
};

}  // namespace

BudgetSelection select_within_budget(std::span<const BudgetItem> items, double budget, int64_t node_limit) {
  if (!(budget >= 0))
    throw std::invalid_argument("select_within_budget: the budget is " + std::to_string(budget) +
                                "; it must be >= 0 (and not NaN)");
  if (node_limit < 0)
    throw std::invalid_argument("select_within_budget: node_limit is " + std::to_string(node_limit) +
                                "; it must be >= 0");
  for (size_t i = 0; i < items.size(); ++i)
    require_amount(items[i].cost, "cost", i), require_amount(items[i].value, "value", i);

  const double limit = budget * (1 + kBudgetTolerance) + kBudgetTolerance;
  const Candidates c = candidates_of(items, limit);
  Search search(items, c, limit);
  search.start_from_greedy();
  const bool finished = search.run(node_limit);

  BudgetSelection out;
  out.chosen = search.best();
  for (size_t i = 0; i < items.size(); ++i)
    if (items[i].cost == 0 && items[i].value > 0) out.chosen[i] = 1;  // free and worth something
  for (size_t i = 0; i < items.size(); ++i)
    if (out.chosen[i]) out.value += items[i].value, out.cost += items[i].cost;
  out.nodes = search.nodes();
  // Stopped early, the search may still prove optimality: no open node's bound above the best.
  out.optimal = finished || search.open_bound() <= search.best_value();
  if (out.optimal) {
    out.upper_bound = out.value;
  } else {
    double free_value = 0;  // what the always-chosen items add to every selection's value
    for (const BudgetItem& it : items)
      if (it.cost == 0) free_value += it.value;
    out.upper_bound = std::max(out.value, free_value + search.open_bound());
  }
  return out;
}

}  // namespace minerisk::kernels
