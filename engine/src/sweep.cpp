#include "minerisk/engine/sweep.hpp"

#include <Eigen/Dense>

#include <algorithm>
#include <bit>
#include <chrono>
#include <cmath>
#include <fstream>
#include <mutex>
#include <nlohmann/json.hpp>
#include <random>
#include <set>
#include <sstream>

#include "minerisk/engine/errors.hpp"
#include "minerisk/engine/grid_file_writer.hpp"
#include "minerisk/engine/input_set.hpp"
#include "minerisk/engine/model.hpp"
#include "minerisk/engine/provenance.hpp"
#include "minerisk/engine/staged_file.hpp"
#include "minerisk/engine/tile_loop.hpp"
#include "minerisk/kernels/tile_plan.hpp"
#include "minerisk/engine/toml_reader.hpp"
#include "minerisk/engine/version.hpp"
#include "minerisk/kernels/combine.hpp"
#include "minerisk/kernels/polygon_coverage.hpp"
#include "minerisk/kernels/raster_ops.hpp"

namespace fs = std::filesystem;
using minerisk::kernels::Window;

namespace minerisk {
namespace {

// ---------------------------------------------------------------- the sweep file

// Where a parameter acts: the intercept, a layer's weight or transform field, or the records'
// reliability or clearances' POD everywhere.
struct Target {
  enum Kind { intercept, weight, transform_field, reliability, pod } kind = intercept;
  size_t layer = 0;
  std::string field;
};

Target target_of(const Scenario& base, const TomlReader& r, const std::string& parameter) {
  if (parameter == "model.intercept") return {Target::intercept, 0, ""};
  if (parameter == "records.reliability") {
    if (!base.records) r.fail("parameter", "names records.reliability but the base scenario has no [records]");
    return {Target::reliability, 0, ""};
  }
  if (parameter == "cleared.pod") {
    if (!base.cleared) r.fail("parameter", "names cleared.pod but the base scenario has no [cleared]");
    return {Target::pod, 0, ""};
  }
  const std::string prefix = "model.evidence.";
  if (parameter.rfind(prefix, 0) == 0) {
    const std::string rest = parameter.substr(prefix.size());
    for (size_t k = 0; k < base.evidence.size(); ++k) {
      const std::string& name = base.evidence[k].name;
      if (rest == name + ".weight") return {Target::weight, k, ""};
      for (const char* field : {"length", "centre", "width", "threshold"})
        if (rest == name + ".transform." + field) return {Target::transform_field, k, field};
    }
  }
  r.fail("parameter", "'" + parameter + "' is not a sweepable parameter; use model.intercept, "
                      "model.evidence.NAME.weight, model.evidence.NAME.transform.length|centre|width|threshold, "
                      "records.reliability or cleared.pod");
}

std::vector<double> read_range(const TomlReader& r) {
  const std::vector<double> v = r.numbers("range");
  if (v.size() != 3 || !(v[2] > 0) || v[1] < v[0]) r.fail("range", "must be [start, stop, step] with stop >= start and step > 0");
  std::vector<double> out;
  for (int64_t i = 0;; ++i) {
    const double x = v[0] + static_cast<double>(i) * v[2];
    if (x > v[1] + 1e-9 * std::abs(v[2])) break;
    out.push_back(x);
    if (out.size() > 100000) r.fail("range", "gives more than 100,000 values; use a larger step");
  }
  return out;
}

}  // namespace

SweepSpec load_sweep(const fs::path& file_in) {
  if (!fs::exists(file_in)) throw UserError(file_in.string() + ": sweep file not found; check the path");
  const fs::path file = fs::absolute(file_in).lexically_normal();
  const toml::table root = parse_toml_file(file, "sweep file");
  TomlReader top(root, "", file, {"base", "seed", "samples", "thresholds", "top_share", "stack", "axis", "uncertainty"});
  SweepSpec s;
  s.file = file;
  fs::path base = top.required_text("base", "name the base scenario, e.g. base = \"scenario.toml\"");
  if (base.is_relative()) base = file.parent_path() / base;
  s.base = load_scenario(base);
  s.seed = static_cast<uint64_t>(top.number_or("seed", 1));
  const double samples = top.number_or("samples", 0);
  if (!(samples >= 0 && samples <= 100000) || samples != std::floor(samples)) top.fail("samples", "must be a whole number from 0 to 100000");
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
      const Target target = target_of(s.base, r, a.parameter);
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
        if (!std::isfinite(v)) r.fail("parameter", "values must be finite numbers");
        const bool probability = target.kind == Target::reliability || target.kind == Target::pod;
        if (probability && !(v >= 0 && v <= 1)) r.fail("parameter", "is a probability: its values must lie in [0, 1]");
        if (target.kind == Target::transform_field && (target.field == "length" || target.field == "width") && !(v > 0))
          r.fail("parameter", "is a length or width: its values must be positive");
      }
      s.axes.push_back(a);
    }
  }
  if (const toml::table* u = top.table("uncertainty")) {
    s.monte_carlo = true;
    TomlReader r(*u, "uncertainty", file, {"front_line_sd", "front_line_wavelength", "record_validity", "pod_beta", "weights_from"});
    s.front_line_sd = r.number_or("front_line_sd", 0);
    if (!(s.front_line_sd >= 0)) r.fail("front_line_sd", "must be zero or a positive distance in metres");
    s.front_line_wavelength = r.number_or("front_line_wavelength", 2000);
    if (!(s.front_line_wavelength > 0)) r.fail("front_line_wavelength", "must be a positive distance in metres");
    if (s.front_line_sd > 0 && !s.base.front_lines) r.fail("front_line_sd", "needs [front_lines] in the base scenario");
    if (const toml::node* n = u->get("record_validity")) {
      if (!n->is_boolean()) r.fail("record_validity", "must be true or false");
      s.record_validity = *n->value<bool>();
      if (s.record_validity && !s.base.records) r.fail("record_validity", "needs [records] in the base scenario");
    }
    if (r.has("pod_beta")) {
      const std::vector<double> ab = r.numbers("pod_beta");
      if (ab.size() != 2 || !(ab[0] > 0) || !(ab[1] > 0)) r.fail("pod_beta", "must be [a, b], both positive");
      if (!s.base.cleared) r.fail("pod_beta", "needs [cleared] in the base scenario");
      s.pod_beta = std::make_pair(ab[0], ab[1]);
    }
    if (r.has("weights_from")) {
      s.weights_from = r.required_text("weights_from", "");
      if (s.weights_from.is_relative()) s.weights_from = file.parent_path() / s.weights_from;
      if (!fs::exists(s.weights_from)) r.fail("weights_from", "names a file that does not exist; give a 'minerisk fit --report' JSON");
    }
  }
  const bool sampled = s.uncertain() || std::any_of(s.axes.begin(), s.axes.end(), [](const SweepAxis& a) { return a.latin_hypercube; });
  if (sampled && s.samples < 1) top.fail("samples", "is needed (at least 1) for Latin hypercube axes and Monte Carlo uncertainty");
  return s;
}

