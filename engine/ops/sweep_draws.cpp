// A sweep's scenarios: the cartesian product of its grid axes, times `samples` rows of Latin
// hypercube values and Monte Carlo draws of the inputs (weights from a fit's covariance, PODs,
// record validity, front-line displacement). Each scenario's random draws come from its own
// seed, so they are the same whatever the threads and tiles.
#include "sweep_draws.hpp"

#include <Eigen/Dense>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <fstream>
#include <nlohmann/json.hpp>
#include <random>

#include "../src/scenario_schema.hpp"
#include "minerisk/engine/covariance_check.hpp"
#include "minerisk/engine/errors.hpp"
#include "minerisk/engine/gdal_support.hpp"
#include "minerisk/engine/model_file.hpp"
#include "minerisk/engine/toml_reader.hpp"

namespace fs = std::filesystem;

namespace minerisk::sweep {
namespace {

double beta_draw(std::mt19937_64& rng, double a, double b) {
  std::gamma_distribution<double> ga(a, 1.0), gb(b, 1.0);
  const double x = ga(rng), y = gb(rng);
  if (x + y > 0) return x / (x + y);
  // Both draws underflowed (a and b far below 1): such a Beta is all at 0 and 1, 1 with odds a : b.
  return std::uniform_real_distribution<double>(0.0, 1.0)(rng) * (a + b) < a ? 1.0 : 0.0;
}

struct Posterior {
  std::vector<std::string> names;  // "intercept", then layers
  Eigen::VectorXd mean;
  Eigen::MatrixXd cholesky;        // lower factor of the covariance
};

Posterior read_posterior_json(const fs::path& path, const Scenario& base);

// The fit's weights hold for the layers it was fitted on: a base scenario whose layer has
// another feature, bandwidth or transform (a slope's weight per degree drawn for elevation in
// metres), or a layer the fit did not weigh, is refused as run --model refuses such a region,
// naming the first key that differs. A report of an earlier version holds no definitions: only
// the names were checked.
void require_same_layers(const nlohmann::json& report, const Scenario& base, const fs::path& path,
                         const std::vector<std::string>& fitted) {
  const std::string what = "uncertainty.weights_from: ";
  for (const EvidenceSpec& e : base.evidence)
    if (std::find(fitted.begin(), fitted.end(), e.name) == fitted.end())
      throw UserError(what + "layer '" + e.name + "' of the base scenario is not in the fit '" + path.string() +
                      "', so its weight would be drawn from nothing; remove it from the base, or fit the base scenario");
  const auto recorded = report.find("layer_definitions");
  if (recorded == report.end() || !recorded->is_object()) return;
  for (const EvidenceSpec& e : base.evidence) {
    const auto fit_def = recorded->find(e.name);
    if (fit_def == recorded->end() || !fit_def->is_object()) continue;
    const LayerDefinition ours = weighted_layer_definition(e);
    LayerDefinition theirs;
    for (const auto& [key, value] : fit_def->items())
      if (value.is_string()) theirs[key] = value.get<std::string>();
    const std::string key = first_differing_key(theirs, ours);
    if (!key.empty())
      throw UserError(what + "layer '" + e.name + "' has " + setting_in(theirs, key) + " in the fit '" + path.string() +
                      "' but " + setting_in(ours, key) + " in the base scenario; a fitted weight holds only for the "
                      "layer it was fitted on: give the base the fit's " + key + ", or fit the base scenario");
  }
}

Posterior read_posterior(const fs::path& path, const Scenario& base) {
  try {
    return read_posterior_json(path, base);
  } catch (const nlohmann::json::exception&) {
    throw UserError("uncertainty.weights_from: '" + path.string() +
                    "' is not a 'minerisk fit --report' file (its coefficients or covariance are malformed)");
  }
}

Posterior read_posterior_json(const fs::path& path, const Scenario& base) {
  require_input_file(path, "uncertainty.weights_from");  // missing, or a fifo the read would wait on for ever
  nlohmann::json j;
  try {
    std::ifstream(path) >> j;
  } catch (const std::exception&) {
    throw UserError("uncertainty.weights_from: '" + path.string() + "' is not JSON; give a 'minerisk fit --report' file");
  }
  if (!j.contains("coefficients") || !j.contains("covariance"))
    throw UserError("uncertainty.weights_from: '" + path.string() + "' has no coefficients and covariance; write it with "
                    "'minerisk fit --report'");
  // A fit with learned curves (--knots) has segments for coefficients: a draw would have to move
  // the curves' heights, which a sweep does not do. Said so, not "not in the base scenario".
  if (const auto curves = j.find("learned_curves"); curves != j.end() && curves->is_array() && !curves->empty()) {
    const nlohmann::json& first = curves->front();
    const bool named = first.is_object() && first.contains("layer") && first["layer"].is_string();
    throw UserError("uncertainty.weights_from: '" + path.string() + "' is the report of a fit with learned curves ('" +
                    (named ? first["layer"].get<std::string>() : std::string("?")) +
                    "'), whose segments a sweep does not draw; give the report of a fit without --knots");
  }
  Posterior p;
  const auto& c = j["coefficients"];
  const auto& v = j["covariance"];
  const auto bad = [&] {
    return UserError("uncertainty.weights_from: '" + path.string() +
                     "' does not hold a coefficient table (intercept first) and its square covariance; write it with "
                     "'minerisk fit --report'");
  };
  if (!c.is_array() || c.empty() || !v.is_array() || v.size() != c.size() || c[0].value("name", "") != "intercept")
    throw bad();
  for (const auto& row : v)
    if (!row.is_array() || row.size() != c.size()) throw bad();
  p.mean.resize(static_cast<Eigen::Index>(c.size()));
  for (size_t i = 0; i < c.size(); ++i) p.names.push_back(c[i]["name"]), p.mean(static_cast<Eigen::Index>(i)) = c[i]["weight"];
  const auto rows = v.get<std::vector<std::vector<double>>>();
  Eigen::MatrixXd cov(p.mean.size(), p.mean.size());
  for (Eigen::Index i = 0; i < cov.rows(); ++i)
    for (Eigen::Index k = 0; k < cov.cols(); ++k) cov(i, k) = rows[static_cast<size_t>(i)][static_cast<size_t>(k)];
  if (!p.mean.allFinite() || !cov.allFinite() || p.mean.cwiseAbs().maxCoeff() > kMaxLogOdds) throw bad();
  // The factorisation reads one triangle: an edited other one would be ignored without a word.
  if (const std::string problem = covariance_problem(p.names, rows); !problem.empty())
    throw UserError("uncertainty.weights_from: the covariance " + problem + "; give the file 'minerisk fit --report' wrote");
  const Eigen::LLT<Eigen::MatrixXd> llt(cov);
  if (llt.info() != Eigen::Success) throw UserError("uncertainty.weights_from: the covariance is not positive definite");
  p.cholesky = llt.matrixL();
  for (size_t i = 1; i < p.names.size(); ++i) {
    if (std::none_of(base.evidence.begin(), base.evidence.end(), [&](const EvidenceSpec& e) { return e.name == p.names[i]; }))
      throw UserError("uncertainty.weights_from: layer '" + p.names[i] + "' of the fit is not in the base scenario");
  }
  require_same_layers(j, base, path, p.names);
  return p;
}

// A draw far in the covariance's tail, or from a covariance edited wider than a fit's, gives a
// weight beyond what a scenario may hold (+-kMaxLogOdds, as an axis's values may not pass
// either): its grid would be all 0 or 1, or NaN where two such layers cancel. Checked once the
// axes have set theirs (an axis's value replaces the draw), naming the first coefficient beyond.
void require_draw_in_range(const Draw& d, const Scenario& base, const fs::path& path, size_t scenario) {
  for (size_t i = 0; i <= d.weight.size(); ++i) {
    const double w = i == 0 ? d.intercept : d.weight[i - 1];
    if (std::abs(w) <= kMaxLogOdds) continue;
    char value[32];
    std::snprintf(value, sizeof value, "%.3g", w);
    throw UserError("uncertainty.weights_from: scenario " + std::to_string(scenario + 1) + " draws " +
                    (i == 0 ? std::string("the intercept") : "layer '" + base.evidence[i - 1].name + "''s weight") +
                    " at " + value + ", beyond +-1e6 log-odds: the covariance in '" + path.string() +
                    "' is far wider than a fit gives; give the file 'minerisk fit --report' wrote");
  }
}

}  // namespace

std::vector<Draw> make_draws(const SweepSpec& spec, const InputSet& in) {
  // Grid axes (lists and ranges) make a cartesian product; Latin hypercube axes and the Monte
  // Carlo draws give `samples` rows for each grid point.
  std::vector<const SweepAxis*> grid_axes, lhs_axes;
  for (const SweepAxis& a : spec.axes) (a.latin_hypercube ? lhs_axes : grid_axes).push_back(&a);
  size_t combos = 1;
  const bool sampled = !lhs_axes.empty() || spec.uncertain();
  const size_t rows = sampled ? static_cast<size_t>(spec.samples) : 1;
  double scenarios = static_cast<double>(rows);  // in double: a product of axes may pass 2^64
  for (const SweepAxis* a : grid_axes) combos *= a->values.size(), scenarios *= static_cast<double>(a->values.size());
  if (scenarios > static_cast<double>(kMaxScenarios)) {
    char count[64];
    std::snprintf(count, sizeof count, "%.0f", scenarios);
    throw UserError(spec.file.string() + ": the sweep has " + count + " scenarios, more than " +
                    std::to_string(kMaxScenarios) + "; use fewer values or samples (or several sweeps)");
  }
  std::mt19937_64 lhs_rng(spec.seed);
  std::vector<std::vector<double>> lhs(lhs_axes.size(), std::vector<double>(rows));
  for (size_t a = 0; a < lhs_axes.size(); ++a) {  // one stratum per sample, in a random order
    std::vector<size_t> strata(rows);
    for (size_t i = 0; i < rows; ++i) strata[i] = i;
    std::shuffle(strata.begin(), strata.end(), lhs_rng);
    std::uniform_real_distribution<double> u(0, 1);
    for (size_t i = 0; i < rows; ++i)
      lhs[a][i] = lhs_axes[a]->low + (static_cast<double>(strata[i]) + u(lhs_rng)) / static_cast<double>(rows) *
                                         (lhs_axes[a]->high - lhs_axes[a]->low);
  }
  std::optional<Posterior> posterior;
  if (!spec.weights_from.empty()) posterior = read_posterior(spec.weights_from, spec.base);
  // Each axis's parameter, resolved once (the axes were checked when read: this never fails).
  const toml::table no_keys;
  const TomlReader none(no_keys, "", spec.file, {});
  std::vector<schema::Parameter> targets;
  for (const SweepAxis& a : spec.axes) targets.push_back(schema::parameter(spec.base, a.parameter, none, "parameter"));
  std::vector<Draw> draws;
  for (size_t g = 0; g < combos; ++g)
    for (size_t r = 0; r < rows; ++r) {
      Draw d = base_draw(spec.base);
      // Each scenario's random draws come from its own seed: the same whatever the threads.
      std::mt19937_64 rng(spec.seed * 0x9E3779B97F4A7C15ULL + draws.size() + 1);
      if (posterior) {
        std::normal_distribution<double> z(0, 1);
        Eigen::VectorXd e(posterior->mean.size());
        for (Eigen::Index i = 0; i < e.size(); ++i) e(i) = z(rng);
        const Eigen::VectorXd w = posterior->mean + posterior->cholesky * e;
        d.intercept = w(0);
        for (size_t i = 1; i < posterior->names.size(); ++i)
          for (size_t k = 0; k < spec.base.evidence.size(); ++k)
            if (spec.base.evidence[k].name == posterior->names[i]) d.weight[k] = w(static_cast<Eigen::Index>(i));
      }
      size_t rest = g;
      size_t li = 0;
      for (size_t ai = 0; ai < spec.axes.size(); ++ai) {
        const SweepAxis& a = spec.axes[ai];
        double v;
        if (a.latin_hypercube) {
          v = lhs[li++][r];
        } else {
          v = a.values[rest % a.values.size()];
          rest /= a.values.size();
        }
        const schema::Parameter& t = targets[ai];
        if (t.kind == schema::Parameter::reliability) d.inputs.reliability = v;
        else if (t.kind == schema::Parameter::pod) d.inputs.pod = v;
        else t.apply(v, d.intercept, d.weight, d.transform);
        d.values.push_back(v);
      }
      if (posterior) require_draw_in_range(d, spec.base, spec.weights_from, draws.size());
      // Per record, not per polygon part: a multi-part record is one record.
      const SharedInputs& shared = *in.shared;
      if (spec.pod_beta)
        for (int64_t i = 0; i < shared.clearance_count; ++i)
          d.inputs.clearance_pod.push_back(static_cast<float>(beta_draw(rng, spec.pod_beta->first, spec.pod_beta->second)));
      if (spec.record_validity) {
        std::vector<double> reliability(static_cast<size_t>(shared.record_count), 0.0);
        for (const kernels::Polygon& p : *shared.records) reliability[static_cast<size_t>(p.record)] = p.value;
        std::uniform_real_distribution<double> u(0, 1);
        for (double r : reliability)
          d.inputs.record_valid.push_back(u(rng) < (std::isnan(d.inputs.reliability) ? r : d.inputs.reliability));
      }
      if (spec.front_line_sd > 0) {
        d.inputs.line_sd = spec.front_line_sd;
        d.inputs.line_wavelength = spec.front_line_wavelength;
        d.inputs.line_seed = rng();  // each line's waves come from this and the line's key
        d.inputs.displaced = std::make_shared<features::DisplacedLines>();
      }
      draws.push_back(std::move(d));
    }
  return draws;
}

Draw base_draw(const Scenario& s) {
  Draw d;
  d.intercept = s.intercept;
  for (const EvidenceSpec& e : s.evidence) d.weight.push_back(e.weight), d.transform.push_back(e.transform);
  return d;
}

}  // namespace minerisk::sweep
