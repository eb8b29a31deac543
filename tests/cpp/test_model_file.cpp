// The model file (engine/include/minerisk/engine/model_file.hpp): written, read back with every
// double the same bits, and applied to a region's scenario only when the layers match.
#include <gtest/gtest.h>

#include <algorithm>
#include <bit>
#include <cmath>
#include <filesystem>
#include <fstream>

#include "user_error_of.hpp"
#include "minerisk/engine/errors.hpp"
#include "minerisk/engine/model_file.hpp"
#include "minerisk/engine/scenario.hpp"

namespace fs = std::filesystem;
using namespace minerisk;

namespace {

// Each test writes into its own folder: ctest runs tests in parallel processes.
fs::path write_file(const std::string& name, const std::string& text) {
  const fs::path dir = fs::temp_directory_path() / "minerisk_model_file_tests" /
                       ::testing::UnitTest::GetInstance()->current_test_info()->name();
  fs::create_directories(dir);
  const fs::path p = dir / name;
  std::ofstream(p) << text;
  return p;
}

// Numbers whose shortest decimal form needs all 17 digits, or that sit next to a round one:
// a writer with too few digits would change their last bits.
const char* kRegion = R"(
[grid]
crs = "EPSG:32638"
resolution = [10, 10]
bounds = [640000, 4419000, 641000, 4420000]
[terrain]
dem = "dem.tif"
[finds]
path = "finds.gpkg"
[front_lines]
path = "lines.gpkg"
[model]
intercept = -4.1000000000000005
[model.evidence.density]
feature = "find_density"
weight = 0.30000000000000004
bandwidth = 250.00000000000003
transform = { type = "exp_decay", length = 123.45678901234568 }
[model.evidence.cover]
feature = "raster"
path = "landcover.tif"
weight = 1.0000000000000002
transform = { type = "categorical", values = { "1" = 0.1, "3" = -0.33333333333333331, "10.5" = 2.2250738585072014e-308 }, default = 0.70000000000000007 }
[model.evidence.roads]
feature = "vector_distance"
path = "roads.gpkg"
layer = "roads"
where = "kind = 'track'"
signed = true
weight = -0.66666666666666663
transform = { type = "piecewise", x = [0, 100.00000000000001, 1e300], y = [1, 0.1, -5e-324] }
[model.evidence.lines]
feature = "front_line_distance"
weight = 3.0
transform = { type = "gaussian", centre = 17.300000000000001, width = 4.9000000000000004 }
[model.evidence.slope]
feature = "slope"
weight = -0.04
transform = { type = "step", threshold = 35.000000000000007 }
)";

uint64_t bits(double v) { return std::bit_cast<uint64_t>(v); }

void expect_same_bits(const std::vector<double>& a, const std::vector<double>& b) {
  ASSERT_EQ(a.size(), b.size());
  for (size_t i = 0; i < a.size(); ++i) EXPECT_EQ(bits(a[i]), bits(b[i])) << i;
}

void expect_same_transform(const kernels::Transform& a, const kernels::Transform& b) {
  EXPECT_EQ(a.kind, b.kind);
  EXPECT_EQ(bits(a.length), bits(b.length));
  EXPECT_EQ(bits(a.centre), bits(b.centre));
  EXPECT_EQ(bits(a.width), bits(b.width));
  EXPECT_EQ(bits(a.threshold), bits(b.threshold));
  EXPECT_EQ(bits(a.fallback), bits(b.fallback));
  expect_same_bits(a.xs, b.xs);
  expect_same_bits(a.ys, b.ys);
}

// A fit's result for the region's own numbers: the fitted scenario is the region's.
FitResult result_of(const Scenario& s) {
  FitResult r;
  r.coefficients.push_back({"intercept", s.intercept});
  for (const EvidenceSpec& e : s.evidence) r.coefficients.push_back({e.name, e.weight});
  const size_t n = r.coefficients.size();
  for (size_t i = 0; i < n; ++i) {
    r.covariance.emplace_back();
    for (size_t j = 0; j < n; ++j)
      r.covariance.back().push_back(1.0 / 3.0 + static_cast<double>(std::min(i, j) * n + std::max(i, j)) * 1e-17);
  }
  r.covariance[0][1] = r.covariance[1][0] = std::nextafter(0.1, 1.0);
  r.positives = 12;
  r.negatives = 34;
  r.folds = 5;
  r.cv_roc_auc = 0.1 + 0.2;
  r.cv_pr_auc = 2.0 / 3.0;
  r.fitted_toml = s.resolved_toml;
  return r;
}

}  // namespace

