#include <charconv>
#include <stdexcept>
#include "sweep_statistics.hpp"

#include <algorithm>
#include <bit>
#include <cmath>
#include <sstream>

namespace minerisk::sweep {

int bin_of(float p) {
  const float clamped = p > 0.0f ? std::min(p, 1.0f) : 0.0f;  // NaN and negatives to bin 0
  return static_cast<int>(std::bit_cast<uint32_t>(clamped) >> kShift);
}

int top_bin(const std::vector<int64_t>& histogram, int64_t wanted) {
  int64_t taken = 0;
  int b = kBins - 1;
  for (; b > 0; --b) {
    taken += histogram[static_cast<size_t>(b)];
    if (taken >= wanted) break;
  }
  return b;
}

float percentile(std::vector<float>& values, double q) {
  const double position = q * static_cast<double>(values.size() - 1);
  const auto lo = static_cast<size_t>(std::floor(position));
  std::nth_element(values.begin(), values.begin() + static_cast<std::ptrdiff_t>(lo), values.end());
  const float low = values[lo];
  const float high = lo + 1 < values.size() ? *std::min_element(values.begin() + static_cast<std::ptrdiff_t>(lo) + 1, values.end()) : low;
  const double f = position - static_cast<double>(lo);
  return static_cast<float>(low + f * (static_cast<double>(high) - low));
}

std::string threshold_text(double t) {
  char text[32];
  const auto end = std::to_chars(text, text + sizeof text, t).ptr;  // the shortest that reads back as t
  return std::string(text, end);
}

std::string threshold_name(double t) {
  // A CF variable name has letters, digits and underscores only (CF 2.3): 0.5 -> 0p5, 1e-05 -> 1em05.
  std::string name;
  for (char c : threshold_text(t)) {
    if (c == '.') name += 'p';
    else if (c == '-') name += 'm';
    else if (c != '+') name += c;
  }
  return name;
}

Totals::Totals(size_t n, size_t thresholds)
    : expected_milli_m2(n + 1, 0),
      above_milli_m2(thresholds, std::vector<int64_t>(n, 0)),
      histogram(n, std::vector<int64_t>(kBins, 0)),
      in_base_top(n, std::vector<int64_t>(kBins, 0)) {}

void Totals::add(const Totals& o) {
  for (size_t k = 0; k < o.expected_milli_m2.size(); ++k) expected_milli_m2[k] += o.expected_milli_m2[k];
  for (size_t t = 0; t < o.above_milli_m2.size(); ++t)
    for (size_t k = 0; k < o.above_milli_m2[t].size(); ++k) above_milli_m2[t][k] += o.above_milli_m2[t][k];
  for (size_t k = 0; k < o.histogram.size(); ++k)
    for (int b = 0; b < kBins; ++b) {
      histogram[k][static_cast<size_t>(b)] += o.histogram[k][static_cast<size_t>(b)];
      in_base_top[k][static_cast<size_t>(b)] += o.in_base_top[k][static_cast<size_t>(b)];
    }
  base_top += o.base_top;
}

std::vector<int64_t> Totals::flat() const {
  std::vector<int64_t> out(expected_milli_m2);
  for (const auto& v : above_milli_m2) out.insert(out.end(), v.begin(), v.end());
  for (const auto& v : histogram) out.insert(out.end(), v.begin(), v.end());
  for (const auto& v : in_base_top) out.insert(out.end(), v.begin(), v.end());
  out.push_back(base_top);
  return out;
}

void Totals::add_flat(const std::vector<int64_t>& sums) {
  size_t at = 0;
  auto add_to = [&](std::vector<int64_t>& v) {
    if (sums.size() < at + v.size()) throw std::runtime_error("a sweep's totals from another rank are cut short");
    for (int64_t& x : v) x += sums[at++];
  };
  add_to(expected_milli_m2);
  for (auto& v : above_milli_m2) add_to(v);
  for (auto& v : histogram) add_to(v);
  for (auto& v : in_base_top) add_to(v);
  if (sums.size() != at + 1) throw std::runtime_error("a sweep's totals from another rank are malformed");
  base_top += sums[at];
}

CellStatistics cell_statistics(const std::vector<std::vector<float>>& probs, const kernels::Window& tile,
                               const Grid& grid, const std::vector<double>& thresholds, int base_top_bin,
                               Totals& totals) {
  const auto n = static_cast<size_t>(tile.cells());
  const auto n_s = static_cast<int64_t>(probs.size()) - 1;
  CellStatistics c;
  c.mean.assign(n, NAN), c.sd.assign(n, NAN), c.p05.assign(n, NAN), c.p50.assign(n, NAN), c.p95.assign(n, NAN);
  c.above.assign(thresholds.size(), std::vector<float>(n, NAN));
  std::vector<float> values(static_cast<size_t>(n_s));
  const std::vector<float>& base = probs.back();
  for (size_t i = 0; i < n; ++i) {
    if (std::isnan(base[i])) continue;
    const bool top = bin_of(base[i]) >= base_top_bin;
    totals.base_top += top;
    const int64_t row = tile.row0 + static_cast<int64_t>(i) / tile.width;
    const kernels::MetricScale sc = grid.frame.scale_at_row(row);
    const double area = grid.frame.cell_width() * sc.x * grid.frame.cell_height() * sc.y * 1000.0;  // thousandths of a square metre
    double sum = 0;
    for (int64_t k = 0; k < n_s; ++k) {
      const auto ks = static_cast<size_t>(k);
      const float p = probs[ks][i];
      values[ks] = p;
      sum += p;
      totals.expected_milli_m2[ks] += std::llround(p * area);
      const auto b = static_cast<size_t>(bin_of(p));
      ++totals.histogram[ks][b];
      if (top) ++totals.in_base_top[ks][b];
      for (size_t t = 0; t < thresholds.size(); ++t)
        if (p > thresholds[t]) totals.above_milli_m2[t][ks] += std::llround(area);
    }
    totals.expected_milli_m2.back() += std::llround(base[i] * area);
    const double mu = sum / static_cast<double>(n_s);
    double var = 0;
    for (float v : values) var += (v - mu) * (v - mu);
    c.mean[i] = static_cast<float>(mu);
    c.sd[i] = static_cast<float>(std::sqrt(var / static_cast<double>(n_s)));
    for (size_t t = 0; t < thresholds.size(); ++t) {
      int64_t count = 0;
      for (float v : values) count += v > thresholds[t];
      c.above[t][i] = static_cast<float>(static_cast<double>(count) / static_cast<double>(n_s));
    }
    c.p05[i] = percentile(values, 0.05), c.p50[i] = percentile(values, 0.50), c.p95[i] = percentile(values, 0.95);
  }
  return c;
}

}  // namespace minerisk::sweep
