#pragma once
// The scenario schema: every key of an evidence layer and of a transform, listed once, with its
// type, range, default and the feature kinds or transforms it applies to. From it come the
// reader (scenario.cpp), the resolved TOML stored in each output, the nearest-key suggestions
// and the parameters a sweep may vary.
#include <filesystem>
#include <string>
#include <vector>

#include <toml++/toml.h>

#include "minerisk/engine/scenario.hpp"
#include "minerisk/engine/toml_reader.hpp"

namespace minerisk::schema {

/// A key of [model.evidence.NAME]. Which feature kinds take it is said by each kind's own
/// `keys` (engine/features); feature, weight and transform belong to every kind.
struct EvidenceKey {
  std::string key;
  std::string help;
  bool common = false;  // taken by every feature kind
  void (*read)(const TomlReader& r, EvidenceSpec& e, const std::filesystem::path& base) = nullptr;
  void (*write)(const EvidenceSpec& e, toml::table& out) = nullptr;
};

/// A key of a transform table. Numeric keys name the Transform field they set.
struct TransformKey {
  std::string key;
  std::string help;
  std::vector<kernels::TransformKind> applies;  // empty: every transform
  double kernels::Transform::*field = nullptr;  // a number the key sets (and a sweep may vary)
  double default_value = 0;
  bool positive = false;  // > 0; otherwise any finite number
  bool required = false;  // for the transforms it applies to

  /// Whether the key applies to a transform of this kind.
  bool applies_to(kernels::TransformKind kind) const;
  /// "\"exp_decay\"" (or a list, "a, b or c"): the transforms the key applies to.
  std::string transforms() const;
};

const std::vector<EvidenceKey>& evidence_keys();
const std::vector<TransformKey>& transform_keys();

/// Every key name of an evidence layer, for the reader's nearest-key suggestions.
std::vector<std::string> evidence_key_names();

/// Where a layer's file is named: in its own table (a scenario), or by the region's scenario that
/// a model is applied to (a model file's layer: `path` is then not required, and left empty).
enum class LayerPath { in_table, from_region };

/// Reads [model.evidence.NAME] (UserError naming the key, and its line, otherwise).
EvidenceSpec read_evidence(const std::string& name, const toml::table& table, const std::string& prefix,
                           const std::filesystem::path& file, LayerPath path = LayerPath::in_table);
/// The layer as resolved TOML: every key that applies, defaults filled in.
toml::table write_evidence(const EvidenceSpec& e);
/// [fit] as resolved TOML: every option with its default filled in, paths absolute; but
/// `repeats` only when not 1, and `labels` and `zones` only when given.
toml::table write_fit(const FitSpec& f);

/// What a sweep axis's `parameter` may name, resolved against a base scenario.
struct Parameter {
  enum Kind { intercept, weight, transform_field, reliability, pod } kind = intercept;
  size_t layer = 0;
  const TransformKey* transform_key = nullptr;  // transform_field
  /// Checks that `value` is valid for the parameter; returns an empty string or what is wrong.
  std::string check(double value) const;
  /// Sets the parameter in a layer's weight or transform, or the intercept.
  void apply(double value, double& intercept, std::vector<double>& weights,
             std::vector<kernels::Transform>& transforms) const;
};

/// Resolves `name` (e.g. "model.evidence.finds.transform.length"), or fails through `r` on
/// `key`, listing what may be swept.
Parameter parameter(const Scenario& base, const std::string& name, const TomlReader& r, const std::string& key);

}  // namespace minerisk::schema
