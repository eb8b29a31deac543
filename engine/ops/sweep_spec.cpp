// The sweep file: a base scenario, parameter axes and Monte Carlo uncertainty, read and
// checked. Each axis's parameter is resolved through the scenario schema.
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <set>

#include "../features/feature.hpp"
#include "../src/scenario_schema.hpp"
#include "minerisk/engine/errors.hpp"
#include "minerisk/engine/ops/sweep.hpp"
#include "minerisk/engine/toml_reader.hpp"

namespace fs = std::filesystem;

namespace minerisk {
namespace {

// Whether some layer of the base is of a feature kind that `perturbation` changes.
bool perturbs_a_layer(const Scenario& base, const std::string& perturbation) {
  return std::any_of(base.evidence.begin(), base.evidence.end(), [&](const EvidenceSpec& e) {
    const auto& p = features::find_feature_kind(e.feature)->perturbations;
    return std::find(p.begin(), p.end(), perturbation) != p.end();
  });
}

// ---------------------------------------------------------------- the sweep file

std::vector<double> read_range(const TomlReader& r) {
  const std::vector<double> v = r.numbers("range");
  if (v.size() != 3 || !(v[2] > 0) || !(v[1] >= v[0])) r.fail("range", "must be [start, stop, step] with stop >= start and step > 0");
  // Values are kept to 15 significant digits (below): a step finer than that would repeat them.
  if (v[1] > v[0] && v[2] < 1e-13 * std::max(std::abs(v[0]), std::abs(v[1])))
    r.fail("range", "has a step too small beside its values to tell them apart (under 1e-13 of them); use a larger step");
  std::vector<double> out;
  for (int64_t i = 0;; ++i) {
    const double x = v[0] + static_cast<double>(i) * v[2];
    if (x > v[1] + 1e-9 * std::abs(v[2])) break;
    // To 15 significant digits, so that range = [0.0, 1.0, 0.1] gives 0.3 in the parameter table,
    // not 0.30000000000000004 (the binary sum's rounding).
    // Near zero, the sum's residue (5.6e-17 for [-0.3, 0.3, 0.1]) is 0.
    char text[32];
    std::snprintf(text, sizeof text, "%.15g", std::abs(x) < 1e-9 * v[2] ? 0.0 : x);
    out.push_back(std::strtod(text, nullptr));
    if (out.size() > 100000) r.fail("range", "gives more than 100,000 values; use a larger step");
  }
  return out;
}

}  // namespace

SweepSpec load_sweep(const fs::path& file_in) {
  require_existing(file_in, "sweep file");
  const fs::path file = fs::absolute(file_in).lexically_normal();
  return parse_sweep(parse_toml_file(file, "sweep file"), file);
}

SweepSpec parse_sweep(const toml::table& root, const fs::path& file) {
  TomlReader top(root, "", file, {"base", "seed", "samples", "thresholds", "top_share", "stack", "axis", "uncertainty"});
  SweepSpec s;
  s.file = file;
  fs::path base = top.required_text("base", "name the base scenario, e.g. base = \"scenario.toml\"");
  if (base.empty()) top.fail("base", "is empty; name the base scenario, e.g. base = \"scenario.toml\"");
  if (base.is_relative()) base = file.parent_path() / base;
  // Read as a scenario, the sweep file itself was refused for its key 'axis'.
  std::error_code ec;
  if (fs::equivalent(base, file, ec))
    top.fail("base", "names this sweep file itself; give the scenario the sweep varies, e.g. base = \"scenario.toml\"");
  try {
    s.base = load_scenario(base);
  } catch (const UserError&) {
    // Another sweep file as the base was refused for its key 'axis': say what it is instead.
    bool sweep = false;
    try {
      sweep = parse_toml_file(base, "the base").contains("base");
    } catch (const UserError&) {  // not TOML, or not readable: the scenario's own message stands
    }
    if (sweep)
      top.fail("base", "names another sweep file ('" + base.string() +
                           "' has a base of its own); give the scenario the sweep varies, e.g. base = \"scenario.toml\"");
    throw;
  }
  const double seed = top.number_or("seed", 1);
  if (!(seed >= 0 && seed <= 9007199254740992.0) || seed != std::floor(seed))
    top.fail("seed", "must be a whole number from 0 to 2^53");
  s.seed = static_cast<uint64_t>(seed);
  const double samples = top.number_or("samples", 0);
  if (!(samples >= 0 && samples <= 100000) || samples != std::floor(samples))
    top.fail("samples", "must be a whole number from 1 to 100000");
  s.samples = static_cast<int>(samples);
  if (top.has("thresholds")) s.thresholds = top.numbers("thresholds");
  for (double t : s.thresholds)
    if (!(t > 0 && t < 1)) top.fail("thresholds", "must be probabilities strictly between 0 and 1");
  if (std::set<double>(s.thresholds.begin(), s.thresholds.end()).size() != s.thresholds.size())
    top.fail("thresholds", "lists a threshold twice");
  s.top_share = top.number_or("top_share", 0.1);
  if (!(s.top_share > 0 && s.top_share <= 1)) top.fail("top_share", "must lie in (0, 1]");
  if (const toml::node* n = root.get("stack")) {
    if (!n->is_boolean()) top.fail("stack", "must be true or false");
    s.stack = *n->value<bool>();
  }
  if (const toml::node* axes = root.get("axis")) {
    const toml::array* list = axes->as_array();
    if (!list) top.fail("axis", "must be an array of tables: [[axis]]");
    for (size_t i = 0; i < list->size(); ++i) {
      const toml::table* t = (*list)[i].as_table();
      if (!t) top.fail("axis", "must be an array of tables: [[axis]]");
      TomlReader r(*t, "axis[" + std::to_string(i) + "]", file, {"parameter", "values", "range", "lhs"});
      SweepAxis a;
      a.parameter = r.required_text("parameter", "name the model parameter, e.g. model.evidence.finds.weight");
      const schema::Parameter target = schema::parameter(s.base, a.parameter, r, "parameter");
      // One axis per parameter: a second would set what the first sets (and name the same column
      // of the scenario table).
      for (size_t k = 0; k < s.axes.size(); ++k)
        if (s.axes[k].parameter == a.parameter)
          r.fail("parameter", "'" + a.parameter + "' is swept by axis[" + std::to_string(k) +
                                  "] already; give each parameter one axis (its values, a range or lhs)");
      const int given = r.has("values") + r.has("range") + r.has("lhs");
      if (given != 1) r.fail("parameter", "needs exactly one of values = [...], range = [start, stop, step], lhs = [min, max]");
      if (r.has("values")) {
        a.values = r.numbers("values");
        if (a.values.empty()) r.fail("values", "is empty");
      } else if (r.has("range")) {
        a.values = read_range(r);
      } else {
        const std::vector<double> lh = r.numbers("lhs");
        if (lh.size() != 2 || !(lh[1] > lh[0])) r.fail("lhs", "must be [min, max] with max > min");
        a.latin_hypercube = true, a.low = lh[0], a.high = lh[1];
      }
      // Every value the axis can take must be valid for its parameter.
      std::vector<double> extremes = a.values;
      if (a.latin_hypercube) extremes = {a.low, a.high};
      for (double v : extremes) {
        const std::string problem = target.check(v);
        if (!problem.empty()) r.fail("parameter", problem);
      }
      s.axes.push_back(a);
    }
  }
  if (const toml::table* u = top.table("uncertainty")) {
    s.monte_carlo = true;
    TomlReader r(*u, "uncertainty", file, {"front_line_sd", "front_line_wavelength", "record_validity", "pod_beta", "weights_from"});
    // A table without a key that draws (empty, or front_line_wavelength alone) ran copies of the
    // base scenario. (A drawing key given as 0 or false is a deliberate control: the realisations
    // then equal the base, as a test checks.)
    if (!r.has("front_line_sd") && !r.has("record_validity") && !r.has("pod_beta") && !r.has("weights_from"))
      top.fail("uncertainty", "draws nothing: give it front_line_sd, record_validity = true, pod_beta or weights_from");
    s.front_line_sd = r.number_or("front_line_sd", 0);
    if (!(s.front_line_sd >= 0 && s.front_line_sd <= kMaxDistance))
      r.fail("front_line_sd", "must be zero or a positive distance in metres, at most 10,000 km");
    s.front_line_wavelength = r.number_or("front_line_wavelength", 2000);
    if (!(s.front_line_wavelength > 0 && s.front_line_wavelength <= kMaxDistance))
      r.fail("front_line_wavelength", "must be a positive distance in metres, at most 10,000 km");
    if (s.front_line_sd > 0 && !s.base.front_lines) r.fail("front_line_sd", "needs [front_lines] in the base scenario");
    if (s.front_line_sd > 0 && !perturbs_a_layer(s.base, "front_line_sd"))
      r.fail("front_line_sd", "changes no layer: the base scenario has no layer whose feature kind the front lines' "
                              "displacement changes (front_line_distance)");
    if (const toml::node* n = u->get("record_validity")) {
      if (!n->is_boolean()) r.fail("record_validity", "must be true or false");
      s.record_validity = *n->value<bool>();
      if (s.record_validity && !s.base.records) r.fail("record_validity", "needs [records] in the base scenario");
      if (s.record_validity && !perturbs_a_layer(s.base, "record_validity"))
        r.fail("record_validity", "changes no layer: the base scenario has no record_coverage layer");
    }
    if (r.has("pod_beta")) {
      const std::vector<double> ab = r.numbers("pod_beta");
      if (ab.size() != 2 || !(ab[0] > 0 && ab[0] <= 1e6) || !(ab[1] > 0 && ab[1] <= 1e6))
        r.fail("pod_beta", "must be [a, b], both positive and at most 1e6");
      if (!s.base.cleared) r.fail("pod_beta", "needs [cleared] in the base scenario");
      s.pod_beta = std::make_pair(ab[0], ab[1]);
    }
    if (r.has("weights_from")) {
      s.weights_from = r.required_text("weights_from", "");
      if (s.weights_from.empty()) r.fail("weights_from", "is empty; give a 'minerisk fit --report' JSON");
      if (s.weights_from.is_relative()) s.weights_from = file.parent_path() / s.weights_from;
      std::error_code ec;
      if (!fs::exists(s.weights_from, ec))
        r.fail("weights_from", "names a file that does not exist; give a 'minerisk fit --report' JSON");
    }
  }
  // A fitted weight holds for the layer's transform as fitted: an axis that moves the transform
  // would draw weights for a layer they were not fitted on.
  if (!s.weights_from.empty())
    for (const SweepAxis& a : s.axes)
      if (a.parameter.rfind("model.evidence.", 0) == 0 && a.parameter.find(".transform.") != std::string::npos)
        top.fail("axis", "sweeps '" + a.parameter + "' while [uncertainty] weights_from draws the weights fitted for "
                         "the transform as it was; sweep the transform without weights_from, or fit each transform");
  // pod_beta draws each clearance's POD, which the clearance uses in place of the axis's value:
  // the scenario table listed POD values no scenario used (a probe).
  if (s.pod_beta)
    for (const SweepAxis& a : s.axes)
      if (a.parameter == "cleared.pod")
        top.fail("axis", "sweeps 'cleared.pod' while [uncertainty] pod_beta draws each clearance's POD, which "
                         "replaces the axis's value; keep one of the two");
  if (s.sampled() && s.samples < 1) top.fail("samples", "is needed (at least 1) for Latin hypercube axes and Monte Carlo uncertainty");
  // Given at all (0 too, which read as "not set" and ran the grid points once each).
  if (!s.sampled() && top.has("samples"))
    top.fail("samples", "draws nothing here: it counts the draws of lhs axes and of [uncertainty], and this sweep has "
                        "neither; remove it, or add one");
  return s;
}


}  // namespace minerisk
