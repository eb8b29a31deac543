#include "minerisk/kernels/metrics.hpp"

#include <algorithm>
#include <numeric>
#include <stdexcept>

namespace minerisk::kernels {
namespace {

// Cells sorted by score, highest first; ties keep a fixed order (by index) so results are
// reproducible, and every metric below treats a tie as one block anyway.
std::vector<size_t> by_score_descending(std::span<const ScoredCell> cells) {
  std::vector<size_t> order(cells.size());
  std::iota(order.begin(), order.end(), size_t{0});
  std::stable_sort(order.begin(), order.end(), [&](size_t a, size_t b) { return cells[a].score > cells[b].score; });
  return order;
}

// What a block of tied scores holds.
struct TieBlock {
  double cells = 0, positives = 0, items = 0, area = 0;
};

// Calls fn(block) for each block of tied scores, in decreasing score order.
template <class Fn>
void for_each_tie_block(std::span<const ScoredCell> cells, const std::vector<size_t>& order, Fn&& fn) {
  for (size_t i = 0; i < order.size();) {
    size_t j = i;
    TieBlock block;
    while (j < order.size() && cells[order[j]].score == cells[order[i]].score) {
      const ScoredCell& c = cells[order[j]];
      block.cells += 1;
      block.positives += c.items > 0 ? 1 : 0;
      block.items += c.items;
      block.area += c.area;
      ++j;
    }
    fn(block);
    i = j;
  }
}

// Items captured in the top share of the area (ties shared in proportion to their area).
std::vector<double> capture_at(std::span<const ScoredCell> cells, const std::vector<size_t>& order,
                               std::span<const double> fractions, double total_items) {
  std::vector<double> captured(fractions.size(), 0.0);
  double total = 0;
  for (const ScoredCell& c : cells) total += c.area;
  double area_before = 0, items_before = 0;
  for_each_tie_block(cells, order, [&](const TieBlock& block) {
    for (size_t k = 0; k < fractions.size(); ++k) {
      const double area = fractions[k] * total;
      if (area <= area_before) continue;
      const double take = std::min(block.area, area - area_before);
      captured[k] = (items_before + block.items * take / block.area) / total_items;
    }
    area_before += block.area;
    items_before += block.items;
  });
  return captured;
}

}  // namespace

RankingMetrics ranking_metrics(std::span<const ScoredCell> cells, std::span<const double> area_fractions) {
  RankingMetrics m;
  for (const ScoredCell& c : cells) {
    if (c.items > 0) ++m.positives, m.items += c.items;
    else ++m.negatives;
  }
  if (m.positives == 0 || m.negatives == 0)
    throw std::invalid_argument("ranking_metrics: needs at least one positive and one negative cell");
  const std::vector<size_t> order = by_score_descending(cells);

  // ROC-AUC (Mann-Whitney): for each positive, the negatives below it, ties counting half.
  // Average precision: sum over thresholds of (recall step) x (precision at that threshold).
  // False alarms above each item: negatives in strictly higher blocks.
  double negatives_above = 0, positives_above = 0, auc = 0, ap = 0, alarms = 0;
  const auto P = static_cast<double>(m.positives), N = static_cast<double>(m.negatives);
  for_each_tie_block(cells, order, [&](const TieBlock& block) {
    const double n = block.cells, pos = block.positives, items = block.items, neg = n - pos;
    auc += pos * (N - negatives_above - neg) + 0.5 * pos * neg;
    const double tp = positives_above + pos, predicted = positives_above + negatives_above + n;
    if (pos > 0) ap += (pos / P) * (tp / predicted);
    alarms += items * negatives_above;
    negatives_above += neg;
    positives_above += pos;
  });
  m.roc_auc = auc / (P * N);
  m.average_precision = ap;
  m.mean_false_alarms_above = alarms / m.items;
  m.area_fractions.assign(area_fractions.begin(), area_fractions.end());
  m.captured = capture_at(cells, order, area_fractions, m.items);
  return m;
}

std::vector<double> capture_curve(std::span<const ScoredCell> cells, int points) {
  double items = 0;
  for (const ScoredCell& c : cells) items += c.items;
  if (items <= 0 || points < 2) throw std::invalid_argument("capture_curve: needs true items and two points");
  std::vector<double> fractions(static_cast<size_t>(points));
  for (int i = 0; i < points; ++i) fractions[static_cast<size_t>(i)] = static_cast<double>(i) / (points - 1);
  return capture_at(cells, by_score_descending(cells), fractions, items);
}

}  // namespace minerisk::kernels
