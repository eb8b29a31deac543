#pragma once
// How well a risk score ranks land against the truth: ROC-AUC, PR-AUC (average precision), the
// capture curve, and the false alarms ranked above each true item.
#include <cstdint>
#include <span>
#include <vector>

namespace minerisk::kernels {

/// One scored unit (a cell): its score and how many true items (devices) it holds; a cell with
/// items > 0 is a positive. Its area weighs it in the capture curve only (the share of the
/// land): on a geographic grid a row's cells shrink toward the poles. ROC-AUC and PR-AUC rank
/// cells, as scikit-learn does.
struct ScoredCell {
  double score;
  double items;
  double area = 1;  // in any unit, the same for every cell: 1 counts cells
};

struct RankingMetrics {
  double roc_auc = 0;            // probability that a positive outranks a negative, ties count half
  double average_precision = 0;  // PR-AUC as scikit-learn's average_precision_score
  double mean_false_alarms_above = 0;  // per true item: negatives with a strictly higher score
  int64_t positives = 0, negatives = 0;
  double items = 0;
  /// The capture curve: share of true items in the top share of the cells' area, ranked by
  /// score, at `area_fractions` (ties are taken as a block, in proportion to their area).
  std::vector<double> area_fractions, captured;
};

/// Computes every metric. Needs at least one positive and one negative cell.
RankingMetrics ranking_metrics(std::span<const ScoredCell> cells, std::span<const double> area_fractions);

/// The capture curve sampled at `points` evenly spaced area shares (for a picture).
std::vector<double> capture_curve(std::span<const ScoredCell> cells, int points);

}  // namespace minerisk::kernels
