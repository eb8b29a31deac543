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

// Calls fn(block_cells, block_positive_cells, block_items) for each block of tied scores, in
// decreasing score order.
template <class Fn>
void for_each_tie_block(std::span<const ScoredCell> cells, const std::vector<size_t>& order, Fn&& fn) {
  for (size_t i = 0; i < order.size();) {
    size_t j = i;
    double n = 0, pos = 0, items = 0;
    while (j < order.size() && cells[order[j]].score == cells[order[i]].score) {
      n += 1;
      pos += cells[order[j]].items > 0 ? 1 : 0;
      items += cells[order[j]].items;
      ++j;
    }
    fn(n, pos, items);
    i = j;
  }
}

// Items captured in the top `area` cells (ties shared in proportion).
std::vector<double> capture_at(std::span<const ScoredCell> cells, const std::vector<size_t>& order,
                               std::span<const double> fractions, double total_items) {
  std::vector<double> captured(fractions.size(), 0.0);
  const double total = static_cast<double>(cells.size());
  double cells_before = 0, items_before = 0;
  for_each_tie_block(cells, order, [&](double n, double, double items) {
    for (size_t k = 0; k < fractions.size(); ++k) {
      const double area = fractions[k] * total;
      if (area <= cells_before) continue;
      const double take = std::min(n, area - cells_before);
      captured[k] = (items_before + items * take / n) / total_items;
    }
    cells_before += n;
    items_before += items;
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
  for_each_tie_block(cells, order, [&](double n, double pos, double items) {
    const double neg = n - pos;
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
