#pragma once
// A portable model: what `minerisk fit --model MODEL.toml` learned, without the training
// region's files, so that `minerisk run OTHER/scenario.toml --model MODEL.toml` applies it to
// another region. The file holds the intercept, each layer's definition (feature kind and its
// parameters, never a path), transform and weight, the coefficients' covariance, and the
// training's provenance (README, "The model file").
#include <cstdint>
#include <filesystem>
#include <map>
#include <string>
#include <vector>

#include <toml++/toml.h>

#include "minerisk/engine/ops/fit.hpp"
#include "minerisk/engine/scenario.hpp"

namespace minerisk {

/// What the file's `format` says, and the one version this program reads and writes.
inline constexpr const char* kModelFormat = "minerisk model";
inline constexpr int64_t kModelVersion = 1;

struct ModelFile {
  std::filesystem::path file;  // as loaded; empty for a text parsed in memory
  double intercept = 0;
  /// Each layer with its weight and transform; its vector or raster path is empty (a region's).
  std::vector<EvidenceSpec> evidence;
  std::vector<std::string> covariance_names;      // "intercept", then the layers, as fitted
  std::vector<std::vector<double>> covariance;    // rows in the names' order
  toml::table training;                           // [training]: the provenance, as written
};

/// The model file's text for a fit of `trained` (the training scenario: its paths give the
/// provenance). The weights and transforms are read from `result.fitted_toml`, so whatever the
/// fit learns and writes into the fitted scenario is what the model holds; the options and the
/// files read (--labels, --zones) are `result.spec`'s.
std::string model_file_text(const Scenario& trained, const FitResult& result);

/// Reads a model file; UserError (one line, the file and key) for a file that is not a model,
/// of an unknown version, or with a layer the scenario schema refuses.
ModelFile load_model_file(const std::filesystem::path& file);
/// The same from text; `source` names it in messages.
ModelFile parse_model_file(std::string_view text, const std::filesystem::path& source);

/// `region` with its [model] replaced by the model's: intercept, and each layer's weight and
/// transform. Refused (UserError naming the layer and what differs) when the layers' names,
/// feature kinds or parameters (bandwidth, where, signed, layer ...) are not the same.
Scenario apply_model(const Scenario& region, const ModelFile& model);

/// A layer's settings as "key" -> its TOML value ("bandwidth" -> "250.0").
using LayerDefinition = std::map<std::string, std::string>;

/// What a fitted weight of `layer` holds for: every key of the layer but its weight, its path and
/// its effect, its transform included (a weight per degree is no weight per metre, nor per log of
/// metres). A fit report records it (`layer_definitions`), and a sweep that draws the fit's
/// weights compares its base scenario's layers with it.
LayerDefinition weighted_layer_definition(const EvidenceSpec& layer);

/// The first key, in name order, that one definition lacks or gives another value; empty when
/// the two are the same. `run --model` and a sweep's `weights_from` name it in their refusal.
std::string first_differing_key(const LayerDefinition& a, const LayerDefinition& b);
/// "bandwidth = 250.0", or "no where" for a key the definition leaves out.
std::string setting_in(const LayerDefinition& definition, const std::string& key);

}  // namespace minerisk