namespace {

// ---------------------------------------------------------------- the scenarios

// Each tile holds every scenario's probabilities and histograms: this bounds the memory.
constexpr size_t kMaxScenarios = 2000;

// One scenario: the base with its parameters and its draws of the inputs.
struct Draw {
  double intercept = 0;
  std::vector<double> weight;
  std::vector<kernels::Transform> transform;
  double reliability = NAN, pod = NAN;   // NaN: as in the data
  std::vector<float> polygon_pod;        // POD drawn per clearance (empty: not drawn)
  std::vector<uint8_t> record_valid;     // each record true or not (empty: not drawn)
  std::vector<kernels::Segment> front_lines;  // displaced lines (empty: the base's)
  std::vector<double> values;            // one per axis (the parameter table's row)
  bool changes_records() const { return !std::isnan(reliability) || !record_valid.empty(); }
  bool changes_pod() const { return !std::isnan(pod) || !polygon_pod.empty(); }
};

Draw base_draw(const Scenario& s) {
  Draw d;
  d.intercept = s.intercept;
  for (const EvidenceSpec& e : s.evidence) d.weight.push_back(e.weight), d.transform.push_back(e.transform);
  return d;
}

void apply(Draw& d, const Target& t, double v) {
  switch (t.kind) {
    case Target::intercept: d.intercept = v; break;
    case Target::weight: d.weight[t.layer] = v; break;
    case Target::reliability: d.reliability = v; break;
    case Target::pod: d.pod = v; break;
    case Target::transform_field: {
      kernels::Transform& tr = d.transform[t.layer];
      if (t.field == "length") tr.length = v;
      else if (t.field == "centre") tr.centre = v;
      else if (t.field == "width") tr.width = v;
      else tr.threshold = v;
      break;
    }
  }
}

double beta_draw(std::mt19937_64& rng, double a, double b) {
  std::gamma_distribution<double> ga(a, 1.0), gb(b, 1.0);
  const double x = ga(rng), y = gb(rng);
  return x / (x + y);
}

// Each line (a chain of linked segments, open or closed) moved sideways by a smooth random
// offset: three sine waves of random phase along the line, with a standard deviation of `sd`
// metres overall. Vertices move along the mean of their two segments' normals, so a line stays
// joined at its bends.
std::vector<kernels::Segment> displace(const std::vector<kernels::Segment>& lines, const Grid& grid, double sd,
                                       double wavelength, std::mt19937_64& rng) {
  constexpr double kTwoPi = 2 * 3.14159265358979323846;
  std::vector<kernels::Segment> out = lines;
  const kernels::MetricScale scale = grid.frame.scale_at_row(grid.height() / 2);
  std::uniform_real_distribution<double> phase(0, kTwoPi);
  std::normal_distribution<double> amplitude(0, sd * std::sqrt(2.0 / 3.0));  // three waves: variance sd^2
  // A segment's unit left-hand normal, in metres.
  auto normal = [&](const kernels::Segment& g, double& nx, double& ny) {
    const double dx = (g.x1 - g.x0) * scale.x, dy = (g.y1 - g.y0) * scale.y, len = std::hypot(dx, dy);
    nx = len > 0 ? -dy / len : 0, ny = len > 0 ? dx / len : 0;
    return len;
  };
  std::vector<bool> seen(lines.size(), false);
  auto walk = [&](size_t start) {
    double a[3], p[3];
    for (int k = 0; k < 3; ++k) a[k] = amplitude(rng), p[k] = phase(rng);
    auto offset = [&](double s) {
      double o = 0;
      for (int k = 0; k < 3; ++k) o += a[k] * std::sin(kTwoPi * s / (wavelength * (k + 1)) + p[k]);
      return o;
    };
    double along = 0;
    for (int64_t i = static_cast<int64_t>(start); i >= 0 && !seen[static_cast<size_t>(i)];
         i = lines[static_cast<size_t>(i)].next) {
      const auto u = static_cast<size_t>(i);
      seen[u] = true;
      const kernels::Segment& g = lines[u];
      double nx, ny;
      const double len = normal(g, nx, ny);
      // The first vertex moves along the mean normal with the previous segment, if any.
      double mx = nx, my = ny;
      if (g.prev >= 0) {
        double px, py;
        normal(lines[static_cast<size_t>(g.prev)], px, py);
        const double m = std::hypot(nx + px, ny + py);
        if (m > 1e-9) mx = (nx + px) / m, my = (ny + py) / m;
      }
      const double o = offset(along);
      out[u].x0 = g.x0 + mx * o / scale.x, out[u].y0 = g.y0 + my * o / scale.y;
      if (g.prev >= 0) {  // the previous segment ends where this one starts
        out[static_cast<size_t>(g.prev)].x1 = out[u].x0, out[static_cast<size_t>(g.prev)].y1 = out[u].y0;
      }
      along += len;
      if (g.next < 0) {  // the line's last vertex
        const double e = offset(along);
        out[u].x1 = g.x1 + nx * e / scale.x, out[u].y1 = g.y1 + ny * e / scale.y;
      }
    }
  };
  for (size_t i = 0; i < lines.size(); ++i)
    if (!seen[i] && lines[i].prev < 0) walk(i);  // open lines, from their first segment
  for (size_t i = 0; i < lines.size(); ++i)
    if (!seen[i]) walk(i);  // closed rings, from any segment
  return out;
}

struct Posterior {
  std::vector<std::string> names;  // "intercept", then layers
  Eigen::VectorXd mean;
  Eigen::MatrixXd cholesky;        // lower factor of the covariance
};

Posterior read_posterior_json(const fs::path& path, const Scenario& base);

Posterior read_posterior(const fs::path& path, const Scenario& base) {
  try {
    return read_posterior_json(path, base);
  } catch (const nlohmann::json::exception&) {
    throw UserError("uncertainty.weights_from: '" + path.string() +
                    "' is not a 'minerisk fit --report' file (its coefficients or covariance are malformed)");
  }
}

Posterior read_posterior_json(const fs::path& path, const Scenario& base) {
  nlohmann::json j;
  try {
    std::ifstream(path) >> j;
  } catch (const std::exception&) {
    throw UserError("uncertainty.weights_from: '" + path.string() + "' is not JSON; give a 'minerisk fit --report' file");
  }
  if (!j.contains("coefficients") || !j.contains("covariance"))
    throw UserError("uncertainty.weights_from: '" + path.string() + "' has no coefficients and covariance; write it with "
                    "'minerisk fit --report'");
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
  Eigen::MatrixXd cov(p.mean.size(), p.mean.size());
  for (Eigen::Index i = 0; i < cov.rows(); ++i)
    for (Eigen::Index k = 0; k < cov.cols(); ++k) cov(i, k) = j["covariance"][static_cast<size_t>(i)][static_cast<size_t>(k)];
  const Eigen::LLT<Eigen::MatrixXd> llt(cov);
  if (llt.info() != Eigen::Success) throw UserError("uncertainty.weights_from: the covariance is not positive definite");
  p.cholesky = llt.matrixL();
  for (size_t i = 1; i < p.names.size(); ++i)
    if (std::none_of(base.evidence.begin(), base.evidence.end(), [&](const EvidenceSpec& e) { return e.name == p.names[i]; }))
      throw UserError("uncertainty.weights_from: layer '" + p.names[i] + "' of the fit is not in the base scenario");
  return p;
}

std::vector<Draw> make_draws(const SweepSpec& spec, const InputSet& in) {
  // Grid axes (lists and ranges) make a cartesian product; Latin hypercube axes and the Monte
  // Carlo draws give `samples` rows for each grid point.
  std::vector<const SweepAxis*> grid_axes, lhs_axes;
  for (const SweepAxis& a : spec.axes) (a.latin_hypercube ? lhs_axes : grid_axes).push_back(&a);
  size_t combos = 1;
  for (const SweepAxis* a : grid_axes) combos *= a->values.size();
  const bool sampled = !lhs_axes.empty() || spec.uncertain();
  const size_t rows = sampled ? static_cast<size_t>(spec.samples) : 1;
  if (combos * rows > kMaxScenarios)
    throw UserError(spec.file.string() + ": the sweep has " + std::to_string(combos * rows) + " scenarios, more than " +
                    std::to_string(kMaxScenarios) + "; use fewer values or samples (or several sweeps)");
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
  const toml::table no_keys;  // the axes were checked when read: this reader never complains
  const TomlReader none(no_keys, "", spec.file, {});
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
      for (const SweepAxis& a : spec.axes) {
        double v;
        if (a.latin_hypercube) {
          v = lhs[li++][r];
        } else {
          v = a.values[rest % a.values.size()];
          rest /= a.values.size();
        }
        apply(d, target_of(spec.base, none, a.parameter), v);
        d.values.push_back(v);
      }
      if (spec.pod_beta) {
        for (size_t i = 0; i < in.cleared.size(); ++i)
          d.polygon_pod.push_back(static_cast<float>(beta_draw(rng, spec.pod_beta->first, spec.pod_beta->second)));
      }
      if (spec.record_validity) {
        std::uniform_real_distribution<double> u(0, 1);
        for (const kernels::Polygon& p : in.records) {
          const double reliability = std::isnan(d.reliability) ? p.value : d.reliability;
          d.record_valid.push_back(u(rng) < reliability);
        }
      }
      if (spec.front_line_sd > 0)
        d.front_lines = displace(in.front_lines, in.grid, spec.front_line_sd, spec.front_line_wavelength, rng);
      draws.push_back(std::move(d));
    }
  return draws;
}

