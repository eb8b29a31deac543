// The change map: NEW - OLD beyond a threshold, and its tally (kernels/change.hpp).
#include "minerisk/kernels/change.hpp"

#include <cmath>
#include <stdexcept>

namespace minerisk::kernels {
namespace {

// True when `a` comes before `b` in row-major order.
bool before(const ExtremeChange& a, const ExtremeChange& b) { return a.row < b.row || (a.row == b.row && a.col < b.col); }

// `candidate` replaces `best` when it goes further in `direction` (+1 rises, -1 falls), or as
// far but earlier in row-major order; an empty candidate never does.
void keep_extreme(ExtremeChange& best, const ExtremeChange& candidate, double direction) {
  if (candidate.row < 0) return;
  const double a = candidate.change * direction, b = best.change * direction;
  if (best.row < 0 || a > b || (a == b && before(candidate, best))) best = candidate;
}

}  // namespace

void ChangeTally::merge(const ChangeTally& other) {
  rose += other.rose, fell += other.fell, unchanged += other.unchanged;
  for (const auto& [row, counts] : other.rows)
    for (size_t k = 0; k < 3; ++k) rows[row][k] += counts[k];
  one_sided += other.one_sided;
  sum_abs_change += other.sum_abs_change;
  keep_extreme(largest_rise, other.largest_rise, 1.0);
  keep_extreme(largest_fall, other.largest_fall, -1.0);
}

double ChangeTally::area_m2(Kind kind, const GridFrame& frame) const {
  const double cell = std::fabs(frame.cell_width() * frame.cell_height());
  double total = 0;
  for (const auto& [row, counts] : rows) {
    const MetricScale scale = frame.scale_at_row(row);
    total += static_cast<double>(counts[static_cast<size_t>(kind)]) * (cell * scale.x * scale.y);
  }
  return total;
}

ChangeTally change_map(std::span<const float> old_values, std::span<const float> new_values, const Window& window,
                       const GridFrame& frame, double threshold, std::span<float> change) {
  const auto n = static_cast<size_t>(window.cells());
  if (old_values.size() != n || new_values.size() != n || change.size() != n)
    throw std::invalid_argument("change_map: every buffer must hold the window's cells");
  (void)frame;  // areas come later, from the counts per row (ChangeTally::area_m2)
  ChangeTally t;
  for (int64_t r = 0; r < window.height; ++r) {
    const int64_t row = window.row0 + r;
    double abs_sum = 0;
    int64_t rose = 0, fell = 0, unchanged = 0;
    for (int64_t c = 0; c < window.width; ++c) {
      const auto i = static_cast<size_t>(r * window.width + c);
      const float a = old_values[i], b = new_values[i];
      const bool has_a = std::isfinite(a), has_b = std::isfinite(b);
      if (!has_a || !has_b) {
        change[i] = NAN;
        t.one_sided += has_a != has_b;
        continue;
      }
      const double d = static_cast<double>(b) - static_cast<double>(a);
      abs_sum += std::fabs(d);
      if (std::fabs(d) <= threshold) {
        change[i] = 0.0f;
        ++unchanged;
      } else {
        change[i] = static_cast<float>(d);
        ++(d > 0 ? rose : fell);
      }
      const ExtremeChange here{d, row, window.col0 + c};
      if (d > 0) keep_extreme(t.largest_rise, here, 1.0);
      if (d < 0) keep_extreme(t.largest_fall, here, -1.0);
    }
    t.rose += rose, t.fell += fell, t.unchanged += unchanged;
    if (rose + fell + unchanged > 0) t.rows[row] = {rose, fell, unchanged};
    t.sum_abs_change += abs_sum;
  }
  return t;
}

}  // namespace minerisk::kernels
