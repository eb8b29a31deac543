// The report's model section: the scenario stored in the grid, read by the scenario reader
// itself (parse_scenario), so the layers, weights and transforms are exactly those the run
// used; each layer's contribution to the log-odds, weight x transform(x), drawn over a range
// of its feature by the kernels' own Transform::apply.
#include <algorithm>
#include <cmath>

#include "../features/feature.hpp"
#include "../src/scenario_schema.hpp"
#include "minerisk/engine/errors.hpp"
#include "minerisk/engine/scenario.hpp"
#include "minerisk/engine/toml_reader.hpp"
#include "report_parts.hpp"

namespace minerisk::ops::report_parts {
namespace {

using kernels::TransformKind;

// A range of the feature worth drawing: where the transform changes, or else the values the
// feature kind usually takes (its units as the feature registry describes them).
std::pair<double, double> feature_range(const EvidenceSpec& e) {
  const kernels::Transform& t = e.transform;
  switch (t.kind) {
    case TransformKind::exp_decay: return {0, 4 * t.length};
    case TransformKind::gaussian: return {t.centre - 3 * t.width, t.centre + 3 * t.width};
    case TransformKind::step: {
      const double half = std::max(1.0, std::fabs(t.threshold));
      return {t.threshold - half, t.threshold + half};
    }
    case TransformKind::piecewise:
    case TransformKind::categorical: {
      const double lo = t.xs.front(), hi = t.xs.back(), pad = std::max(1e-9, 0.1 * (hi - lo));
      return t.kind == TransformKind::piecewise ? std::pair{lo - pad, hi + pad} : std::pair{lo, hi};
    }
    default: break;
  }
  const std::string& f = e.feature;
  if (f == "slope") return {0, 45};
  if (f == "front_line_distance" || f == "vector_distance") return {e.signed_distance ? -2000.0 : 0.0, 2000};
  if (f == "find_density") return {0, 50};
  if (f == "record_coverage" || f == "find_share") return {0, 1};
  if (f == "ruggedness") return {0, 30};
  if (f == "elevation") return {0, 2000};
  if (f == "find_contrast") return {-3, 3};
  return {0, 1};
}

// The transform's parameters as the scenario file names them.
std::string parameters_text(const kernels::Transform& t) {
  std::string out;
  auto add = [&](const std::string& text) { out += (out.empty() ? "" : ", ") + text; };
  for (const schema::TransformKey& k : schema::transform_keys()) {
    if (!k.field || k.applies.empty()) continue;
    if (std::find(k.applies.begin(), k.applies.end(), t.kind) == k.applies.end()) continue;
    add(k.key + " = " + number(t.*k.field, 6));
  }
  if (t.kind == TransformKind::piecewise)
    for (size_t i = 0; i < t.xs.size(); ++i) add(std::string("(") + number(t.xs[i], 6) + ", " + number(t.ys[i], 6) + ")");
  if (t.kind == TransformKind::categorical)
    for (size_t i = 0; i < t.xs.size(); ++i) add("class " + number(t.xs[i], 6) + " \xE2\x86\x92 " + number(t.ys[i], 6));
  return out.empty() ? "\xE2\x80\x93" : out;
}

std::string curve(const EvidenceSpec& e, int colour) {
  const features::FeatureKind* kind = features::find_feature_kind(e.feature);
  Series s;
  s.label = e.name;
  s.colour = colour;
  if (e.transform.kind == TransformKind::categorical) {
    s.markers = true;
    for (size_t i = 0; i < e.transform.xs.size(); ++i)
      s.points.push_back({e.transform.xs[i], e.weight * e.transform.apply(e.transform.xs[i])});
  } else {
    const auto [lo, hi] = feature_range(e);
    constexpr int kSteps = 200;
    for (int i = 0; i <= kSteps; ++i) {
      const double x = lo + (hi - lo) * i / kSteps;
      s.points.push_back({x, e.weight * e.transform.apply(x)});
    }
  }
  Chart chart;
  chart.title = e.name;
  chart.x_label = e.feature + (kind ? ": " + kind->description : "");
  chart.y_label = "contribution (log-odds)";
  chart.series.push_back(std::move(s));
  return "<figure>" + line_chart(chart) + "</figure>";
}

}  // namespace

std::string model_section(const std::string& scenario_toml, const std::filesystem::path& grid) {
  if (scenario_toml.empty()) return "";
  Scenario scenario;
  try {
    scenario = parse_scenario(parse_toml_text(scenario_toml, grid.string() + " (its scenario)"), grid);
  } catch (const UserError& e) {
    // A grid of another version whose scenario this one no longer reads: the text still shows
    // under Provenance; say why the model cannot be drawn.
    return "<p class=\"note\">The scenario stored in the grid could not be read by this version of minerisk (" +
           escape(e.what()) + "); it is shown as written under Provenance.</p>\n";
  }
  std::string out =
      "<p>For each cell, log-odds of contamination = intercept + the sum over the evidence layers of weight "
      "\xC3\x97 transform(feature); the probability is the logistic of it, then updated for the clearance already "
      "done (a cell cleared with probability of detection POD goes from p to p(1 \xE2\x88\x92 POD) / "
      "(1 \xE2\x88\x92 p \xC2\xB7 POD)).</p>\n";
  std::vector<std::pair<std::string, std::string>> head = {
      {"Scenario", escape(scenario.title.empty() ? "(untitled)" : scenario.title)},
      {"Intercept", number(scenario.intercept, 6) + " (probability " +
                        number(1 / (1 + std::exp(-scenario.intercept)), 3) + " where every layer contributes 0)"},
      {"Evidence layers", std::to_string(scenario.evidence.size())}};
  if (scenario.records) head.push_back({"Records' default reliability", number(scenario.records->default_value, 3)});
  out += facts(head);
  if (scenario.evidence.empty()) return out + "<p>The model has no evidence layer: the intercept alone.</p>\n";
  out += "<div class=\"scroll\"><table id=\"model-table\"><thead><tr><th scope=\"col\">Layer</th><th scope=\"col\">"
         "Feature</th><th scope=\"col\" class=\"num\">Weight</th><th scope=\"col\">Transform</th><th scope=\"col\">"
         "Parameters</th></tr></thead>\n<tbody>\n";
  for (const EvidenceSpec& e : scenario.evidence)
    out += "<tr><td>" + escape(e.name) + "</td><td><code>" + escape(e.feature) + "</code></td><td class=\"num\">" +
           number(e.weight, 6) + "</td><td><code>" + escape(kernels::transform_name(e.transform.kind)) +
           "</code></td><td>" + escape(parameters_text(e.transform)) + "</td></tr>\n";
  out += "</tbody></table></div>\n<h3>Contribution curves</h3>\n<p class=\"note\">Each layer's contribution to the "
         "log-odds, weight \xC3\x97 transform(feature), over a range of its feature; above 0 it raises the "
         "probability, below 0 it lowers it.</p>\n<div class=\"charts\">\n";
  for (size_t k = 0; k < scenario.evidence.size(); ++k) out += curve(scenario.evidence[k], static_cast<int>(k));
  return out + "</div>\n";
}

}  // namespace minerisk::ops::report_parts