// ---------------------------------------------------------------- per tile

// The polygons covering each cell of a window (compressed rows).
struct Coverage {
  std::vector<uint32_t> offset, polygon;
  Coverage(const std::vector<kernels::Polygon>& polygons, const Window& w, const kernels::GridFrame& frame) {
    std::vector<std::vector<uint32_t>> lists(static_cast<size_t>(w.cells()));
    for (size_t p = 0; p < polygons.size(); ++p)
      kernels::for_each_covered_cell(polygons[p], w, frame, [&](int64_t i) { lists[static_cast<size_t>(i)].push_back(static_cast<uint32_t>(p)); });
    offset.push_back(0);
    for (const auto& l : lists) {
      polygon.insert(polygon.end(), l.begin(), l.end());
      offset.push_back(static_cast<uint32_t>(polygon.size()));
    }
  }
  // 1 - prod(1 - value(p)) over the polygons covering each cell: in polygon order, as the run.
  template <class Value>
  void combine(Value&& value, std::vector<float>& out) const {
    out.resize(offset.size() - 1);
    for (size_t i = 0; i + 1 < offset.size(); ++i) {
      double miss = 1.0;
      for (uint32_t k = offset[i]; k < offset[i + 1]; ++k) miss *= 1.0 - value(polygon[k]);
      out[i] = static_cast<float>(1.0 - miss);
    }
  }
};

