#include "minerisk/engine/model_file.hpp"

#include <algorithm>
#include <cmath>
#include <map>
#include <set>
#include <sstream>

#include "../features/feature.hpp"
#include "minerisk/engine/covariance_check.hpp"
#include "minerisk/engine/errors.hpp"
#include "minerisk/engine/grid.hpp"
#include "minerisk/engine/provenance.hpp"
#include "minerisk/engine/toml_reader.hpp"
#include "scenario_schema.hpp"

namespace fs = std::filesystem;

namespace minerisk {
namespace {

std::string text_of(const toml::node& node) {
  std::ostringstream out;
  node.visit([&](const auto& n) { out << n; });
  return out.str();
}

// A layer's keys as written in a scenario, but those `left_out`: what must be the same in a region
// for a weight to mean the same thing there. Written by the scenario schema, so a key added there
// is compared here.
LayerDefinition definition_without(const EvidenceSpec& e, std::initializer_list<const char*> left_out) {
  toml::table t = schema::write_evidence(e);
  for (const char* key : left_out) t.erase(key);
  LayerDefinition out;
  for (const auto& [key, value] : t) out[std::string(key.str())] = text_of(value);
  return out;
}

// A path as the provenance names it without tying the model to the training machine: relative
// to the training scenario's folder when inside it, otherwise the file's name alone.
std::string portable_name(const fs::path& path, const fs::path& base) {
  const fs::path relative = path.lexically_relative(base);
  if (relative.empty() || *relative.begin() == "..") return path.filename().string();
  return relative.string();
}

// Every file the training read, each with its size and SHA-256 (hashed once per file).
toml::array training_inputs(const Scenario& s, const FitSpec& spec) {
  std::vector<std::pair<std::string, fs::path>> roles{{"scenario", s.file}, {"terrain.dem", s.dem}};
  if (s.front_lines) roles.emplace_back("front_lines", s.front_lines->path);
  if (s.finds) roles.emplace_back("finds", s.finds->path);
  if (s.cleared) roles.emplace_back("cleared", s.cleared->path);
  if (s.records) roles.emplace_back("records", s.records->path);
  for (const EvidenceSpec& e : s.evidence) {
    if (e.vector) roles.emplace_back("model.evidence." + e.name, e.vector->path);
    if (!e.raster.empty()) roles.emplace_back("model.evidence." + e.name, e.raster);
  }
  if (!spec.labels.empty()) roles.emplace_back("fit.labels", spec.labels);
  if (!spec.zones.empty()) roles.emplace_back("fit.zones", spec.zones);
  std::map<fs::path, InputFile> described;
  toml::array out;
  const fs::path base = s.file.parent_path();
  for (const auto& [role, path] : roles) {
    auto it = described.find(path);
    if (it == described.end()) it = described.emplace(path, describe_input(role, path)).first;
    out.push_back(toml::table{{"role", role},
                              {"file", portable_name(path, base)},
                              {"size", static_cast<int64_t>(it->second.size)},
                              {"sha256", it->second.sha256}});
  }
  return out;
}

toml::table training_grid(const Scenario& s) {
  const Grid grid = s.grid ? grid_from_spec(*s.grid, s.file) : grid_from_raster(s.dem);
  toml::table t;
  const OGRSpatialReference srs = grid.srs();
  const char* authority = srs.GetAuthorityName(nullptr);
  const char* code = srs.GetAuthorityCode(nullptr);
  if (authority && code) t.insert("crs", std::string(authority) + ":" + code);
  t.insert("crs_wkt", grid.crs_wkt);
  const auto b = grid.bounds();
  t.insert("bounds", toml::array{b[0], b[1], b[2], b[3]});
  t.insert("resolution", toml::array{grid.frame.cell_width(), grid.frame.cell_height()});
  t.insert("size", toml::array{grid.width(), grid.height()});
  return t;
}

toml::table training_table(const Scenario& trained, const FitResult& r) {
  const FitSpec& spec = r.spec;  // the options the fit ran with
  toml::table t;
  t.insert("date", utc_now_iso8601());
  t.insert("scenario", trained.file.filename().string());
  t.insert("positives", r.positives);
  t.insert("negatives", r.negatives);
  t.insert("cv_folds", r.folds);
  if (r.repeats > 1) {  // the weights are the median of this many fits, with the seeds seed, seed + 1, ...
    t.insert("repeats", r.repeats);
    t.insert("seed", static_cast<int64_t>(spec.seed));
  }
  if (r.folds > 0) {  // NaN otherwise, which TOML files should not hold
    t.insert("cv_roc_auc", r.cv_roc_auc);
    t.insert("cv_pr_auc", r.cv_pr_auc);
  }
  // The options the fit ran with; the label and zone rasters by portable name, as in `inputs`.
  toml::table fit = schema::write_fit(spec);
  const fs::path base = trained.file.parent_path();
  if (!spec.labels.empty()) fit.insert_or_assign("labels", portable_name(spec.labels, base));
  if (!spec.zones.empty()) fit.insert_or_assign("zones", portable_name(spec.zones, base));
  t.insert("fit", std::move(fit));
  t.insert("grid", training_grid(trained));
  t.insert("inputs", training_inputs(trained, spec));
  return t;
}

toml::table covariance_table(const FitResult& r) {
  toml::array names, rows;
  for (const Coefficient& c : r.coefficients) names.push_back(c.name);
  for (const std::vector<double>& row : r.covariance) {
    toml::array values;
    for (double v : row) values.push_back(v);
    rows.push_back(std::move(values));
  }
  return toml::table{{"names", std::move(names)}, {"values", std::move(rows)}};
}

[[noreturn]] void not_a_model(const fs::path& source, const std::string& why) {
  throw UserError(source.string() + ": is not a minerisk model file (" + why +
                  "); write one with 'minerisk fit SCENARIO -o FITTED.toml --model MODEL.toml'");
}

void check_format(const toml::table& root, const fs::path& source) {
  const std::optional<std::string> format = root["format"].value<std::string>();
  if (!format) {
    not_a_model(source, root.contains("terrain") ? "it looks like a scenario file: it has [terrain] and no format key"
                                                 : "it has no format = \"" + std::string(kModelFormat) + "\"");
  }
  if (*format != kModelFormat) not_a_model(source, "its format is \"" + *format + "\"");
  const std::optional<int64_t> version = root["version"].value_exact<int64_t>();
  if (!version)
    throw UserError(source.string() + ": 'version' is missing or not a whole number; a model file says version = " +
                    std::to_string(kModelVersion));
  if (*version != kModelVersion)
    throw UserError(source.string() + ": model file version " + std::to_string(*version) +
                    " is not one this minerisk reads (it reads version " + std::to_string(kModelVersion) +
                    "); refit the model with this minerisk, or run a minerisk that reads it");
}

// A layer of the model, read and checked by the scenario schema itself. A path is refused: it
// belongs to the region's scenario, so a kind that reads a file (a vector or raster layer) is
// read without one, its path left empty.
EvidenceSpec read_model_layer(const std::string& name, const toml::table& table, const fs::path& source) {
  const TomlReader r(table, "model.evidence." + name, source, schema::evidence_key_names());
  if (r.has("path"))
    r.fail("path", "belongs to a region's scenario, not to a model; remove it (the region's scenario names its file)");
  // A scenario's layer without a transform is linear; a model's weight means nothing without the
  // transform it was fitted on, and fit always writes it, so one left out is refused, not assumed.
  if (!r.has("transform"))
    r.fail("transform", "is missing; the weight holds only for the transform it was fitted with: restore the "
                        "layer's transform from the model fit wrote, or refit");
  // Read in place (not from a copy, which would lose the lines a message names).
  return schema::read_evidence(name, table, "model.evidence", source, schema::LayerPath::from_region);
}

void read_covariance(const TomlReader& top, ModelFile& m) {
  const toml::table* cov = top.table("covariance");
  if (!cov) return;
  const TomlReader r(*cov, "covariance", top.file(), {"names", "values"});
  if (const toml::array* names = (*cov)["names"].as_array())
    for (const toml::node& n : *names) {
      if (!n.is_string()) r.fail("names", "must be an array of names");
      m.covariance_names.push_back(*n.value<std::string>());
      // The coefficients fit names: the intercept, a layer, or a layer's segment of its curve.
      const std::string& name = m.covariance_names.back();
      const std::string layer = name.substr(0, name.find(":segment "));
      if (name != "intercept" &&
          std::none_of(m.evidence.begin(), m.evidence.end(), [&](const EvidenceSpec& e) { return e.name == layer; }))
        r.fail("names", "names '" + name + "', which is no coefficient of this model's layers; restore the "
                        "covariance fit wrote");
    }
  if (const toml::array* rows = (*cov)["values"].as_array())
    for (const toml::node& row : *rows) {
      const toml::array* values = row.as_array();
      if (!values || values->size() != m.covariance_names.size())
        r.fail("values", "must hold one row per name, each with one number per name");
      m.covariance.emplace_back();
      for (const toml::node& v : *values) {
        if (!v.is_number()) r.fail("values", "must hold numbers");
        m.covariance.back().push_back(*v.value<double>());
      }
    }
  if (m.covariance.size() != m.covariance_names.size()) r.fail("values", "must hold one row per name");
  // `run` does not use it, but whoever reads the model (a sweep's draws, a report) would take
  // NaN or a negative variance at its word.
  if (const std::string problem = covariance_problem(m.covariance_names, m.covariance); !problem.empty())
    r.fail("values", problem + "; restore the covariance fit wrote");
}

const EvidenceSpec* find_layer(const std::vector<EvidenceSpec>& layers, const std::string& name) {
  const auto it = std::find_if(layers.begin(), layers.end(), [&](const EvidenceSpec& e) { return e.name == name; });
  return it == layers.end() ? nullptr : &*it;
}

// Refuses a region layer whose definition is not the model's, naming the first key that differs.
void check_same_definition(const EvidenceSpec& in_model, const EvidenceSpec& in_region, const std::string& model_name,
                           const std::string& region_name) {
  const std::string layer = "layer '" + in_model.name + "'";
  if (in_model.feature != in_region.feature)
    throw UserError(model_name + ": " + layer + " is feature = \"" + in_model.feature + "\" in the model but \"" +
                    in_region.feature + "\" in " + region_name + "; the model's weight holds only for its own feature: "
                    "give the scenario's layer the model's feature, or fit a model on it");
  // The model's transform replaces the region's, so it is not compared; the effect is a constraint
  // on how the weight was fitted, not part of what the layer measures.
  const LayerDefinition model_def = definition_without(in_model, {"weight", "transform", "path", "effect"});
  const LayerDefinition region_def = definition_without(in_region, {"weight", "transform", "path", "effect"});
  const std::string key = first_differing_key(model_def, region_def);
  if (key.empty()) return;
  const auto in_m = model_def.find(key);
  const std::string fix = in_m != model_def.end() ? "set " + key + " = " + in_m->second + " in" : "remove " + key + " from";
  throw UserError(model_name + ": " + layer + " has " + setting_in(model_def, key) + " in the model but " +
                  setting_in(region_def, key) + " in " + region_name + "; the model's weight holds for the model's " +
                  key + ": " + fix + " the scenario's [model.evidence." + in_model.name + "]");
}

}  // namespace

LayerDefinition weighted_layer_definition(const EvidenceSpec& layer) {
  return definition_without(layer, {"weight", "path", "effect"});
}

std::string first_differing_key(const LayerDefinition& a, const LayerDefinition& b) {
  std::set<std::string> keys;
  for (const auto& [key, value] : a) keys.insert(key);
  for (const auto& [key, value] : b) keys.insert(key);
  for (const std::string& key : keys)
    if (setting_in(a, key) != setting_in(b, key)) return key;
  return "";
}

std::string setting_in(const LayerDefinition& definition, const std::string& key) {
  const auto it = definition.find(key);
  return it == definition.end() ? "no " + key : key + " = " + it->second;
}

std::string model_file_text(const Scenario& trained, const FitResult& r) {
  // The fitted scenario holds what the fit learned (intercept, weights, transforms).
  const Scenario fitted = parse_scenario(parse_toml_text(r.fitted_toml, "the fitted scenario"), trained.file);
  toml::table evidence;
  for (const EvidenceSpec& e : fitted.evidence) {
    toml::table layer = schema::write_evidence(e);
    layer.erase("path");
    evidence.insert(e.name, std::move(layer));
  }
  toml::table root;
  root.insert("format", kModelFormat);
  root.insert("version", kModelVersion);
  root.insert("model", toml::table{{"intercept", fitted.intercept}, {"evidence", std::move(evidence)}});
  root.insert("covariance", covariance_table(r));
  root.insert("training", training_table(trained, r));
  std::ostringstream out;
  // toml++ writes each double with 17 significant digits (0.05 as 0.050000000000000003), which
  // always read back to the same bits.
  out << "# A minerisk model, fitted by 'minerisk fit' on " << trained.file.filename().string() << ".\n"
      << "# Apply it to a region whose scenario defines the same layers:\n"
      << "#   minerisk run REGION/scenario.toml --model THIS.toml -o OUT.nc\n\n"
      << toml::toml_formatter(root) << "\n";
  return out.str();
}

static ModelFile model_from_table(const toml::table& root, const fs::path& source) {
  check_format(root, source);
  const TomlReader top(root, "", source, {"format", "version", "model", "covariance", "training"});
  ModelFile m;
  m.file = source;
  const toml::table* model = top.table("model");
  if (!model) top.fail("model", "is missing; a model file holds [model] with its intercept and layers");
  const TomlReader mr(*model, "model", source, {"intercept", "evidence"});
  m.intercept = mr.required_number("intercept", "give the model's intercept in log-odds");
  if (!(std::abs(m.intercept) <= kMaxLogOdds)) mr.fail("intercept", "must be a number of log-odds within +-1e6");
  const toml::table* evidence = mr.table("evidence");
  if (!evidence || evidence->empty()) mr.fail("evidence", "is missing; a model holds at least one layer");
  for (const auto& [key, node] : *evidence) {
    const std::string name(key.str());
    if (!node.is_table()) mr.fail("evidence", "must hold one table per layer, e.g. [model.evidence." + name + "]");
    m.evidence.push_back(read_model_layer(name, *node.as_table(), source));
  }
  read_covariance(top, m);
  if (const toml::table* training = top.table("training")) m.training = *training;
  return m;
}

ModelFile parse_model_file(std::string_view text, const fs::path& source) {
  return model_from_table(parse_toml_text(text, source.string()), source);
}

ModelFile load_model_file(const fs::path& file) {
  require_existing(file, "model file");
  return model_from_table(parse_toml_file(file, "model file"), file);
}

Scenario apply_model(const Scenario& region, const ModelFile& model) {
  const std::string model_name = model.file.empty() ? "the model" : model.file.string();
  const std::string region_name = region.file.string();
  for (const EvidenceSpec& m : model.evidence) {
    const EvidenceSpec* r = find_layer(region.evidence, m.name);
    if (!r)
      throw UserError(model_name + ": layer '" + m.name + "' of the model is missing from " + region_name +
                      "; add [model.evidence." + m.name + "] with feature = \"" + m.feature +
                      "\" to the scenario, or use a model fitted without it");
    check_same_definition(m, *r, model_name, region_name);
  }
  for (const EvidenceSpec& r : region.evidence)
    if (!find_layer(model.evidence, r.name))
      throw UserError(region_name + ": layer '" + r.name + "' is not in the model " + model_name +
                      "; remove [model.evidence." + r.name + "] from the scenario, or fit a model with it");
  // The region's scenario as resolved (its paths, grid, inputs), with the model's numbers, read
  // back by the scenario reader so the result is a scenario like any other.
  toml::table root = parse_toml_text(region.resolved_toml, region_name);
  toml::table evidence;
  for (const EvidenceSpec& r : region.evidence) {
    EvidenceSpec applied = r;
    const EvidenceSpec& m = *find_layer(model.evidence, r.name);
    applied.weight = m.weight;
    applied.transform = m.transform;
    evidence.insert(r.name, schema::write_evidence(applied));
  }
  root.insert_or_assign("model", toml::table{{"intercept", model.intercept}, {"evidence", std::move(evidence)}});
  return parse_scenario(root, region.file);
}

}  // namespace minerisk
