// The record of a tool's inputs (tool_provenance.hpp): written as JSON into the output,
// read back by fit and by the next tool that takes the output as its input.
#include "minerisk/engine/tool_provenance.hpp"

#include <hdf5.h>

#include <gdal_priv.h>
#include <ogrsf_frmts.h>

#include <nlohmann/json.hpp>
#include <toml++/toml.h>

#include <algorithm>
#include <cstring>
#include <deque>
#include <map>
#include <set>

#include "cf_variables.hpp"
#include "hdf5_handles.hpp"
#include "minerisk/engine/dataset_name.hpp"
#include "minerisk/engine/gdal_support.hpp"
#include "minerisk/engine/errors.hpp"
#include "minerisk/engine/provenance.hpp"
#include "minerisk/engine/toml_reader.hpp"

namespace minerisk {
namespace {

// A record keeps at most this many entries and bytes (the tool's own inputs first), and a much
// longer text is not read: a chain of diffs of a grid and its copy would double it at every step.
constexpr size_t kMaxEntries = 1000;
constexpr size_t kMaxRecordBytes = size_t{1} << 20;
constexpr size_t kMaxReadBytes = size_t{4} << 20;
// At most this many files are opened to trace a layer's inputs back (traced_inputs).
constexpr size_t kMaxTracedFiles = 64;

std::string text_of(const nlohmann::json& entry, const char* key) {
  const auto it = entry.find(key);
  return it != entry.end() && it->is_string() ? it->get<std::string>() : "";
}

// The layers a grid's scenario read its finds and cleared land from ("" for a file's only
// layer), by role, from its `scenario` attribute.
std::map<std::string, std::string> label_layers_of_grid(const char* scenario) {
  std::map<std::string, std::string> layers;
  if (!scenario) return layers;
  try {
    const toml::table t = parse_toml_text(scenario, "a grid's scenario attribute");
    for (const char* role : {"finds", "cleared"})
      if (const auto layer = t[role]["layer"].value<std::string>()) layers[role] = *layer;
  } catch (const UserError&) {  // not TOML, or past the limits: the roles stand without layers
  }
  return layers;
}

// The entries of one record (a JSON array of objects with at least a string path); the rest
// of the record is left out, never trusted half.
void append_entries(const char* text, const std::map<std::string, std::string>* grid_layers,
                    std::vector<RecordedInput>& out) {
  if (!text || std::strlen(text) > kMaxReadBytes) return;
  const nlohmann::json record = nlohmann::json::parse(text, nullptr, false);
  if (!record.is_array()) return;
  for (const nlohmann::json& entry : record) {
    if (out.size() >= kMaxEntries) return;
    if (!entry.is_object() || text_of(entry, "path").empty()) continue;
    RecordedInput r{text_of(entry, "role"), text_of(entry, "path"), text_of(entry, "file"),
                    text_of(entry, "layer"), text_of(entry, "sha256"), text_of(entry, "via")};
    if (grid_layers) {
      // A grid records the scenario's paths, already absolute, and no layers: the scenario has them.
      if (r.file.empty()) r.file = local_file(r.path).string();
      if (const auto it = grid_layers->find(r.role); it != grid_layers->end()) r.layer = it->second;
    }
    out.push_back(std::move(r));
  }
}

// What an entry is known by when entries are merged: the same input reached by two ways is one.
std::string identity(const RecordedInput& r) {
  return r.role + '\n' + (r.file.empty() ? r.path : r.file) + '\n' + r.layer + '\n' + r.sha256;
}

// The name to open an entry by: its path as recorded when that stands on its own (absolute, or a
// GDAL name), else its absolute file (a tool records paths as given, relative to its folder).
std::string name_to_open(const RecordedInput& r) {
  if (r.file.empty() || std::filesystem::path(r.path).is_absolute() || !parse_dataset_name(r.path).plain())
    return r.path;
  return r.file;
}

struct TracedFile {
  std::vector<std::filesystem::path> files;  // what the dataset lists, a VRT's sources included
  std::vector<RecordedInput> records;        // its records of inputs
};

// One file of a trace, opened once for both what it lists and what it records. Nothing for a
// name GDAL cannot open, nor for a local name that is no regular file or folder: a fifo would
// hold the open for ever.
TracedFile open_traced_file(const std::string& name) {
  const std::filesystem::path file = local_file(name);
  std::error_code error;
  const std::filesystem::file_type type = std::filesystem::status(file, error).type();
  if (!file.empty() && type != std::filesystem::file_type::regular && type != std::filesystem::file_type::directory)
    return {};
  init_gdal();
  const GdalErrorTrap quiet;  // not a dataset, or unreadable: nothing traced (its reader says why)
  DatasetPtr ds(GDALDataset::Open(name.c_str(), GDAL_OF_RASTER | GDAL_OF_VECTOR | GDAL_OF_READONLY));
  TracedFile traced;
  if (ds) traced = {files_of_dataset(*ds, name), recorded_inputs(*ds)};
  CPLErrorReset();  // a failed open is no error of the caller's
  return traced;
}

}  // namespace

std::string layer_read(const std::filesystem::path& path, const std::string& layer) {
  if (!layer.empty()) return layer;
  init_gdal();
  const GdalErrorTrap quiet;  // the tool's own reader names what is wrong with the file
  DatasetPtr ds(GDALDataset::Open(path.c_str(), GDAL_OF_VECTOR | GDAL_OF_READONLY));
  const std::string name = ds && ds->GetLayerCount() == 1 ? ds->GetLayer(0)->GetName() : "";
  CPLErrorReset();  // a failed open is no error of the caller's
  return name;
}

std::vector<RecordedInput> recorded_inputs(GDALDataset& dataset) {
  std::vector<RecordedInput> found;
  append_entries(dataset.GetMetadataItem(kToolInputsKey), nullptr, found);
  append_entries(dataset.GetMetadataItem((std::string("NC_GLOBAL#") + kToolInputsKey).c_str()), nullptr, found);
  const std::map<std::string, std::string> layers = label_layers_of_grid(dataset.GetMetadataItem("NC_GLOBAL#scenario"));
  append_entries(dataset.GetMetadataItem("NC_GLOBAL#inputs"), &layers, found);
  return found;
}

std::vector<RecordedInput> recorded_inputs(const std::string& name) {
  init_gdal();
  const GdalErrorTrap quiet;  // not a dataset, or unreadable: no record (its reader says why)
  DatasetPtr ds(GDALDataset::Open(name.c_str(), GDAL_OF_RASTER | GDAL_OF_VECTOR | GDAL_OF_READONLY));
  std::vector<RecordedInput> found = ds ? recorded_inputs(*ds) : std::vector<RecordedInput>{};
  CPLErrorReset();  // a failed open is no error of the caller's
  return found;
}

std::vector<RecordedInput> traced_inputs(const std::string& name, bool* cut_short, std::vector<std::string>* opened_files) {
  std::vector<RecordedInput> out;
  std::set<std::string> seen, opened{name};
  bool cut = false;
  // Queues a file to open unless it was, or the cap is reached (then the trace is cut short).
  std::deque<std::pair<std::string, std::string>> queue{{name, ""}};
  const auto follow = [&](const std::string& next, const std::string& chain) {
    if (opened.count(next)) return;
    if (opened.size() >= kMaxTracedFiles) {
      cut = true;
      return;
    }
    opened.insert(next);
    queue.push_back({next, chain});
  };
  // Each file to open, with the chain of files from `name` to it, itself included ("" for `name`).
  while (!queue.empty() && out.size() < kMaxEntries) {
    const auto [file, chain] = queue.front();
    queue.pop_front();
    const TracedFile traced = open_traced_file(file);
    if (opened_files) opened_files->push_back(file);
    // A VRT (gdalbuildvrt of a tool's output) records nothing itself: its sources are traced.
    // `chain` names the files from the layer to this one, this one included (but the layer).
    const std::filesystem::path itself = local_file(file);
    for (const std::filesystem::path& source : traced.files)
      if (source != itself && !is_side_file(source))
        follow(source.string(), source.string() + (chain.empty() ? "" : " through " + chain));
    for (RecordedInput r : traced.records) {
      if (!chain.empty()) r.via = r.via.empty() ? chain : r.via + " through " + chain;
      if (!seen.insert(identity(r)).second) continue;
      if (out.size() >= kMaxEntries) {
        cut = true;
        break;
      }
      const std::string next = name_to_open(r);
      // A label file is where a trace ends: it is what the caller looks for. A template (--like)
      // gave its grid only, never its values.
      if (r.role != "finds" && r.role != "cleared" && r.role != "--like" && !parse_dataset_name(next).remote)
        follow(next, r.path + (r.via.empty() ? "" : " through " + r.via));
      out.push_back(std::move(r));
    }
  }
  // Files left unopened when the entry cap stopped the trace: it was cut short too.
  if (cut_short) *cut_short = cut || !queue.empty();
  return out;
}

std::string tool_inputs_json(const std::vector<ToolInput>& inputs) {
  nlohmann::json record = nlohmann::json::array();
  std::vector<RecordedInput> inherited;
  for (const ToolInput& input : inputs) {
    if (input.path.empty()) continue;  // an input not given
    const std::filesystem::path file = local_file(input.path.string());
    std::error_code error;
    const std::filesystem::path absolute = file.empty() ? file : std::filesystem::absolute(file, error);
    nlohmann::json entry = {{"role", input.role}, {"path", input.path.string()}, {"file", absolute.string()}};
    const std::optional<FileStat> stat = stat_file(file);
    if (stat) entry["size"] = stat->size;
    if (input.vector) {
      entry["layer"] = layer_read(input.path, input.layer);
      try {
        if (stat && stat->size <= kToolInputHashLimit) entry["sha256"] = sha256_file(file);
      } catch (const std::exception&) {  // GDAL read it, the hash could not: known by path only
      }
    }
    record.push_back(std::move(entry));
    // What the input was computed from, when minerisk made it (a raster tool's output, a grid,
    // the hazard areas), so the chain stays traced. Not a template's: --like gives the grid only.
    if (input.role == "--like") continue;
    for (RecordedInput& r : recorded_inputs(input.path.string())) {
      if (r.via.empty()) r.via = absolute.empty() ? input.path.string() : absolute.string();
      inherited.push_back(std::move(r));
    }
  }
  // Vector reads first (a layer may be the labels, which fit looks for), then the rest, each
  // once (a file and its copy diffed: one entry), while the record stays within its limits.
  std::stable_partition(inherited.begin(), inherited.end(), [](const RecordedInput& r) { return !r.layer.empty(); });
  std::set<std::string> seen;
  size_t bytes = record.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace).size();
  for (const RecordedInput& r : inherited) {
    if (record.size() >= kMaxEntries) break;
    if (!seen.insert(identity(r)).second) continue;
    nlohmann::json entry = {{"role", r.role}, {"path", r.path}, {"file", r.file}, {"via", r.via}};
    if (!r.layer.empty()) entry["layer"] = r.layer;
    if (!r.sha256.empty()) entry["sha256"] = r.sha256;
    const size_t size = entry.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace).size() + 1;
    if (bytes + size > kMaxRecordBytes) continue;  // a shorter one may still fit
    bytes += size;
    record.push_back(std::move(entry));
  }
  // A path that is not UTF-8 (a Latin-1 file name) is kept with its odd bytes replaced: JSON
  // holds only UTF-8, and such a file is still known by its SHA-256.
  return record.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

void write_tool_inputs_netcdf4(const std::filesystem::path& nc, const std::string& record) {
  // A classic netCDF file (--co FORMAT=NC) is not HDF5: it goes without the record.
  if (H5Fis_hdf5(nc.c_str()) <= 0) return;
  h5::quiet_errors();
  h5::File file(H5Fopen(nc.c_str(), H5F_ACC_RDWR, H5P_DEFAULT));
  if (!file.valid()) h5::fail("opening " + nc.string() + " to record its inputs");
  cf::set_text(file.get(), kToolInputsKey, record);
  if (file.close() < 0) h5::fail("closing " + nc.string() + " after recording its inputs");
}

}  // namespace minerisk
