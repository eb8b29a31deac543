// fit's refusal of a layer that saw the labels: the label raster itself, a grid of `run`
// computed with the finds or the cleared land, a raster a tool computed from them (a `minerisk
// density` of the finds, a `focal` of that...), or the hazard areas of such a grid as a
// vector_distance, as their records name them, traced back through every file between
// (tool_provenance.hpp). Their values saw every label, the training cells' own included, and
// they cannot be rebuilt out of fold: the fit and its cross-validation would not be honest.
// Another program's file carries no record, and is taken as it is (the README says so).
#include <gdal.h>
#include <cpl_string.h>

#include <optional>
#include <utility>

#include "../features/feature.hpp"
#include "fit_design.hpp"
#include "minerisk/engine/dataset_name.hpp"
#include "minerisk/engine/errors.hpp"
#include "minerisk/engine/provenance.hpp"
#include "minerisk/engine/tool_provenance.hpp"

namespace minerisk::fit_detail {
namespace {

// One file of labels: the scenario's finds or cleared land (a layer of a vector file).
class LabelFile {
 public:
  explicit LabelFile(const VectorInputSpec& spec) : spec_(spec) {}

  // Whether `r` names this file: by path (any spelling or link), or by its bytes (the file copied
  // or moved since the record was made).
  bool named_by(const RecordedInput& r) {
    if (same_local_file(r.file.empty() ? r.path : r.file, spec_.path.string())) return true;
    if (r.sha256.empty() || local_file(spec_.path.string()).empty()) return false;
    if (sha256_.empty()) sha256_ = sha256_file(local_file(spec_.path.string()));  // once, if ever
    return r.sha256 == sha256_;
  }

  // Whether `r`, which names this file, read the labels: a tool's or a grid's read of the same
  // layer (in any case, as GDAL's drivers match names). The same file often holds the front
  // lines too, which carry no label. A grid's finds or cleared land read from a file's only
  // layer name none: that file holds nothing else.
  bool read_by(const RecordedInput& r) {
    const bool grid_labels = r.role == "finds" || r.role == "cleared";
    if (r.layer.empty()) return grid_labels;
    if (!layer_known_) layer_ = layer_read(spec_.path, spec_.layer), layer_known_ = true;
    return EQUAL(r.layer.c_str(), layer_.c_str());
  }

 private:
  const VectorInputSpec& spec_;
  std::string sha256_, layer_;
  bool layer_known_ = false;
};

// An entry as the message names it; control characters (a NUL in a planted record would cut
// the line) shown as '?'.
std::string how_named(const RecordedInput& r) {
  // A tool records a path as given, relative to the folder it ran in: its absolute file then.
  const bool relative = !r.file.empty() && std::filesystem::path(r.path).is_relative() && parse_dataset_name(r.path).plain();
  std::string text = (relative ? r.file : r.path) + (r.layer.empty() ? "" : " (layer '" + r.layer + "')");
  if (!r.via.empty()) text += " through " + r.via;
  for (char& c : text)
    if (static_cast<unsigned char>(c) < 0x20) c = '?';
  return text;
}

}  // namespace

void refuse_a_raster_of_the_labels(const Scenario& s, const EvidenceSpec& e, const FitOptions& options) {
  // A raster layer, or a distance to a vector file that is not the labels' own (those are
  // cross-fitted): the hazard areas of a grid computed with the finds saw them too.
  const bool raster = e.feature == "raster";
  if (!raster && !(e.feature == "vector_distance" && e.vector && !features::find_feature_kind(e.feature)->built_from_labels(s, e)))
    return;
  const std::string source = raster ? e.raster.string() : e.vector->path.string();
  const std::string layer = "layer 'model.evidence." + e.name + "'";
  const std::string made = raster ? " reads a raster computed by minerisk from " : " reads a vector file made by minerisk from ";
  const std::string advice = std::string("; ") + (raster ? "a raster" : "such a layer") +
                             " cannot be rebuilt out of fold, so the fit and its cross-validation would not "
                             "be honest: remove the layer for the fit (run may use it), or use a find_density or "
                             "vector_distance layer of the labels, which fit rebuilds without each block's own labels";
  if (raster && !options.spec.labels.empty() && same_local_file(source, options.spec.labels.string()))
    throw UserError(s.file.string() + ": " + layer + " reads the label raster " + options.spec.labels.string() +
                    ", so every training cell would see its own label; remove it");
  const std::vector<RecordedInput> record = traced_inputs(source);
  for (const RecordedInput& r : record)
    if (!options.spec.labels.empty() && same_local_file(r.file.empty() ? r.path : r.file, options.spec.labels.string()))
      throw UserError(s.file.string() + ": " + layer + made + "the label raster " + how_named(r) +
                      ", whose values saw every label, the training cells' own included" + advice);
  const std::pair<const char*, const std::optional<VectorInputSpec>*> label_files[] = {{"finds", &s.finds},
                                                                                       {"cleared land", &s.cleared}};
  for (const auto& [what, spec] : label_files) {
    if (!*spec || record.empty()) continue;
    LabelFile labels(**spec);
    for (const RecordedInput& r : record)
      if (labels.named_by(r) && labels.read_by(r))
        throw UserError(s.file.string() + ": " + layer + made + how_named(r) + ", the scenario's " + what +
                        " (its record of inputs names that file, by path or by bytes, and layer), whose values saw "
                        "every label, the training cells' own included" + advice);
  }
}

}  // namespace minerisk::fit_detail