// The probability of every scenario (and, last, the base) on one tile, from one pass over the
// features: only what a scenario changes is recomputed.
std::vector<std::vector<float>> tile_probabilities(const SweepSpec& spec, const InputSet& in, const Model& model,
                                                   const std::vector<Draw>& draws, const Draw& base, const Window& tile) {
  const auto& frame = in.grid.frame;
  const auto n = static_cast<size_t>(tile.cells());
  const TileFeatures features = model.features(tile);
  const std::vector<float> base_pod = model.cleared_pod(tile);
  std::optional<Coverage> records, cleared;
  if (std::any_of(draws.begin(), draws.end(), [](const Draw& d) { return d.changes_records(); })) records.emplace(in.records, tile, frame);
  if (std::any_of(draws.begin(), draws.end(), [](const Draw& d) { return d.changes_pod(); })) cleared.emplace(in.cleared, tile, frame);
  const auto& evidence = spec.base.evidence;
  std::vector<std::vector<float>> out;
  // One buffer per layer: several layers may each be recomputed for a scenario.
  std::vector<std::vector<float>> changed(evidence.size());
  std::vector<float> pod;
  for (size_t s = 0; s <= draws.size(); ++s) {
    const Draw& d = s < draws.size() ? draws[s] : base;
    std::vector<kernels::EvidenceLayer> layers;
    for (size_t k = 0; k < evidence.size(); ++k) {
      std::span<const float> feature = features.layers[k];
      std::vector<float>& buffer = changed[k];
      if (evidence[k].feature == FeatureKind::record_coverage && d.changes_records()) {
        if (!d.record_valid.empty())
          records->combine([&](uint32_t p) { return d.record_valid[p] ? 1.0 : 0.0; }, buffer);
        else
          records->combine([&](uint32_t) { return d.reliability; }, buffer);
        kernels::propagate_nodata(features.elevation, buffer);
        feature = buffer;
      }
      if (evidence[k].feature == FeatureKind::front_line_distance && !d.front_lines.empty() &&
          !in.layers[k].own_segments) {
        buffer.resize(n);
        kernels::line_distance_metres(d.front_lines, tile, frame, buffer, INFINITY, evidence[k].signed_distance);
        kernels::propagate_nodata(features.elevation, buffer);
        feature = buffer;
      }
      layers.push_back({feature, d.transform[k], d.weight[k], {}});
    }
    std::span<const float> pod_view;
    if (spec.base.cleared) {
      if (d.changes_pod()) {
        if (!d.polygon_pod.empty()) cleared->combine([&](uint32_t p) { return static_cast<double>(d.polygon_pod[p]); }, pod);
        else cleared->combine([&](uint32_t) { return d.pod; }, pod);
        pod_view = pod;
      } else {
        pod_view = base_pod;
      }
    }
    std::vector<float> p(n);
    kernels::combine_log_odds(d.intercept, layers, pod_view, {}, p);
    kernels::propagate_nodata(features.elevation, p);
    out.push_back(std::move(p));
  }
  return out;
}