TEST(ModelFile, RoundTripsEveryDoubleBitForBit) {
  const Scenario region = load_scenario(write_file("scenario.toml", kRegion));
  const FitResult r = result_of(region);
  const std::string text = model_file_text(region, r);
  const ModelFile m = parse_model_file(text, "model.toml");

  EXPECT_EQ(bits(m.intercept), bits(region.intercept));
  ASSERT_EQ(m.evidence.size(), region.evidence.size());
  for (size_t k = 0; k < m.evidence.size(); ++k) {
    const EvidenceSpec &a = m.evidence[k], &b = region.evidence[k];
    SCOPED_TRACE(a.name);
    EXPECT_EQ(a.name, b.name);
    EXPECT_EQ(a.feature, b.feature);
    EXPECT_EQ(bits(a.weight), bits(b.weight));
    EXPECT_EQ(bits(a.bandwidth), bits(b.bandwidth));
    EXPECT_EQ(a.where, b.where);
    EXPECT_EQ(a.signed_distance, b.signed_distance);
    EXPECT_EQ(a.vector.has_value(), b.vector.has_value());
    if (a.vector) {
      EXPECT_EQ(a.vector->layer, b.vector->layer);
    }
    expect_same_transform(a.transform, b.transform);
  }
  ASSERT_EQ(m.covariance_names.size(), r.coefficients.size());
  for (size_t i = 0; i < r.coefficients.size(); ++i) EXPECT_EQ(m.covariance_names[i], r.coefficients[i].name);
  ASSERT_EQ(m.covariance.size(), r.covariance.size());
  for (size_t i = 0; i < r.covariance.size(); ++i) expect_same_bits(m.covariance[i], r.covariance[i]);
  EXPECT_EQ(bits(*m.training["cv_roc_auc"].value<double>()), bits(r.cv_roc_auc));
  EXPECT_EQ(*m.training["positives"].value<int64_t>(), 12);
  EXPECT_EQ(*m.training["grid"]["crs"].value<std::string>(), "EPSG:32638");

  // Written again from what was read, the text is the same (but for the date).
  const std::string again = model_file_text(region, r);
  EXPECT_EQ(text.substr(0, text.find("date =")), again.substr(0, again.find("date =")));
}

TEST(ModelFile, HoldsNoPathOfTheTrainingRegion) {
  const fs::path file = write_file("scenario.toml", kRegion);
  const Scenario region = load_scenario(file);
  const std::string text = model_file_text(region, result_of(region));
  EXPECT_EQ(text.find(file.parent_path().string()), std::string::npos) << text;
  EXPECT_EQ(text.find("path ="), std::string::npos) << text;
  EXPECT_NE(text.find("file = 'roads.gpkg'"), std::string::npos) << text;  // provenance by name
}

TEST(ModelFile, AppliesToAnotherRegionWithTheSameLayers) {
  const Scenario training = load_scenario(write_file("training.toml", kRegion));
  const ModelFile m = parse_model_file(model_file_text(training, result_of(training)), "model.toml");
  // Another region: its own files, its own (wrong) numbers.
  std::string other = kRegion;
  other.replace(other.find("intercept = -4.1000000000000005"), 31, "intercept = 7");
  other.replace(other.find("weight = 0.30000000000000004"), 28, "weight = 9");
  other.replace(other.find("roads.gpkg"), 10, "other_roads.shp");
  const Scenario region = load_scenario(write_file("other.toml", other));
  const Scenario applied = apply_model(region, m);
  EXPECT_EQ(bits(applied.intercept), bits(training.intercept));
  for (size_t k = 0; k < applied.evidence.size(); ++k) {
    SCOPED_TRACE(applied.evidence[k].name);
    EXPECT_EQ(bits(applied.evidence[k].weight), bits(training.evidence[k].weight));
    expect_same_transform(applied.evidence[k].transform, training.evidence[k].transform);
  }
  const auto roads = std::find_if(applied.evidence.begin(), applied.evidence.end(),
                                  [](const EvidenceSpec& e) { return e.name == "roads"; });
  ASSERT_NE(roads, applied.evidence.end());
  EXPECT_EQ(roads->vector->path.filename(), "other_roads.shp");  // the region's file
  EXPECT_NE(applied.resolved_toml.find("other_roads.shp"), std::string::npos);
}

