#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <vector>

#include "minerisk/engine/errors.hpp"
#include "minerisk/engine/nearest_name.hpp"
#include "minerisk/engine/scenario.hpp"

namespace fs = std::filesystem;
using namespace minerisk;

namespace {

// Each test writes into its own folder: ctest runs tests in parallel processes.
fs::path write_scenario(const std::string& name, const std::string& text) {
  const fs::path dir = fs::temp_directory_path() / "minerisk_scenario_tests" /
                       ::testing::UnitTest::GetInstance()->current_test_info()->name();
  fs::create_directories(dir);
  const fs::path p = dir / name;
  std::ofstream(p) << text;
  return p;
}

const char* kMinimal = R"(
[terrain]
dem = "dem.tif"
[finds]
path = "finds.gpkg"
[model]
intercept = -3
[model.evidence.density]
feature = "find_density"
weight = 1.5
bandwidth = 200
transform = { type = "exp_decay", length = 50 }
)";

std::string error_of(const std::string& text) {
  try {
    load_scenario(write_scenario("bad.toml", text));
  } catch (const UserError& e) {
    return e.what();
  }
  return "";
}

}  // namespace

TEST(Scenario, ResolvesPathsAndDefaults) {
  const fs::path p = write_scenario("ok.toml", kMinimal);
  const Scenario s = load_scenario(p);
  EXPECT_EQ(s.dem, p.parent_path() / "dem.tif");
  EXPECT_DOUBLE_EQ(s.intercept, -3.0);
  ASSERT_EQ(s.evidence.size(), 1u);
  EXPECT_EQ(s.evidence[0].feature, "find_density");
  EXPECT_DOUBLE_EQ(s.evidence[0].transform.length, 50.0);
  EXPECT_DOUBLE_EQ(s.finds->default_value, 1.0);
  EXPECT_NE(s.resolved_toml.find("exp_decay"), std::string::npos);
  EXPECT_EQ(s.title, "ok");
}

TEST(Scenario, UnknownKeySuggestsTheNearest) {
  std::string text = kMinimal;
  text.replace(text.find("weight = 1.5"), 12, "wieght = 1.5");
  const std::string e = error_of(text);
  EXPECT_NE(e.find("model.evidence.density.wieght"), std::string::npos) << e;
  EXPECT_NE(e.find("did you mean 'weight'"), std::string::npos) << e;
}

TEST(Scenario, MissingRequiredKeyIsNamed) {
  std::string text = kMinimal;
  text.replace(text.find("intercept = -3"), 14, "");
  const std::string e = error_of(text);
  EXPECT_NE(e.find("'model.intercept' is missing"), std::string::npos) << e;
}

TEST(Scenario, OutOfRangeValuesAreRejected) {
  std::string text = kMinimal;
  text.replace(text.find("bandwidth = 200"), 15, "bandwidth = -5");
  EXPECT_NE(error_of(text).find("'model.evidence.density.bandwidth' must be a positive number of metres from 0.001"),
            std::string::npos)
      << error_of(text);
  EXPECT_NE(error_of(std::string(kMinimal) + "[cleared]\npath = \"c.gpkg\"\npod = 1.5\n").find("'cleared.pod' must lie in [0, 1]"),
            std::string::npos);
  EXPECT_NE(error_of(std::string(kMinimal) + "[grid]\ncrs = \"EPSG:32638\"\nresolution = 0\nbounds = [0, 0, 10, 10]\n")
                .find("'grid.resolution' must be a positive number"),
            std::string::npos);
}

TEST(Scenario, FeatureNeedsItsInput) {
  std::string text = kMinimal;
  text.replace(text.find("[finds]\npath = \"finds.gpkg\"\n"), 28, "");
  EXPECT_NE(error_of(text).find("needs finds; add [finds]"), std::string::npos) << error_of(text);
}

TEST(Scenario, UnknownTransformAndFeatureSuggest) {
  std::string text = kMinimal;
  text.replace(text.find("\"exp_decay\""), 11, "\"exp_decy\"");
  EXPECT_NE(error_of(text).find("did you mean 'exp_decay'"), std::string::npos) << error_of(text);
  text = kMinimal;
  text.replace(text.find("\"find_density\""), 14, "\"find_densty\"");
  EXPECT_NE(error_of(text).find("did you mean 'find_density'"), std::string::npos);
}

// A layer's name names its variable in the evidence file: a '/' made HDF5 fail, and 'x' or
// 'crs' collided with the file's own variables (both an internal error, exit code 1).
TEST(Scenario, LayerNamesAreCfVariableNames) {
  const auto named = [](const std::string& name) {
    std::string text = kMinimal;
    text.replace(text.find("[model.evidence.density]"), 24, "[model.evidence." + name + "]");
    return error_of(text);
  };
  for (const std::string& good : std::vector<std::string>{"density", "D2", "find_density_2km", std::string(200, 'a')})
    EXPECT_EQ(named(good), "") << good;
  for (const std::string& bad : std::vector<std::string>{"\"a/b\"", "\"with space\"", "\"a.b\"", "_lead", "9lives", "\"\"", "\"caf\u00e9\"",
                                std::string(201, 'a')})
    EXPECT_NE(named(bad).find("is not a name: begin with a letter and use only letters, digits and underscores"),
              std::string::npos)
        << bad << ": " << named(bad);
  for (const std::string& taken : std::vector<std::string>{"x", "y", "crs", "clearance"})
    EXPECT_NE(named(taken).find("layer name '" + taken + "' in [model.evidence] is taken by the evidence file's own"),
              std::string::npos)
        << named(taken);
  // A long name is shortened in the message, which stays one readable line.
  EXPECT_LT(named(std::string(200000, 'b')).size(), 700u);
}

TEST(Scenario, InvalidTomlAndMissingFile) {
  EXPECT_NE(error_of("[terrain\n").find("not valid TOML"), std::string::npos);
  EXPECT_THROW(load_scenario("/nonexistent/scenario.toml"), UserError);
}

TEST(NearestName, EditDistanceAndSuggestions) {
  EXPECT_EQ(edit_distance("kitten", "sitting"), 3u);
  EXPECT_EQ(nearest_name("bandwith", {"bandwidth", "weight"}), "bandwidth");
  EXPECT_EQ(nearest_name("zzzzzz", {"bandwidth", "weight"}), "");
  EXPECT_EQ(suggestion("zzzzzz", {"a", "b"}), "valid keys are: a, b");
}