// Histogram bins from which each scenario's top share is found: the high bits of the float
// itself, which order like the probabilities (positive floats) and resolve them to 1/64 of
// their value, without a logarithm per value.
constexpr int kShift = 17;
constexpr int kBins = (0x3F800000 >> kShift) + 1;  // up to the bits of 1.0f
int bin_of(float p) {
  const float clamped = p > 0.0f ? std::min(p, 1.0f) : 0.0f;  // NaN and negatives to bin 0
  return static_cast<int>(std::bit_cast<uint32_t>(clamped) >> kShift);
}

// numpy's default ("linear") percentile, by partial sorting (the values are reordered).
float percentile(std::vector<float>& values, double q) {
  const double position = q * static_cast<double>(values.size() - 1);
  const auto lo = static_cast<size_t>(std::floor(position));
  std::nth_element(values.begin(), values.begin() + static_cast<std::ptrdiff_t>(lo), values.end());
  const float low = values[lo];
  const float high = lo + 1 < values.size() ? *std::min_element(values.begin() + static_cast<std::ptrdiff_t>(lo) + 1, values.end()) : low;
  const double f = position - static_cast<double>(lo);
  return static_cast<float>(low + f * (static_cast<double>(high) - low));
}

std::string threshold_name(double t) {
  std::ostringstream s;
  s.precision(17);
  s << t;
  return s.str();
}

}  // namespace

