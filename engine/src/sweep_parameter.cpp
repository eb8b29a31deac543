// What a sweep axis's `parameter` may name (schema::Parameter): resolved against the base
// scenario by the schema's keys, checked and applied to a draw's weights and transforms.
#include <cmath>

#include "scenario_schema.hpp"

namespace minerisk::schema {

std::string Parameter::check(double v) const {
  if (!std::isfinite(v)) return "values must be finite numbers";
  if ((kind == intercept || kind == weight) && !(std::abs(v) <= kMaxLogOdds))
    return "is in log-odds: its values must lie within +-1e6";
  if ((kind == reliability || kind == pod) && !(v >= 0 && v <= 1)) return "is a probability: its values must lie in [0, 1]";
  if (kind == transform_field && transform_key->positive && !(v > 0))
    return "is a length or width: its values must be positive";
  return "";
}

void Parameter::apply(double v, double& intercept_out, std::vector<double>& weights,
                      std::vector<kernels::Transform>& transforms) const {
  switch (kind) {
    case intercept: intercept_out = v; break;
    case weight: weights[layer] = v; break;
    case transform_field: transforms[layer].*(transform_key->field) = v; break;
    case reliability:
    case pod: break;  // the inputs' values: see InputDraw
  }
}

Parameter parameter(const Scenario& base, const std::string& name, const TomlReader& r, const std::string& key) {
  Parameter p;
  if (name == "model.intercept") return p;
  if (name == "records.reliability") {
    if (!base.records) r.fail(key, "names records.reliability but the base scenario has no [records]");
    p.kind = Parameter::reliability;
    return p;
  }
  if (name == "cleared.pod") {
    if (!base.cleared) r.fail(key, "names cleared.pod but the base scenario has no [cleared]");
    p.kind = Parameter::pod;
    return p;
  }
  std::string fields;
  for (const TransformKey& k : transform_keys())
    if (k.field && k.key != "default") fields += (fields.empty() ? "" : "|") + k.key;
  const std::string prefix = "model.evidence.";
  if (name.rfind(prefix, 0) == 0) {
    const std::string rest = name.substr(prefix.size());
    for (size_t i = 0; i < base.evidence.size(); ++i) {
      const EvidenceSpec& e = base.evidence[i];
      p.layer = i;
      if (rest == e.name + ".weight") {
        p.kind = Parameter::weight;
        return p;
      }
      for (const TransformKey& k : transform_keys()) {
        if (!k.field || k.key == "default" || rest != e.name + ".transform." + k.key) continue;
        if (!k.applies_to(e.transform.kind))
          r.fail(key, "'" + name + "' does not apply: layer '" + e.name + "' has a " +
                          kernels::transform_name(e.transform.kind) + " transform, and " + k.key +
                          " applies only to type = " + k.transforms());
        p.kind = Parameter::transform_field;
        p.transform_key = &k;
        return p;
      }
    }
  }
  r.fail(key, "'" + name + "' is not a sweepable parameter; use model.intercept, model.evidence.NAME.weight, "
              "model.evidence.NAME.transform." + fields + ", records.reliability or cleared.pod");
}

}  // namespace minerisk::schema
