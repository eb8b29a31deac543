// fit's refusal of a constant layer says why in the words of the folds in use: a layer built
// from the labels outside each fold is constant when blocks are too large, or when the zones lie
// beyond its reach of one another (a validation on four municipalities far apart was told to use
// --block-size, which its script does not have and zones do not use).
#include <gtest/gtest.h>

#include <string>

#include "minerisk/engine/errors.hpp"
#include "minerisk/engine/scenario.hpp"
#include "ops/fit_design.hpp"

namespace {
std::string refusal(bool by_zones) {
  minerisk::Scenario s;
  s.file = "region/scenario.toml";
  s.evidence.emplace_back();
  s.evidence.back().name = "finds";
  minerisk::fit_detail::Design d;
  d.X = Eigen::MatrixXd::Constant(4, 1, 0.25);  // the out-of-fold finds layer: the same everywhere
  d.raw = d.X;
  d.y = Eigen::VectorXd(4);
  d.y << 1, 0, 1, 0;
  d.cell = {0, 1, 2, 3};
  try {
    minerisk::fit_detail::check_design(s, d, {0}, 0, by_zones);
  } catch (const minerisk::UserError& e) {
    return e.what();
  }
  return "";
}
}  // namespace

TEST(FitDesignCheck, AConstantOutOfFoldLayerIsExplainedByTheFoldsInUse) {
  const std::string blocks = refusal(false), zones = refusal(true);
  EXPECT_NE(blocks.find("layer 'model.evidence.finds' is constant over the training cells"), std::string::npos);
  EXPECT_NE(blocks.find("use smaller blocks (--block-size) or zones (--zones)"), std::string::npos) << blocks;
  EXPECT_NE(zones.find("built from the labels of the other zones, and none lies within its reach"), std::string::npos)
      << zones;
  EXPECT_EQ(zones.find("--block-size"), std::string::npos) << zones;
}