SweepSummary run_sweep(const SweepSpec& spec, const SweepOptions& options) {
  const auto start = std::chrono::steady_clock::now();
  check_tile_size(options.tile_size);
  StagedFile staged(options.output);
  const InputSet in = load_inputs(spec.base);
  const Model model(spec.base, in);
  const std::vector<Draw> draws = make_draws(spec, in);
  const Draw base = base_draw(spec.base);
  const auto n_s = static_cast<int64_t>(draws.size());
  const Grid& grid = in.grid;
  // A tile holds every scenario's probabilities: smaller tiles keep that within 256 MB a thread.
  int64_t tile_size = options.tile_size;
  while (tile_size > 64 && static_cast<double>(n_s + 1) * static_cast<double>(tile_size * tile_size) * 4.0 > 256e6)
    tile_size /= 2;
  const TilePlan plan(grid.width(), grid.height(), tile_size);

  OutputMetadata meta;
  meta.title = spec.base.title + " (sweep of " + std::to_string(n_s) + " scenarios)";
  meta.version = kVersion;
  meta.created_utc = utc_now_iso8601();
  meta.history = meta.created_utc + ": " + (options.command_line.empty() ? "minerisk sweep" : options.command_line);
  meta.scenario_toml = spec.base.resolved_toml;
  meta.inputs_json = inputs_json(in.files);
  GridFileWriter writer(staged.temporary(), grid, tile_size, meta);
  const auto mean = writer.add_variable("mean", "mean probability of contamination across scenarios", "1");
  const auto sd = writer.add_variable("sd", "standard deviation of the probability across scenarios", "1");
  const auto p05 = writer.add_variable("p05", "5th percentile of the probability across scenarios", "1");
  const auto p50 = writer.add_variable("p50", "median probability across scenarios", "1");
  const auto p95 = writer.add_variable("p95", "95th percentile of the probability across scenarios", "1");
  std::vector<GridFileWriter::Variable> exceed;
  for (double t : spec.thresholds)
    exceed.push_back(writer.add_variable("probability_above_" + threshold_name(t),
                                         "share of scenarios where the probability exceeds " + threshold_name(t), "1"));
  const auto stack = spec.stack ? writer.add_stack("probability_stack", n_s, "probability of contamination in each scenario", "1")
                                : GridFileWriter::Stack{};

  // The top share: from the highest histogram bin down to where the share is reached.
  auto top_bin = [](const std::vector<int64_t>& histogram, int64_t wanted) {
    int64_t taken = 0;
    int b = kBins - 1;
    for (; b > 0; --b) {
      taken += histogram[static_cast<size_t>(b)];
      if (taken >= wanted) break;
    }
    return b;
  };
  // Pass 0: the base alone, for its top share of the land.
  std::vector<int64_t> base_histogram(kBins, 0);
  int64_t valid_cells = 0;
  std::mutex mutex;
  const std::string label = "minerisk sweep (" + std::to_string(n_s) + " scenarios)";
  for_each_tile(plan.tiles(), {options.threads, options.quiet, label + ", the base", options.cancel, {}}, [&](const Window& tile) {
    const auto probs = tile_probabilities(spec, in, model, {}, base, tile);
    std::vector<int64_t> local(kBins, 0);
    int64_t local_valid = 0;
    for (float p : probs.back())
      if (!std::isnan(p)) ++local[static_cast<size_t>(bin_of(p))], ++local_valid;
    std::lock_guard lock(mutex);
    for (int b = 0; b < kBins; ++b) base_histogram[static_cast<size_t>(b)] += local[static_cast<size_t>(b)];
    valid_cells += local_valid;
  });
  const auto wanted = static_cast<int64_t>(std::ceil(spec.top_share * static_cast<double>(valid_cells)));
  const int base_top_bin = top_bin(base_histogram, wanted);

  // Pass 1: the per-cell statistics, the stack, and per scenario the sums and histograms (of
  // all cells, and of the base's top cells, from which the overlap follows exactly).
  // Areas are summed as whole thousandths of a square metre per cell: integer sums are exact, so
  // the totals are the same whatever the tiles, threads and order.
  std::vector<int64_t> expected_milli_m2(static_cast<size_t>(n_s) + 1, 0);
  std::vector<std::vector<int64_t>> above_milli_m2(spec.thresholds.size(), std::vector<int64_t>(static_cast<size_t>(n_s), 0));
  std::vector<std::vector<int64_t>> histogram(static_cast<size_t>(n_s), std::vector<int64_t>(kBins, 0));
  std::vector<std::vector<int64_t>> in_base_top(static_cast<size_t>(n_s), std::vector<int64_t>(kBins, 0));
  int64_t base_top = 0;
  for_each_tile(plan.tiles(), {options.threads, options.quiet, label, options.cancel, {}}, [&](const Window& tile) {
    const auto probs = tile_probabilities(spec, in, model, draws, base, tile);
    const auto n = static_cast<size_t>(tile.cells());
    std::vector<float> m(n, NAN), s(n, NAN), q05(n, NAN), q50(n, NAN), q95(n, NAN);
    std::vector<std::vector<float>> ex(spec.thresholds.size(), std::vector<float>(n, NAN));
    std::vector<int64_t> local_expected(static_cast<size_t>(n_s) + 1, 0);
    std::vector<std::vector<int64_t>> local_above(spec.thresholds.size(), std::vector<int64_t>(static_cast<size_t>(n_s), 0));
    std::vector<std::vector<int64_t>> local_hist(static_cast<size_t>(n_s), std::vector<int64_t>(kBins, 0));
    std::vector<std::vector<int64_t>> local_top(static_cast<size_t>(n_s), std::vector<int64_t>(kBins, 0));
    int64_t local_base_top = 0;
    std::vector<float> values(static_cast<size_t>(n_s));
    for (size_t i = 0; i < n; ++i) {
      if (std::isnan(probs.back()[i])) continue;
      const bool top = bin_of(probs.back()[i]) >= base_top_bin;
      local_base_top += top;
      const int64_t row = tile.row0 + static_cast<int64_t>(i) / tile.width;
      const kernels::MetricScale sc = grid.frame.scale_at_row(row);
      const double area = grid.frame.cell_width() * sc.x * grid.frame.cell_height() * sc.y * 1000.0;  // thousandths of a square metre
      double sum = 0;
      for (int64_t k = 0; k < n_s; ++k) {
        const float p = probs[static_cast<size_t>(k)][i];
        values[static_cast<size_t>(k)] = p;
        sum += p;
        local_expected[static_cast<size_t>(k)] += std::llround(p * area);
        const int b = bin_of(p);
        ++local_hist[static_cast<size_t>(k)][static_cast<size_t>(b)];
        if (top) ++local_top[static_cast<size_t>(k)][static_cast<size_t>(b)];
        for (size_t t = 0; t < spec.thresholds.size(); ++t)
          if (p > spec.thresholds[t]) local_above[t][static_cast<size_t>(k)] += std::llround(area);
      }
      local_expected.back() += std::llround(probs.back()[i] * area);
      const double mu = sum / static_cast<double>(n_s);
      double var = 0;
      for (float v : values) var += (v - mu) * (v - mu);
      m[i] = static_cast<float>(mu);
      s[i] = static_cast<float>(std::sqrt(var / static_cast<double>(n_s)));
      for (size_t t = 0; t < spec.thresholds.size(); ++t) {
        int64_t count = 0;
        for (float v : values) count += v > spec.thresholds[t];
        ex[t][i] = static_cast<float>(static_cast<double>(count) / static_cast<double>(n_s));
      }
      q05[i] = percentile(values, 0.05), q50[i] = percentile(values, 0.50), q95[i] = percentile(values, 0.95);
    }
    std::lock_guard lock(mutex);
    writer.write(mean, tile, m), writer.write(sd, tile, s);
    writer.write(p05, tile, q05), writer.write(p50, tile, q50), writer.write(p95, tile, q95);
    for (size_t t = 0; t < spec.thresholds.size(); ++t) writer.write(exceed[t], tile, ex[t]);
    if (spec.stack)
      for (int64_t k = 0; k < n_s; ++k) writer.write(stack, k, tile, probs[static_cast<size_t>(k)]);
    for (size_t k = 0; k < local_expected.size(); ++k) expected_milli_m2[k] += local_expected[k];
    for (size_t t = 0; t < local_above.size(); ++t)
      for (size_t k = 0; k < local_above[t].size(); ++k) above_milli_m2[t][k] += local_above[t][k];
    for (size_t k = 0; k < local_hist.size(); ++k)
      for (int b = 0; b < kBins; ++b) {
        histogram[k][static_cast<size_t>(b)] += local_hist[k][static_cast<size_t>(b)];
        in_base_top[k][static_cast<size_t>(b)] += local_top[k][static_cast<size_t>(b)];
      }
    base_top += local_base_top;
  });

  // How much of the base's top land each scenario's top land covers.
  std::vector<int64_t> overlap(static_cast<size_t>(n_s), 0);
  for (size_t k = 0; k < overlap.size(); ++k)
    for (int b = top_bin(histogram[k], wanted); b < kBins; ++b) overlap[k] += in_base_top[k][static_cast<size_t>(b)];

  // The scenario table.
  for (size_t a = 0; a < spec.axes.size(); ++a) {
    std::vector<double> column;
    for (const Draw& d : draws) column.push_back(d.values[a]);
    std::string name = spec.axes[a].parameter;
    std::replace(name.begin(), name.end(), '.', '_');
    writer.add_series("parameter_" + name, column, "value of " + spec.axes[a].parameter + " in each scenario", "1");
  }
  std::vector<double> expected_ha, share;
  for (int64_t k = 0; k < n_s; ++k) {
    expected_ha.push_back(static_cast<double>(expected_milli_m2[static_cast<size_t>(k)]) / 1e7);
    share.push_back(base_top > 0 ? static_cast<double>(overlap[static_cast<size_t>(k)]) / static_cast<double>(base_top) : NAN);
  }
  writer.add_series("expected_contaminated_area", expected_ha, "sum over cells of probability x cell area", "ha");
  for (size_t t = 0; t < spec.thresholds.size(); ++t) {
    std::vector<double> ha;
    for (int64_t v : above_milli_m2[t]) ha.push_back(static_cast<double>(v) / 1e7);
    writer.add_series("area_above_" + threshold_name(spec.thresholds[t]), ha,
                      "area where the probability exceeds " + threshold_name(spec.thresholds[t]), "ha");
  }
  writer.add_series("top_overlap_with_base", share,
                    "share of the base scenario's top " + threshold_name(spec.top_share) +
                        " of the area that is also in this scenario's top",
                    "1");
  writer.close();
  staged.commit();
  return {n_s, std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count()};
}

}  // namespace minerisk
