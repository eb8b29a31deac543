#include "minerisk/engine/scenario.hpp"

#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <sstream>

#include "minerisk/engine/errors.hpp"
#include "minerisk/engine/nearest_name.hpp"
#include "minerisk/engine/toml_reader.hpp"

namespace fs = std::filesystem;

namespace minerisk {
namespace {

const std::pair<FeatureKind, const char*> kFeatureNames[] = {
    {FeatureKind::slope, "slope"},
    {FeatureKind::ruggedness, "ruggedness"},
    {FeatureKind::elevation, "elevation"},
    {FeatureKind::front_line_distance, "front_line_distance"},
    {FeatureKind::find_density, "find_density"},
    {FeatureKind::record_coverage, "record_coverage"},
    {FeatureKind::vector_distance, "vector_distance"},
    {FeatureKind::raster, "raster"},
};

std::vector<std::string> feature_names() {
  std::vector<std::string> names;
  for (const auto& entry : kFeatureNames) names.emplace_back(entry.second);
  return names;
}

fs::path resolve_path(const TomlReader& r, const std::string& key, const fs::path& base) {
  const std::string text = r.required_text(key, "give the path of the file, relative to the scenario file");
  if (text.empty()) r.fail(key, "is empty; give the path of the file, relative to the scenario file");
  fs::path p(text);
  if (p.is_relative()) p = base / p;
  return p.lexically_normal();
}

void require_positive(const TomlReader& r, const std::string& key, double value, const std::string& unit_hint) {
  if (!(value > 0) || !std::isfinite(value))
    r.fail(key, "must be a positive number (got " + std::to_string(value) + "); " + unit_hint);
}

void require_probability(const TomlReader& r, const std::string& key, double value) {
  if (!(value >= 0.0 && value <= 1.0))
    r.fail(key, "must lie in [0, 1] (got " + std::to_string(value) + "); it is a probability");
}

GridSpec read_grid(const TomlReader& r) {
  GridSpec g;
  g.crs = r.required_text("crs", "set the target CRS, e.g. crs = \"EPSG:32638\"");
  const std::vector<double> res = r.numbers("resolution");
  if (!r.has("resolution")) r.fail("resolution", "is missing; set the cell size in CRS units, e.g. resolution = 10");
  if (res.size() != 1 && res.size() != 2) r.fail("resolution", "must be one number or [x, y]");
  g.resolution_x = res[0];
  g.resolution_y = res.size() == 2 ? res[1] : res[0];
  require_positive(r, "resolution", g.resolution_x, "the cell size must be larger than zero");
  require_positive(r, "resolution", g.resolution_y, "the cell size must be larger than zero");
  const std::vector<double> b = r.numbers("bounds");
  if (!r.has("bounds")) r.fail("bounds", "is missing; set bounds = [xmin, ymin, xmax, ymax] in CRS units");
  if (b.size() != 4) r.fail("bounds", "must be [xmin, ymin, xmax, ymax]");
  g.xmin = b[0], g.ymin = b[1], g.xmax = b[2], g.ymax = b[3];
  if (!(g.xmax > g.xmin && g.ymax > g.ymin)) r.fail("bounds", "must have xmax > xmin and ymax > ymin");
  if ((g.xmax - g.xmin) / g.resolution_x < 0.5 || (g.ymax - g.ymin) / g.resolution_y < 0.5)
    r.fail("resolution", "is larger than the bounds; the grid would have no cells");
  return g;
}

VectorInputSpec read_vector(const toml::table& table, const std::string& section, const fs::path& file,
                            const std::string& value_key, double default_value, bool value_is_probability,
                            std::vector<std::string> extra_keys = {}) {
  std::vector<std::string> allowed = {"path", "layer", "where"};
  if (!value_key.empty()) {
    allowed.push_back(value_key + "_field");
    allowed.push_back(value_key);
  }
  allowed.insert(allowed.end(), extra_keys.begin(), extra_keys.end());
  TomlReader r(table, section, file, allowed);
  VectorInputSpec v;
  v.path = resolve_path(r, "path", file.parent_path());
  v.layer = r.text("layer").value_or("");
  v.where = r.text("where").value_or("");
  v.default_value = default_value;
  if (!value_key.empty()) {
    v.value_field = r.text(value_key + "_field").value_or("");
    v.default_value = r.number_or(value_key, default_value);
    if (value_is_probability) require_probability(r, value_key, v.default_value);
    else if (!(v.default_value >= 0)) r.fail(value_key, "must not be negative");
  }
  return v;
}

kernels::Transform read_transform(const TomlReader& owner, const std::string& key) {
  kernels::Transform t;
  const toml::node* node = owner.raw().get(key);
  if (!node) return t;  // linear
  std::string type;
  if (node->is_string()) {
    type = *node->value<std::string>();
  } else if (const toml::table* table = node->as_table()) {
    TomlReader r(*table, owner.full_key(key), owner.file(),
                 {"type", "length", "centre", "width", "threshold", "x", "y", "values", "default"});
    type = r.required_text("type", "name the transform, e.g. type = \"exp_decay\"");
    t.length = r.number_or("length", 1.0);
    t.centre = r.number_or("centre", 0.0);
    t.width = r.number_or("width", 1.0);
    t.threshold = r.number_or("threshold", 0.0);
    t.xs = r.numbers("x");
    t.ys = r.numbers("y");
    if (!kernels::parse_transform_kind(type, t.kind))
      r.fail("type", "names no transform ('" + type + "'); " + suggestion(type, kernels::transform_names(), "transforms"));
    using K = kernels::TransformKind;
    for (const char* key : {"x", "y"})
      if (r.has(key) && t.kind != K::piecewise) r.fail(key, "applies only to type = \"piecewise\"; remove it");
    for (const char* key : {"values", "default"})
      if (r.has(key) && t.kind != K::categorical) r.fail(key, "applies only to type = \"categorical\"; remove it");
    if (t.kind == K::exp_decay) {
      if (!r.has("length")) r.fail("length", "is missing; exp_decay needs its length scale in metres");
      require_positive(r, "length", t.length, "the decay length is in metres");
    }
    if (t.kind == K::gaussian) require_positive(r, "width", t.width, "the Gaussian width is in the feature's units");
    if (t.kind == K::piecewise) {
      if (t.xs.size() < 2 || t.xs.size() != t.ys.size())
        r.fail("x", "and 'y' must be arrays of the same length, at least 2 points");
      for (size_t i = 1; i < t.xs.size(); ++i)
        if (!(t.xs[i] > t.xs[i - 1])) r.fail("x", "must be strictly increasing");
    }
    if (t.kind == K::categorical) {
      const toml::table* values = r.table("values");
      if (!values) r.fail("values", "is missing; map each class to a value, e.g. values = { \"1\" = 0.5, \"3\" = -1 }");
      for (const auto& [k, v] : *values) {
        char* end = nullptr;
        const std::string text(k.str());
        const double cls = std::strtod(text.c_str(), &end);
        if (end == text.c_str() || *end != '\0') r.fail("values", "keys must be class numbers in quotes (got '" + text + "')");
        if (!v.is_number()) r.fail("values", "must map each class to a number");
        t.xs.push_back(cls);
        t.ys.push_back(*v.value<double>());
      }
      t.fallback = r.number_or("default", 0.0);
    }
    return t;
  } else {
    owner.fail(key, "must be a transform name or a table such as { type = \"exp_decay\", length = 500 }");
  }
  if (!kernels::parse_transform_kind(type, t.kind))
    owner.fail(key, "names no transform ('" + type + "'); " + suggestion(type, kernels::transform_names(), "transforms"));
  if (t.kind == kernels::TransformKind::exp_decay || t.kind == kernels::TransformKind::piecewise ||
      t.kind == kernels::TransformKind::categorical)
    owner.fail(key, "needs parameters; write it as a table, e.g. { type = \"" + type + "\", ... }");
  return t;
}

EvidenceSpec read_evidence(const std::string& name, const toml::table& table, const std::string& prefix,
                           const fs::path& file) {
  TomlReader r(table, prefix + "." + name, file,
               {"feature", "weight", "transform", "bandwidth", "where", "signed", "path", "layer"});
  EvidenceSpec e;
  e.name = name;
  const std::string feature = r.required_text("feature", "name what this layer measures: " +
                                                             suggestion("", feature_names(), "features"));
  bool known = false;
  for (const auto& [kind, n] : kFeatureNames)
    if (feature == n) e.feature = kind, known = true;
  if (!known) r.fail("feature", "names no feature ('" + feature + "'); " + suggestion(feature, feature_names(), "features"));
  e.weight = r.required_number("weight", "give the layer's weight in log-odds per unit of transformed feature");
  if (!std::isfinite(e.weight)) r.fail("weight", "must be finite");
  e.transform = read_transform(r, "transform");
  using F = FeatureKind;
  auto only_for = [&](const std::string& key, bool allowed, const std::string& features) {
    if (r.has(key) && !allowed) r.fail(key, "applies only to feature = " + features + "; remove it");
  };
  only_for("bandwidth", e.feature == F::find_density, "\"find_density\"");
  only_for("where", e.feature == F::find_density || e.feature == F::front_line_distance || e.feature == F::vector_distance,
           "\"find_density\", \"front_line_distance\" or \"vector_distance\"");
  only_for("signed", e.feature == F::front_line_distance || e.feature == F::vector_distance,
           "\"front_line_distance\" or \"vector_distance\"");
  only_for("path", e.feature == F::vector_distance || e.feature == F::raster, "\"vector_distance\" or \"raster\"");
  only_for("layer", e.feature == F::vector_distance, "\"vector_distance\"");
  if (e.feature == F::find_density) {
    e.bandwidth = r.required_number("bandwidth", "give the kernel bandwidth in metres, e.g. bandwidth = 250");
    require_positive(r, "bandwidth", e.bandwidth, "give the kernel bandwidth in metres, e.g. 250");
  }
  e.where = r.text("where").value_or("");
  if (const toml::node* node = table.get("signed")) {
    if (!node->is_boolean()) r.fail("signed", "must be true or false");
    e.signed_distance = *node->value<bool>();
  }
  if (e.feature == F::vector_distance) {
    VectorInputSpec v;
    v.path = resolve_path(r, "path", file.parent_path());
    v.layer = r.text("layer").value_or("");
    v.where = e.where;
    e.vector = v;
  }
  if (e.feature == F::raster) e.raster = resolve_path(r, "path", file.parent_path());
  return e;
}

FitSpec read_fit(const TomlReader& r) {
  FitSpec f;
  if (r.has("labels")) f.labels = resolve_path(r, "labels", r.file().parent_path());
  if (r.has("zones")) f.zones = resolve_path(r, "zones", r.file().parent_path());
  f.background_ratio = r.number_or("background_ratio", 0.0);
  if (!(f.background_ratio >= 0 && f.background_ratio <= 100))
    r.fail("background_ratio", "must lie in [0, 100] (random background cells per positive)");
  f.l2 = r.number_or("l2", 1.0);
  if (!(f.l2 >= 0) || !std::isfinite(f.l2)) r.fail("l2", "must be zero or positive");
  f.block_size = r.number_or("block_size", 0.0);
  if (!(f.block_size >= 0)) r.fail("block_size", "must be zero (no cross-validation) or a positive size in metres");
  const double folds = r.number_or("folds", 5.0);
  if (!(folds >= 2 && folds <= 100) || folds != std::floor(folds)) r.fail("folds", "must be a whole number from 2 to 100");
  f.folds = static_cast<int>(folds);
  const double seed = r.number_or("seed", 1.0);
  if (!(seed >= 0) || seed != std::floor(seed)) r.fail("seed", "must be a whole number");
  f.seed = static_cast<uint64_t>(seed);
  return f;
}

std::string toml_text(const toml::table& table) {
  std::ostringstream out;
  out << toml::toml_formatter(table);
  return out.str();
}

// Rebuilds the scenario as TOML with defaults filled in and absolute paths.
std::string resolved_text(const Scenario& s) {
  toml::table root;
  root.insert("title", s.title);
  if (s.grid) {
    toml::table g;
    g.insert("crs", s.grid->crs);
    g.insert("resolution", toml::array{s.grid->resolution_x, s.grid->resolution_y});
    g.insert("bounds", toml::array{s.grid->xmin, s.grid->ymin, s.grid->xmax, s.grid->ymax});
    root.insert("grid", std::move(g));
  }
  root.insert("terrain", toml::table{{"dem", s.dem.string()}});
  auto vector_table = [](const VectorInputSpec& v, const std::string& value_key) {
    toml::table t{{"path", v.path.string()}, {"layer", v.layer}, {"where", v.where}};
    if (!value_key.empty()) {
      t.insert(value_key + "_field", v.value_field);
      t.insert(value_key, v.default_value);
    }
    return t;
  };
  if (s.front_lines) root.insert("front_lines", vector_table(*s.front_lines, ""));
  if (s.finds) root.insert("finds", vector_table(*s.finds, "count"));
  if (s.cleared) root.insert("cleared", vector_table(*s.cleared, "pod"));
  if (s.records) {
    toml::table t = vector_table(*s.records, "reliability");
    t.insert("line_buffer", s.record_line_buffer);
    root.insert("records", std::move(t));
  }
  toml::table evidence;
  for (const EvidenceSpec& e : s.evidence) {
    toml::table t{{"feature", feature_name(e.feature)}, {"weight", e.weight}};
    toml::table tr{{"type", kernels::transform_name(e.transform.kind)}};
    using K = kernels::TransformKind;
    if (e.transform.kind == K::exp_decay) tr.insert("length", e.transform.length);
    if (e.transform.kind == K::gaussian) tr.insert("centre", e.transform.centre), tr.insert("width", e.transform.width);
    if (e.transform.kind == K::step) tr.insert("threshold", e.transform.threshold);
    if (e.transform.kind == K::piecewise) {
      toml::array xs, ys;
      for (double x : e.transform.xs) xs.push_back(x);
      for (double y : e.transform.ys) ys.push_back(y);
      tr.insert("x", std::move(xs));
      tr.insert("y", std::move(ys));
    }
    t.insert("transform", std::move(tr));
    if (e.transform.kind == K::categorical) {
      toml::table values;
      for (size_t i = 0; i < e.transform.xs.size(); ++i) {
        char key[32];
        std::snprintf(key, sizeof key, "%.17g", e.transform.xs[i]);
        values.insert(key, e.transform.ys[i]);
      }
      t["transform"].as_table()->insert("values", std::move(values));
      t["transform"].as_table()->insert("default", e.transform.fallback);
    }
    if (e.feature == FeatureKind::find_density) t.insert("bandwidth", e.bandwidth);
    if (!e.where.empty()) t.insert("where", e.where);
    if (e.signed_distance) t.insert("signed", true);
    if (e.vector) {
      t.insert("path", e.vector->path.string());
      if (!e.vector->layer.empty()) t.insert("layer", e.vector->layer);
    }
    if (e.feature == FeatureKind::raster) t.insert("path", e.raster.string());
    evidence.insert(e.name, std::move(t));
  }
  root.insert("model", toml::table{{"intercept", s.intercept}, {"evidence", std::move(evidence)}});
  toml::table fit{{"background_ratio", s.fit.background_ratio}, {"l2", s.fit.l2}, {"block_size", s.fit.block_size},
                   {"folds", s.fit.folds}, {"seed", static_cast<int64_t>(s.fit.seed)}};
  if (!s.fit.labels.empty()) fit.insert("labels", s.fit.labels.string());
  if (!s.fit.zones.empty()) fit.insert("zones", s.fit.zones.string());
  root.insert("fit", std::move(fit));
  return toml_text(root);
}

}  // namespace

std::string feature_name(FeatureKind kind) {
  for (const auto& [k, name] : kFeatureNames)
    if (k == kind) return name;
  return "?";
}

Scenario load_scenario(const fs::path& file_in) {
  if (!fs::exists(file_in)) throw UserError(file_in.string() + ": scenario file not found; check the path");
  const fs::path file = fs::absolute(file_in).lexically_normal();
  return parse_scenario(parse_toml_file(file, "scenario file"), file);
}

Scenario parse_scenario(const toml::table& root, const fs::path& file) {
  const fs::path base = file.parent_path();
  TomlReader top(root, "", file, {"title", "grid", "terrain", "front_lines", "finds", "cleared", "records", "model", "fit"});
  Scenario s;
  s.file = file;
  s.title = top.text("title").value_or(file.stem().string());
  if (const toml::table* g = top.table("grid")) s.grid = read_grid(TomlReader(*g, "grid", file, {"crs", "resolution", "bounds"}));

  const toml::table* terrain = top.table("terrain");
  if (!terrain) top.fail("terrain", "is missing; add [terrain] with dem = \"path/to/dem.tif\"");
  s.dem = resolve_path(TomlReader(*terrain, "terrain", file, {"dem"}), "dem", base);

  if (const toml::table* t = top.table("front_lines")) s.front_lines = read_vector(*t, "front_lines", file, "", 1.0, false);
  if (const toml::table* t = top.table("finds")) s.finds = read_vector(*t, "finds", file, "count", 1.0, false);
  if (const toml::table* t = top.table("cleared")) s.cleared = read_vector(*t, "cleared", file, "pod", 0.9, true);
  if (const toml::table* t = top.table("records")) {
    s.records = read_vector(*t, "records", file, "reliability", 0.25, true, {"line_buffer"});
    TomlReader r(*t, "records", file, {"path", "layer", "where", "reliability_field", "reliability", "line_buffer"});
    s.record_line_buffer = r.number_or("line_buffer", 25.0);
    require_positive(r, "line_buffer", s.record_line_buffer, "give the buffer around line records in metres");
  }

  if (const toml::table* f = top.table("fit"))
    s.fit = read_fit(TomlReader(*f, "fit", file, {"labels", "background_ratio", "l2", "block_size", "zones", "folds", "seed"}));

  const toml::table* model = top.table("model");
  if (!model) top.fail("model", "is missing; add [model] with an intercept and [model.evidence.NAME] layers");
  TomlReader m(*model, "model", file, {"intercept", "evidence"});
  s.intercept = m.required_number("intercept", "give the log-odds of contamination with no evidence, e.g. -4");
  if (const toml::table* ev = m.table("evidence")) {
    for (const auto& [key, node] : *ev) {
      const std::string name(key.str());
      if (!node.is_table()) m.fail("evidence", "must hold one table per layer, e.g. [model.evidence." + name + "]");
      s.evidence.push_back(read_evidence(name, *node.as_table(), "model.evidence", file));
      // Each feature needs its input.
      const TomlReader er(*node.as_table(), "model.evidence." + name, file,
                          {"feature", "weight", "transform", "bandwidth", "where", "signed", "path", "layer"});
      const FeatureKind kind = s.evidence.back().feature;
      if (kind == FeatureKind::front_line_distance && !s.front_lines)
        er.fail("feature", "needs front lines; add [front_lines] with path = \"...\"");
      if (kind == FeatureKind::find_density && !s.finds) er.fail("feature", "needs finds; add [finds] with path = \"...\"");
      if (kind == FeatureKind::record_coverage && !s.records)
        er.fail("feature", "needs minefield records; add [records] with path = \"...\"");
    }
  }
  s.resolved_toml = resolved_text(s);
  return s;
}

}  // namespace minerisk
