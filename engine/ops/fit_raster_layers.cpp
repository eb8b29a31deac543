// fit's refusal of a raster layer that saw the labels: the label raster itself, a grid of
// `run` computed with the finds or the cleared land, or a raster a tool computed from them (a
// `minerisk density` of the finds, a `focal` of that...), as their records name them
// (tool_provenance.hpp). Their values saw every label, the training cells' own included, and a
// raster cannot be rebuilt out of fold: the fit and its cross-validation would not be honest.
// Another program's raster carries no record, and is taken as it is (the README says so).
#include <gdal.h>
#include <cpl_string.h>

#include <optional>
#include <utility>

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

  // Whether `r`, which names this file, read the labels: a grid's finds or cleared land, or a
  // tool's read of the same layer (in any case, as GDAL's drivers match names). The same file
  // often holds the front lines too, which carry no label.
  bool read_by(const RecordedInput& r) {
    if (r.role == "finds" || r.role == "cleared") return true;
    if (r.layer.empty()) return false;
    if (!layer_known_) layer_ = layer_read(spec_.path, spec_.layer), layer_known_ = true;
    return EQUAL(r.layer.c_str(), layer_.c_str());
  }

 private:
  const VectorInputSpec& spec_;
  std::string sha256_, layer_;
  bool layer_known_ = false;
};

std::string how_named(const RecordedInput& r) {
  std::string text = r.path + (r.layer.empty() ? "" : " (layer '" + r.layer + "')");
  if (!r.via.empty()) text += " through " + r.via;
  return text;
}

}  // namespace

void refuse_a_raster_of_the_labels(const Scenario& s, const EvidenceSpec& e, const FitOptions& options) {
  if (e.feature != "raster") return;
  const std::string layer = "layer 'model.evidence." + e.name + "'";
  const std::string advice = "; a raster cannot be rebuilt out of fold, so the fit and its cross-validation would not "
                             "be honest: remove the layer for the fit (run may use it), or use a find_density or "
                             "vector_distance layer, which fit rebuilds without each block's own labels";
  if (!options.spec.labels.empty() && same_local_file(e.raster.string(), options.spec.labels.string()))
    throw UserError(s.file.string() + ": " + layer + " reads the label raster " + options.spec.labels.string() +
                    ", so every training cell would see its own label; remove it");
  const std::vector<RecordedInput> record = recorded_inputs(e.raster.string());
  for (const RecordedInput& r : record)
    if (!options.spec.labels.empty() && same_local_file(r.file.empty() ? r.path : r.file, options.spec.labels.string()))
      throw UserError(s.file.string() + ": " + layer + " reads a raster computed by minerisk from the label raster " +
                      how_named(r) + ", whose values saw every label, the training cells' own included" + advice);
  const std::pair<const char*, const std::optional<VectorInputSpec>*> label_files[] = {{"finds", &s.finds},
                                                                                       {"cleared land", &s.cleared}};
  for (const auto& [what, spec] : label_files) {
    if (!*spec || record.empty()) continue;
    LabelFile labels(**spec);
    for (const RecordedInput& r : record)
      if (labels.named_by(r) && labels.read_by(r))
        throw UserError(s.file.string() + ": " + layer + " reads a raster computed by minerisk from " + how_named(r) +
                        ", the file and layer of the scenario's " + what +
                        " (its record of inputs says so, by path or by bytes), whose values saw every label, the "
                        "training cells' own included" + advice);
  }
}

}  // namespace minerisk::fit_detail
