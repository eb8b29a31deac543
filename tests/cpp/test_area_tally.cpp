// kernels::tally_area against sums written out by hand: the covered cells only, no-data left
// out (of the probability: the cell; of a further raster: that raster's sums only), per-row
// cell areas on a geographic grid, and merging bands giving the whole window's sums.
#include <gtest/gtest.h>

#include <cmath>
#include <vector>

#include "minerisk/kernels/area_tally.hpp"

using minerisk::kernels::AreaTally;
using minerisk::kernels::cell_area_m2;
using minerisk::kernels::GridFrame;
using minerisk::kernels::tally_area;
using minerisk::kernels::Window;

namespace {

GridFrame projected(double dx, double dy) {
  GridFrame f;
  f.geotransform = {500000, dx, 0, 4000000, 0, -dy};
  f.width = 4, f.height = 3;
  return f;
}

}  // namespace

TEST(AreaTally, SumsOnlyTheCoveredCellsWithAProbability) {
  const GridFrame frame = projected(10, 20);  // non-square cells: 200 m2 each
  const Window w{0, 0, 4, 3};
  const std::vector<uint8_t> covered = {1, 1, 0, 0, 1, 1, 1, 0, 0, 0, 1, 1};
  const std::vector<float> p = {0.5f, NAN, 0.9f, 0.9f, 0.25f, 0.75f, 1.0f, 0.9f, 0.9f, 0.9f, 0.0f, 0.125f};
  const std::vector<float> slope = {10, 20, 99, 99, NAN, 30, 40, 99, 99, 99, 50, 60};
  const std::vector<std::span<const float>> further = {slope};
  const AreaTally t = tally_area(covered, p, further, w, frame);
  EXPECT_EQ(t.cells, 6);  // the covered NaN cell is not land with a probability
  EXPECT_DOUBLE_EQ(t.area_m2, 6 * 200.0);
  EXPECT_DOUBLE_EQ(t.expected_m2, (0.5 + 0.25 + 0.75 + 1.0 + 0.0 + 0.125) * 200.0);
  EXPECT_DOUBLE_EQ(t.max_p, 1.0);
  EXPECT_DOUBLE_EQ(t.area[0], 5 * 200.0);  // slope has no value on one of the six
  EXPECT_DOUBLE_EQ(t.mean(0), (10 + 30 + 40 + 50 + 60) / 5.0);
  EXPECT_DOUBLE_EQ(t.minimum[0], 10);
  EXPECT_DOUBLE_EQ(t.total[0], 190);
}

TEST(AreaTally, GeographicCellsTakeTheirRowsArea) {
  GridFrame frame;
  frame.geographic = true;
  frame.geotransform = {40, 0.01, 0, 60, 0, -0.01};
  frame.width = 2, frame.height = 2;
  const std::vector<uint8_t> covered(4, 1);
  const std::vector<float> p(4, 1.0f);
  const AreaTally t = tally_area(covered, p, {}, {0, 0, 2, 2}, frame);
  EXPECT_DOUBLE_EQ(t.area_m2, 2 * cell_area_m2(frame, 0) + 2 * cell_area_m2(frame, 1));
  EXPECT_GT(cell_area_m2(frame, 1), cell_area_m2(frame, 0));  // farther south, wider cells
}

TEST(AreaTally, BandsMergedInOrderGiveTheWholeWindow) {
  const GridFrame frame = projected(10, 10);
  std::vector<uint8_t> covered(12, 1);
  std::vector<float> p = {0.1f, 0.2f, 0.3f, 0.4f, 0.5f, 0.6f, 0.7f, 0.8f, 0.9f, 1.0f, 0.0f, 0.05f};
  const AreaTally whole = tally_area(covered, p, {}, {0, 0, 4, 3}, frame);
  AreaTally merged;
  for (int64_t r = 0; r < 3; ++r)
    merged.merge(tally_area(std::span(covered).subspan(static_cast<size_t>(r * 4), 4),
                            std::span<const float>(p).subspan(static_cast<size_t>(r * 4), 4), {}, {0, r, 4, 1}, frame));
  EXPECT_EQ(merged.cells, whole.cells);
  EXPECT_NEAR(merged.expected_m2, whole.expected_m2, 1e-9);
  EXPECT_EQ(merged.max_p, whole.max_p);
}

TEST(AreaTally, RefusesBuffersOfAnotherSize) {
  const std::vector<uint8_t> covered(3, 1);
  const std::vector<float> p(4, 0.5f);
  EXPECT_THROW(tally_area(covered, p, {}, {0, 0, 2, 2}, projected(10, 10)), std::invalid_argument);
}
