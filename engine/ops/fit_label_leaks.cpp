// fit's refusal of a layer that saw the labels: the label raster itself, a grid of `run`
// computed with the finds or the cleared land, a raster a tool computed from them (a `minerisk
// density` of the finds, a `focal` of that...), or the hazard areas of such a grid as a
// vector_distance, as their records name them, traced back through every file between
// (tool_provenance.hpp). Their values saw every label, the training cells' own included, and
// they cannot be rebuilt out of fold: the fit and its cross-validation would not be honest.
// Another program's file carries no record, and is taken as it is (the README says so).
#include <gdal.h>
#include <cpl_string.h>

#include <filesystem>
#include <optional>
#include <utility>

#include "../features/feature.hpp"
#include "fit_design.hpp"
#include "minerisk/engine/dataset_name.hpp"
#include "minerisk/engine/errors.hpp"
#include "minerisk/engine/gdal_support.hpp"
#include "minerisk/engine/ogr_vrt_source.hpp"
#include "minerisk/engine/provenance.hpp"
#include "minerisk/engine/tool_provenance.hpp"
#include "minerisk/engine/xml_head.hpp"

namespace minerisk::fit_detail {

// The file's SHA-256, once a fit if ever, and only for a plain file of the size a tool hashes.
const std::string& LabelLeakCheck::LabelFile::own_sha256() {
  if (!hashed) {
    hashed = true;
    const std::filesystem::path file = local_file(spec.path.string());
    const std::optional<FileStat> stat = stat_file(file);
    try {
      if (stat && stat->size <= kToolInputHashLimit) sha256 = sha256_file(file);
    } catch (const std::exception&) {  // unreadable: its reader names it; nothing to match
    }
  }
  return sha256;
}

// Whether `r` names this file: by path (any spelling or link), or by its bytes (the file copied
// or moved since the record was made).
bool LabelLeakCheck::LabelFile::named_by(const RecordedInput& r) {
  if (same_local_file(r.file.empty() ? r.path : r.file, spec.path.string())) return true;
  return !r.sha256.empty() && !own_sha256().empty() && r.sha256 == own_sha256();
}

// Whether `v` reads this layer, of this file or of a copy of it (hashed only at the same size).
bool LabelLeakCheck::LabelFile::holds_layer(const VectorInputSpec& v) {
  if (!layer_known) layer = layer_read(spec.path, spec.layer), layer_known = true;
  if (!EQUAL(layer_read(v.path, v.layer).c_str(), layer.c_str())) return false;
  if (same_local_file(v.path.string(), spec.path.string())) return true;
  const std::optional<FileStat> theirs = stat_file(local_file(v.path.string()));
  const std::optional<FileStat> ours = stat_file(local_file(spec.path.string()));
  if (!theirs || !ours || theirs->size != ours->size || own_sha256().empty()) return false;
  try {
    return sha256_file(local_file(v.path.string())) == own_sha256();
  } catch (const std::exception&) {  // unreadable: its reader names it
    return false;
  }
}

// Whether `r`, which names this file, read the labels: a tool's or a grid's read of the same
// layer (in any case, as GDAL's drivers match names). The same file often holds the front lines
// too, which carry no label. A grid's finds or cleared land read from a file's only layer name
// none: that file holds nothing else.
bool LabelLeakCheck::LabelFile::read_by(const RecordedInput& r) {
  const bool grid_labels = r.role == "finds" || r.role == "cleared";
  if (r.layer.empty()) return grid_labels;
  if (!layer_known) layer = layer_read(spec.path, spec.layer), layer_known = true;
  return EQUAL(r.layer.c_str(), layer.c_str());
}

// Whether `name` is the label raster: the file itself, or a copy of its bytes (a file of another
// size never is, so only a file of the same size is hashed).
bool LabelLeakCheck::LabelRaster::is(const std::string& name) {
  if (same_local_file(name, path.string())) return true;
  const std::filesystem::path file = local_file(name);
  if (file.empty()) return false;
  if (!described) {
    described = true;
    const std::optional<FileStat> stat = stat_file(local_file(path.string()));
    if (stat) size = stat->size;
    own_files = files_of_dataset(path.string());
    // A VRT's bytes name its sources relative to itself: the same text elsewhere reads other
    // files. A VRT of labels is matched by its sources instead.
    is_vrt = file_head_names_element(local_file(path.string()), "VRTDataset");
  }
  for (const std::filesystem::path& own : own_files)
    if (!is_side_file(own) && same_local_file(name, own.string())) return true;
  if (is_vrt) return false;
  const std::optional<FileStat> stat = stat_file(file);
  if (!size || !stat || stat->size != *size || std::filesystem::is_directory(file)) return false;
  const auto hash = [](const std::filesystem::path& f) {
    try {
      return sha256_file(f);
    } catch (const std::exception&) {  // unreadable: its reader names it; nothing to match
      return std::string();
    }
  };
  if (sha256.empty()) sha256 = hash(local_file(path.string()));
  auto [known, fresh] = hashes.try_emplace(file.string());
  if (fresh) known->second = hash(file);
  return !sha256.empty() && known->second == sha256;
}

LabelLeakCheck::LabelLeakCheck(const Scenario& s, const FitOptions& options) : s_(s), options_(options) {
  // The finds and the cleared land, and the layers behind them when they are read through an OGR VRT.
  for (const auto& [what, spec] : {std::pair{"finds", &s.finds}, std::pair{"cleared land", &s.cleared}})
    if (*spec)
      for (const VectorInputSpec& v : layer_and_layers_behind(**spec)) labels_.push_back({what, v, {}, {}});
  if (!options.spec.labels.empty()) label_raster_ = LabelRaster{options.spec.labels, {}, {}, false, false, {}, {}};
}

namespace {

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

// The vector layer an entry names, as a scenario would.
VectorInputSpec read_as_vector(const RecordedInput& r) {
  VectorInputSpec v;
  v.path = r.file.empty() ? r.path : r.file;
  v.layer = r.layer;
  return v;
}

}  // namespace

void LabelLeakCheck::refuse(const EvidenceSpec& e) {
  // The records are no labels, and fit never rebuilds their coverage: [records] pointed at the
  // finds' or the cleared land's own layer (whose cells are the negatives) would carry the labels
  // into the fit unrebuilt, with a weight of -7.9 and no word.
  // The same layer of the same file, of a copy of it, or behind an OGR VRT on either side.
  if (e.feature == "record_coverage" && s_.records)
    for (const VectorInputSpec& records : layer_and_layers_behind(*s_.records))
      for (LabelFile& l : labels_)
        if (l.holds_layer(records))
          throw UserError(s_.file.string() + ": layer 'model.evidence." + e.name + "' is the coverage of [records], "
                          "which reads the layer of the scenario's " + l.what + " (" + l.spec.path.string() +
                          ", layer '" + l.layer + "'), so it would carry the labels into the fit; point [records] at "
                          "the minefield records");
  // A raster layer, or a distance to a vector file that is not the labels' own (those are
  // cross-fitted): the hazard areas of a grid computed with the finds saw them too.
  const bool raster = e.feature == "raster";
  if (!raster && !(e.feature == "vector_distance" && e.vector &&
                   !features::find_feature_kind(e.feature)->built_from_labels(s_, e)))
    return;
  const std::string source = raster ? e.raster.string() : e.vector->path.string();
  const std::string file = s_.file.string(), layer = "layer 'model.evidence." + e.name + "'";
  const std::string made = raster ? " reads a raster computed by minerisk from " : " reads a vector file made by minerisk from ";
  const std::string advice = std::string("; ") + (raster ? "a raster" : "such a layer") +
                             " cannot be rebuilt out of fold, so the fit and its cross-validation would not "
                             "be honest: remove the layer for the fit (run may use it), or use a find_density or "
                             "vector_distance layer of the labels, which fit rebuilds without each block's own labels";
  const std::filesystem::path& labels = options_.spec.labels;
  if (raster && !labels.empty() && same_local_file(source, labels.string()))
    throw UserError(file + ": " + layer + " reads the label raster " + labels.string() +
                    ", so every training cell would see its own label; remove it");
  bool cut_short = false;
  std::vector<std::string> opened;  // the layer's file, a VRT's sources, and the files records name
  const std::vector<RecordedInput> traced = traced_inputs(source, &cut_short, &opened);
  // Said, never silent: a label file beyond the caps (a mosaic of more than 63 tiles, say) is
  // not looked for.
  if (cut_short)
    notes_.push_back(layer + ": the record of what " + source +
                     " was computed from was traced through at most 64 files and 1000 entries, and went further; "
                     "a label file beyond them was not looked for");
  for (const RecordedInput& r : traced) {
    if (r.role == "--like") continue;  // a template gave its grid, not its values
    if (!labels.empty() && same_local_file(r.file.empty() ? r.path : r.file, labels.string()))
      throw UserError(file + ": " + layer + made + "the label raster " + how_named(r) +
                      ", whose values saw every label, the training cells' own included" + advice);
    // The entry itself, and the layer behind it when it is an OGR VRT (a density of a VRT over
    // the finds read the finds).
    std::vector<RecordedInput> read = {r};
    if (!r.layer.empty())
      for (const VectorInputSpec& behind : layers_behind(read_as_vector(r))) {
        RecordedInput b = r;
        b.path = b.file = behind.path.string();
        b.layer = behind.layer;
        b.sha256.clear();
        b.via = r.via.empty() ? r.path : r.path + " through " + r.via;
        read.push_back(std::move(b));
      }
    for (const RecordedInput& entry : read)
      for (LabelFile& l : labels_)
        if (l.named_by(entry) && l.read_by(entry))
          throw UserError(file + ": " + layer + made + how_named(entry) + ", the scenario's " + l.what +
                          " (its record of inputs names that file, by path or by bytes, and layer), whose values saw "
                          "every label, the training cells' own included" + advice);
  }
  // The label raster under another name, which no record names as such: a copy of it, a VRT
  // over it, or a tool's output of either (a focal of the copy), each of whose values saw every
  // label.
  if (label_raster_)
    for (const std::string& f : opened)
      if (label_raster_->is(f))
        throw UserError(file + ": " + layer + " reads " +
                        (same_local_file(f, labels.string()) ? "the label raster " + labels.string()
                                                             : f + ", a copy of the label raster " + labels.string()) +
                        (f == source ? "" : " (through " + source + ")") +
                        ", whose values saw every label, the training cells' own included" + advice);
}

}  // namespace minerisk::fit_detail