TEST(ModelFile, RefusesLayersThatDiffer) {
  const Scenario training = load_scenario(write_file("training.toml", kRegion));
  const ModelFile m = parse_model_file(model_file_text(training, result_of(training)), "model.toml");
  auto refusal = [&](const std::string& from, const std::string& to) {
    std::string text = kRegion;
    text.replace(text.find(from), from.size(), to);
    const Scenario region = load_scenario(write_file("other.toml", text));
    return test_support::user_error_of([&] { apply_model(region, m); });
  };
  EXPECT_NE(refusal("where = \"kind = 'track'\"", "where = \"kind = 'road'\"").find("layer 'roads' has where"),
            std::string::npos);
  EXPECT_NE(refusal("signed = true", "").find("layer 'roads' has signed = true in the model but no signed"),
            std::string::npos);
  EXPECT_NE(refusal("layer = \"roads\"", "layer = \"tracks\"").find("layer 'roads' has layer"), std::string::npos);
  EXPECT_NE(refusal("bandwidth = 250.00000000000003", "bandwidth = 250").find("layer 'density' has bandwidth"),
            std::string::npos);
  EXPECT_NE(refusal("feature = \"slope\"", "feature = \"ruggedness\"").find("layer 'slope' is feature = \"slope\""),
            std::string::npos);
  EXPECT_NE(refusal("[model.evidence.slope]", "[model.evidence.steepness]").find("layer 'slope' of the model is missing"),
            std::string::npos);
}

TEST(ModelFile, RefusesWhatIsNotAModel) {
  EXPECT_NE(test_support::user_error_of([] { parse_model_file(kRegion, "scenario.toml"); }).find("is not a minerisk model file"),
            std::string::npos);
  EXPECT_NE(test_support::user_error_of([] { parse_model_file("format = 'minerisk model'\nversion = 2\n", "m.toml"); })
                .find("version 2 is not one this minerisk reads"),
            std::string::npos);
  const char* with_path = R"(format = "minerisk model"
version = 1
[model]
intercept = 0
[model.evidence.cover]
feature = "raster"
path = "/data/landcover.tif"
weight = 1
)";
  EXPECT_NE(test_support::user_error_of([&] { parse_model_file(with_path, "m.toml"); }).find("'model.evidence.cover.path' belongs to a region"),
            std::string::npos);
}

