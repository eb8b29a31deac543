#include "scenario_schema.hpp"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <cstdio>
#include <cstdlib>

#include "../features/feature.hpp"
#include "minerisk/engine/errors.hpp"
#include "minerisk/engine/joined.hpp"
#include "minerisk/engine/nearest_name.hpp"
#include "minerisk/kernels/point_density.hpp"

namespace fs = std::filesystem;

namespace minerisk::schema {
namespace {

using K = kernels::TransformKind;

bool has_key(const std::vector<std::string>& keys, const std::string& key) {
  return std::find(keys.begin(), keys.end(), key) != keys.end();
}

// "\"a\", \"b\" or \"c\"": the feature kinds that take `key`.
std::string kinds_taking(const std::string& key) {
  std::vector<std::string> names;
  for (const features::FeatureKind& k : features::feature_kinds())
    if (has_key(k.keys, key)) names.push_back("\"" + k.name + "\"");
  return joined_with_or(names);
}

}  // namespace

std::string TransformKey::transforms() const {
  std::vector<std::string> names;
  for (K kind : applies) {
    std::string quoted = "\"";
    quoted.append(kernels::transform_name(kind)).append("\"");
    names.push_back(std::move(quoted));
  }
  return joined_with_or(names);
}

bool TransformKey::applies_to(K kind) const {
  return applies.empty() || std::find(applies.begin(), applies.end(), kind) != applies.end();
}

namespace {

std::vector<std::string> transform_key_names() {
  std::vector<std::string> names{"type"};
  for (const TransformKey& k : transform_keys()) names.push_back(k.key);
  return names;
}

kernels::Transform read_transform_table(const TomlReader& r) {
  kernels::Transform t;
  const std::string type = r.required_text("type", "name the transform, e.g. type = \"exp_decay\"");
  if (!kernels::parse_transform_kind(type, t.kind))
    r.fail("type", "names no transform ('" + type + "'); " + suggestion(type, kernels::transform_names(), "transforms"));
  for (const TransformKey& k : transform_keys()) {
    if (!k.applies_to(t.kind)) {
      if (r.has(k.key)) r.fail(k.key, "applies only to type = " + k.transforms() + "; remove it");
      continue;
    }
    if (!k.field) continue;
    if (k.required && !r.has(k.key)) r.fail(k.key, "is missing; " + type + " needs " + k.help);
    const double v = r.number_or(k.key, k.default_value);
    if (k.positive) r.require_positive(k.key, v, k.help);
    else if (!std::isfinite(v)) r.fail(k.key, "must be a finite number; it is " + k.help);
    t.*k.field = v;
  }
  if (t.kind == K::piecewise) {
    t.xs = r.numbers("x");
    t.ys = r.numbers("y");
    if (t.xs.size() < 2 || t.xs.size() != t.ys.size())
      r.fail("x", "and 'y' must be arrays of the same length, at least 2 points");
    for (size_t i = 1; i < t.xs.size(); ++i)
      if (!(t.xs[i] > t.xs[i - 1])) r.fail("x", "must be strictly increasing");
    for (size_t i = 0; i < t.xs.size(); ++i)
      if (!std::isfinite(t.xs[i]) || !std::isfinite(t.ys[i])) r.fail("x", "and 'y' must hold finite numbers");
    // Each segment is interpolated from its rise over its run: both must be finite numbers
    // (x = [-1.7e308, 1.7e308] overflows to an infinite run, and every cell would be NaN).
    for (size_t i = 1; i < t.xs.size(); ++i)
      if (!std::isfinite(t.xs[i] - t.xs[i - 1]) || !std::isfinite(t.ys[i] - t.ys[i - 1]))
        r.fail("x", "and 'y' must step by finite amounts (each difference within +-1.7e308)");
  }
  if (t.kind == K::categorical) {
    const toml::table* values = r.table("values");
    if (!values) r.fail("values", "is missing; map each class to a value, e.g. values = { \"1\" = 0.5, \"3\" = -1 }");
    for (const auto& [key, v] : *values) {
      char* end = nullptr;
      const std::string text(key.str());
      const double cls = std::strtod(text.c_str(), &end);
      if (end == text.c_str() || *end != '\0' || !std::isfinite(cls))
        r.fail("values", "keys must be class numbers in quotes (got '" + text + "')");
      if (!v.is_number()) r.fail("values", "must map each class to a number");
      const double value = *v.value<double>();
      if (!std::isfinite(value)) r.fail("values", "must map each class to a finite number");
      t.xs.push_back(cls);
      t.ys.push_back(value);
    }
  }
  return t;
}

kernels::Transform read_transform(const TomlReader& owner, const std::string& key) {
  const toml::node* node = owner.raw().get(key);
  if (!node) return {};  // linear
  if (const toml::table* table = node->as_table())
    return read_transform_table(TomlReader(*table, owner.full_key(key), owner.file(), transform_key_names()));
  if (!node->is_string())
    owner.fail(key, "must be a transform name or a table such as { type = \"exp_decay\", length = 500 }");
  kernels::Transform t;
  const std::string type = *node->value<std::string>();
  if (!kernels::parse_transform_kind(type, t.kind))
    owner.fail(key, "names no transform ('" + type + "'); " + suggestion(type, kernels::transform_names(), "transforms"));
  const bool needs_parameters = std::any_of(transform_keys().begin(), transform_keys().end(), [&](const TransformKey& k) {
    return !k.applies.empty() && k.applies_to(t.kind) && (k.required || !k.field);
  });
  if (needs_parameters) owner.fail(key, "needs parameters; write it as a table, e.g. { type = \"" + type + "\", ... }");
  return t;
}

toml::table write_transform(const kernels::Transform& t) {
  toml::table tr{{"type", kernels::transform_name(t.kind)}};
  for (const TransformKey& k : transform_keys())
    if (k.field && !k.applies.empty() && k.applies_to(t.kind) && k.key != "default") tr.insert(k.key, t.*k.field);
  if (t.kind == K::piecewise) {
    toml::array xs, ys;
    for (double x : t.xs) xs.push_back(x);
    for (double y : t.ys) ys.push_back(y);
    tr.insert("x", std::move(xs));
    tr.insert("y", std::move(ys));
  }
  if (t.kind == K::categorical) {
    toml::table values;
    for (size_t i = 0; i < t.xs.size(); ++i) {
      char key[32];
      std::snprintf(key, sizeof key, "%.17g", t.xs[i]);
      values.insert(key, t.ys[i]);
    }
    tr.insert("values", std::move(values));
    tr.insert("default", t.fallback);
  }
  return tr;
}

}  // namespace

const std::vector<TransformKey>& transform_keys() {
  static const std::vector<TransformKey> keys = {
      {"length", "its length scale in metres", {K::exp_decay}, &kernels::Transform::length, 1.0, true, true},
      {"centre", "the Gaussian's centre, in the feature's units", {K::gaussian}, &kernels::Transform::centre, 0.0, false, false},
      {"width", "the Gaussian width is in the feature's units", {K::gaussian}, &kernels::Transform::width, 1.0, true, false},
      {"threshold", "the step's threshold, in the feature's units", {K::step}, &kernels::Transform::threshold, 0.0, false, false},
      {"x", "the breakpoints, strictly increasing", {K::piecewise}, nullptr, 0, false, true},
      {"y", "the value at each breakpoint", {K::piecewise}, nullptr, 0, false, true},
      {"values", "a value per class", {K::categorical}, nullptr, 0, false, true},
      {"default", "the value of any other class", {K::categorical}, &kernels::Transform::fallback, 0.0, false, false},
  };
  return keys;
}

const std::vector<EvidenceKey>& evidence_keys() {
  static const std::vector<EvidenceKey> keys = {
      {"feature", "what the layer measures", true, [](const TomlReader&, EvidenceSpec&, const fs::path&) {},
       [](const EvidenceSpec& e, toml::table& out) { out.insert("feature", e.feature); }},
      {"weight", "log-odds per unit of transformed feature", true,
       [](const TomlReader& r, EvidenceSpec& e, const fs::path&) {
         e.weight = r.required_number("weight", "give the layer's weight in log-odds per unit of transformed feature");
         if (!(std::abs(e.weight) <= kMaxLogOdds)) r.fail("weight", "must be a number of log-odds within +-1e6");
       },
       [](const EvidenceSpec& e, toml::table& out) { out.insert("weight", e.weight); }},
      {"transform", "how the feature becomes log-odds", true,
       [](const TomlReader& r, EvidenceSpec& e, const fs::path&) { e.transform = read_transform(r, "transform"); },
       [](const EvidenceSpec& e, toml::table& out) { out.insert("transform", write_transform(e.transform)); }},
      {"effect", "the direction fit may give the layer's effect: increasing or decreasing", true,
       [](const TomlReader& r, EvidenceSpec& e, const fs::path&) {
         const std::string effect = r.text("effect").value_or("");
         if (effect == "increasing") e.effect = 1;
         else if (effect == "decreasing") e.effect = -1;
         else if (!effect.empty()) r.fail("effect", "must be \"increasing\" or \"decreasing\" (or left out: either)");
       },
       [](const EvidenceSpec& e, toml::table& out) {
         if (e.effect) out.insert("effect", e.effect > 0 ? "increasing" : "decreasing");
       }},
      {"bandwidth", "the kernel bandwidth in metres", false,
       [](const TomlReader& r, EvidenceSpec& e, const fs::path&) {
         e.bandwidth = r.required_number("bandwidth", "give the kernel bandwidth in metres, e.g. bandwidth = 250");
         if (!(e.bandwidth >= kernels::kMinBandwidth) || e.bandwidth > kMaxDistance)
           r.fail("bandwidth", "must be a positive number of metres from 0.001 (a millimetre) to 1e7 (10,000 km), e.g. 250");
       },
       [](const EvidenceSpec& e, toml::table& out) { out.insert("bandwidth", e.bandwidth); }},
      {"where", "an OGR SQL filter on the layer's features", false,
       [](const TomlReader& r, EvidenceSpec& e, const fs::path&) { e.where = r.text("where").value_or(""); },
       [](const EvidenceSpec& e, toml::table& out) {
         if (!e.where.empty()) out.insert("where", e.where);
       }},
      {"others", "an OGR SQL filter selecting the surveyed sites without finds", false,
       [](const TomlReader& r, EvidenceSpec& e, const fs::path&) {
         e.others = r.required_text("others", "select the surveyed sites without finds, e.g. others = \"kind = 'negative'\"");
       },
       [](const EvidenceSpec& e, toml::table& out) { out.insert("others", e.others); }},
      {"prior_share", "the share of finds assumed where no site is near", false,
       [](const TomlReader& r, EvidenceSpec& e, const fs::path&) {
         e.prior_share = r.number_or("prior_share", 0.25);
         if (!(e.prior_share >= 0 && e.prior_share <= 1)) r.fail("prior_share", "must lie in [0, 1]");
       },
       [](const EvidenceSpec& e, toml::table& out) { out.insert("prior_share", e.prior_share); }},
      {"prior_density", "the prior's weight, in sites per km2", false,
       [](const TomlReader& r, EvidenceSpec& e, const fs::path&) {
         e.prior_density = r.number_or("prior_density", 0.05);
         r.require_positive("prior_density", e.prior_density, "give the prior's weight in sites per km2, e.g. 0.05");
         if (!(e.prior_density <= 1e9)) r.fail("prior_density", "must be at most 1e9 sites per km2");
       },
       [](const EvidenceSpec& e, toml::table& out) { out.insert("prior_density", e.prior_density); }},
      {"signed", "positive left of a line's direction, negative right", false,
       [](const TomlReader& r, EvidenceSpec& e, const fs::path&) {
         if (const toml::node* node = r.raw().get("signed")) {
           if (!node->is_boolean()) r.fail("signed", "must be true or false");
           e.signed_distance = *node->value<bool>();
         }
       },
       [](const EvidenceSpec& e, toml::table& out) {
         if (e.signed_distance) out.insert("signed", true);
       }},
      {"path", "the file the layer reads", false,
       [](const TomlReader& r, EvidenceSpec& e, const fs::path& base) {
         const fs::path p = r.path("path", base);
         if (e.feature == "raster") e.raster = p;
         else e.vector = VectorInputSpec{p, "", "", "", 1.0};
       },
       [](const EvidenceSpec& e, toml::table& out) {
         out.insert("path", e.vector ? e.vector->path.string() : e.raster.string());
       }},
      {"layer", "the vector file's layer", false,
       [](const TomlReader& r, EvidenceSpec& e, const fs::path&) {
         if (e.vector) e.vector->layer = r.text("layer").value_or("");
       },
       [](const EvidenceSpec& e, toml::table& out) {
         if (e.vector && !e.vector->layer.empty()) out.insert("layer", e.vector->layer);
       }},
  };
  return keys;
}

std::vector<std::string> evidence_key_names() {
  std::vector<std::string> names;
  for (const EvidenceKey& k : evidence_keys()) names.push_back(k.key);
  return names;
}

// A layer's name is its variable's name in the evidence file, its sweep parameter
// (model.evidence.NAME.weight) and its row in fit's tables, so it follows CF's rule for variable
// names: a letter, then letters, digits and underscores, at most 200 of them (netCDF allows 256,
// and a sweep's column parameter_model_evidence_NAME_transform_threshold adds 45). The evidence
// file's own variables (its coordinates, its grid mapping and the clearance layer) are taken.
void check_layer_name(const std::string& name, const toml::table& table, const std::string& prefix,
                      const fs::path& file) {
  constexpr size_t kLongest = 200;
  const bool is_cf_name = !name.empty() && name.size() <= kLongest && std::isalpha(static_cast<unsigned char>(name[0])) &&
                          std::all_of(name.begin(), name.end(), [](char c) {
                            return std::isalnum(static_cast<unsigned char>(c)) || c == '_';
                          });
  const bool is_taken = name == "x" || name == "y" || name == "crs" || name == "clearance";
  if (is_cf_name && !is_taken) return;
  std::string message = file.string();
  if (table.source().begin.line > 0) message.append(":").append(std::to_string(table.source().begin.line));
  message += ": layer name '";
  message += name.substr(0, kLongest);  // a long one shortened: the message stays one readable line
  if (name.size() > kLongest) message += "...";
  message += "' in [" + prefix + "] ";
  message += is_taken ? "is taken by the evidence file's own variable of that name"
                      : "is not a name: begin with a letter and use only letters, digits and underscores, at most "
                        "200 (it names the layer's variable in the evidence file)";
  message += "; rename the layer, e.g. [" + prefix + ".my_layer]";
  throw UserError(message);
}

EvidenceSpec read_evidence(const std::string& name, const toml::table& table, const std::string& prefix,
                           const fs::path& file, LayerPath path) {
  check_layer_name(name, table, prefix, file);
  TomlReader r(table, prefix + "." + name, file, evidence_key_names());
  EvidenceSpec e;
  e.name = name;
  const std::vector<std::string> kinds = features::feature_kind_names();
  e.feature = r.required_text("feature", "name what this layer measures: " + suggestion("", kinds, "features"));
  const features::FeatureKind* kind = features::find_feature_kind(e.feature);
  if (!kind) r.fail("feature", "names no feature ('" + e.feature + "'); " + suggestion(e.feature, kinds, "features"));
  for (const EvidenceKey& k : evidence_keys())
    if (!k.common && r.has(k.key) && !has_key(kind->keys, k.key))
      r.fail(k.key, "applies only to feature = " + kinds_taking(k.key) + "; remove it");
  for (const EvidenceKey& k : evidence_keys()) {
    if (!(k.common || r.has(k.key) || has_key(kind->required_keys, k.key))) continue;
    if (k.key == "path" && path == LayerPath::from_region && !r.has("path")) {
      // A model's layer: the file is the region's, named by its scenario; a vector layer's
      // other keys (layer, where) are read all the same.
      if (e.feature != "raster") e.vector = VectorInputSpec{{}, "", "", "", 1.0};
      continue;
    }
    k.read(r, e, file.parent_path());
  }
  if (e.vector) e.vector->where = e.where;  // a vector layer's filter
  // A bounded transform's contribution, weight x value, is log-odds as the weight is: within
  // +-1e6, so that no sum of layers overflows (+inf + -inf would be NaN in every cell).
  if (e.transform.kind == K::piecewise || e.transform.kind == K::categorical) {
    std::vector<double> values = e.transform.ys;
    if (e.transform.kind == K::categorical) values.push_back(e.transform.fallback);
    for (double v : values)
      if (!(std::abs(e.weight * v) <= kMaxLogOdds))
        r.fail("weight", "times the transform's values must lie within +-1e6 log-odds (it reaches " +
                             number_text(e.weight * v) + "); scale the values or the weight down");
  }
  return e;
}

toml::table write_evidence(const EvidenceSpec& e) {
  const features::FeatureKind* kind = features::find_feature_kind(e.feature);
  toml::table out;
  for (const EvidenceKey& k : evidence_keys())
    if (k.common || (kind && has_key(kind->keys, k.key))) k.write(e, out);
  return out;
}

toml::table write_fit(const FitSpec& f) {
  toml::table out{{"background_ratio", f.background_ratio}, {"l2", f.l2},     {"block_size", f.block_size},
                  {"folds", f.folds},   {"seed", static_cast<int64_t>(f.seed)}, {"knots", f.knots},
                  {"cross_validate", f.cross_validate}};
  // Only when asked for: a scenario without it reads back as it did before [fit] repeats existed.
  if (f.repeats != 1) out.insert("repeats", f.repeats);
  if (!f.labels.empty()) out.insert("labels", f.labels.string());
  if (!f.zones.empty()) out.insert("zones", f.zones.string());
  return out;
}

}  // namespace minerisk::schema
