#include "areas_totals.hpp"

#include <bit>
#include <cstdint>

namespace minerisk::ops {

float threshold_for_share(std::span<const float> probability, const Grid& grid, double share, double total_m2,
                          const Control& control) {
  const auto held_above = [&](float t) {
    return tally_grid(probability, grid, control, [&](size_t i) { return probability[i] >= t; }).expected_m2;
  };
  uint32_t lo = 0, hi = std::bit_cast<uint32_t>(1.0f);  // held_above(lo) >= share * total
  while (hi - lo > 1) {
    const uint32_t mid = lo + (hi - lo) / 2;
    if (held_above(std::bit_cast<float>(mid)) >= share * total_m2) lo = mid;
    else hi = mid;
  }
  return std::bit_cast<float>(lo);
}

}  // namespace minerisk::ops