// A model's layer as fit writes it but for its transform: a weight means nothing without the
// transform it was fitted with, so none is assumed (a scenario's layer without one is linear).
TEST(ModelFile, RefusesALayerWithoutItsTransformOrWithAnOverflowingCurve) {
  const std::string head = "format = \"minerisk model\"\nversion = 1\n[model]\nintercept = -2\n"
                           "[model.evidence.lines]\nfeature = \"front_line_distance\"\nweight = 3.0\n";
  EXPECT_NE(test_support::user_error_of([&] { parse_model_file(head, "m.toml"); })
                .find("'model.evidence.lines.transform' is missing; the weight holds only for the transform"),
            std::string::npos);
  EXPECT_NO_THROW(parse_model_file(head + "transform = \"linear\"\n", "m.toml"));
  // Each step's run and rise must be finite: -1.7e308 to 1.7e308 overflows, and every cell would be NaN.
  for (const char* curve : {"x = [-1.7e308, 1.7e308], y = [0, 1]", "x = [0, 1], y = [-1e308, 1e308]"})
    EXPECT_NE(test_support::user_error_of([&] {
                parse_model_file(head + "transform = { type = \"piecewise\", " + curve + " }\n", "m.toml");
              }).find("must step by finite amounts"),
              std::string::npos)
        << curve;
  EXPECT_NO_THROW(parse_model_file(head + "transform = { type = \"piecewise\", x = [-1e307, 1e307], y = [0, 1] }\n",
                                   "m.toml"));
  // Values times the weight are log-odds, within +-1e6 as the weight is: two layers at +-inf would
  // sum to NaN in every cell.
  for (const char* transform : {"{ type = \"piecewise\", x = [0, 90], y = [8.9e307, 8.9e307] }",
                                "{ type = \"categorical\", values = { \"1\" = 0.5 }, default = 4e5 }"})
    EXPECT_NE(test_support::user_error_of([&] {
                parse_model_file(head + "transform = " + transform + "\n", "m.toml");
              }).find("times the transform's values must lie within +-1e6 log-odds"),
              std::string::npos)
        << transform;
  // The value it reaches in a few digits (it was printed with %f: 300 digits).
  EXPECT_NE(test_support::user_error_of([&] {
              parse_model_file(head + "transform = { type = \"piecewise\", x = [0, 90], y = [1e300, 1e300] }\n",
                               "m.toml");
            }).find("(it reaches 3e+300)"),
            std::string::npos);
}

// A covariance must be one: finite, symmetric (to a relative 1e-6) and with variances >= 0.
TEST(ModelFile, RefusesACovarianceThatIsNotOne) {
  const std::string head = "format = \"minerisk model\"\nversion = 1\n[model]\nintercept = -2\n"
                           "[model.evidence.lines]\nfeature = \"front_line_distance\"\nweight = 3.0\n"
                           "transform = \"linear\"\n[covariance]\nnames = [\"intercept\", \"lines\"]\n";
  EXPECT_NO_THROW(parse_model_file(head + "values = [[0.5, 0.1], [0.1, 0.2]]\n", "m.toml"));
  EXPECT_NO_THROW(parse_model_file(head + "values = [[0.5, 0.1], [0.10000000000001, 0.2]]\n", "m.toml"));
  const std::pair<const char*, const char*> cases[] = {
      {"[[nan, 0.1], [0.1, 0.2]]", "holds a value that is not a finite number (row 1)"},
      {"[[0.5, inf], [0.1, 0.2]]", "holds a value that is not a finite number (row 1)"},
      {"[[0.5, 0.1], [0.1, -0.2]]", "holds a negative variance on its diagonal (row 2)"},
      {"[[0.5, 0.1], [0.3, 0.2]]", "is not symmetric: row 1, column 2 differs from row 2, column 1"},
  };
  for (const auto& c : cases) {  // not a structured binding: clang 14 cannot capture one in the lambda
    const std::string values = c.first;
    EXPECT_NE(test_support::user_error_of([&] { parse_model_file(head + "values = " + values + "\n", "m.toml"); })
                  .find(c.second),
              std::string::npos)
        << values;
  }
  std::string twice = head;
  twice.replace(twice.find("names = [\"intercept\", \"lines\"]"), 30, "names = [\"lines\", \"lines\"]");
  EXPECT_NE(test_support::user_error_of([&] { parse_model_file(twice + "values = [[0.5, 0.1], [0.1, 0.2]]\n", "m.toml"); })
                .find("names 'lines' twice"),
            std::string::npos);
  // A name that is no coefficient of the model's layers (a layer renamed in one place only).
  std::string other = head;
  other.replace(other.find("names = [\"intercept\", \"lines\"]"), 30, "names = [\"intercept\", \"zzz\"]");
  EXPECT_NE(test_support::user_error_of([&] { parse_model_file(other + "values = [[0.5, 0.1], [0.1, 0.2]]\n", "m.toml"); })
                .find("names 'zzz', which is no coefficient of this model's layers"),
            std::string::npos);
  std::string segment = head;
  segment.replace(segment.find("names = [\"intercept\", \"lines\"]"), 30,
                  "names = [\"intercept\", \"lines:segment 1\"]");
  EXPECT_NO_THROW(parse_model_file(segment + "values = [[0.5, 0.1], [0.1, 0.2]]\n", "m.toml"));
}
