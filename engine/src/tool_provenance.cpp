// The record of a tool's inputs (tool_provenance.hpp): written as JSON into the output,
// read back by fit and by the next tool that takes the output as its input.
#include "minerisk/engine/tool_provenance.hpp"

#include <hdf5.h>

#include <gdal_priv.h>
#include <ogrsf_frmts.h>

#include <nlohmann/json.hpp>

#include "cf_variables.hpp"
#include "hdf5_handles.hpp"
#include "minerisk/engine/dataset_name.hpp"
#include "minerisk/engine/gdal_support.hpp"
#include "minerisk/engine/provenance.hpp"

namespace minerisk {
namespace {

std::string text_of(const nlohmann::json& entry, const char* key) {
  const auto it = entry.find(key);
  return it != entry.end() && it->is_string() ? it->get<std::string>() : "";
}

// The entries of one record (a JSON array of objects with at least a string path); the rest
// of the record is left out, never trusted half.
void append_entries(const char* text, bool grid, std::vector<RecordedInput>& out) {
  if (!text) return;
  const nlohmann::json record = nlohmann::json::parse(text, nullptr, false);
  if (!record.is_array()) return;
  for (const nlohmann::json& entry : record) {
    if (!entry.is_object() || text_of(entry, "path").empty()) continue;
    RecordedInput r{text_of(entry, "role"), text_of(entry, "path"), text_of(entry, "file"),
                    text_of(entry, "layer"), text_of(entry, "sha256"), text_of(entry, "via")};
    // A grid records the scenario's paths, already absolute: its file is the path's.
    if (grid && r.file.empty()) r.file = local_file(r.path).string();
    out.push_back(std::move(r));
  }
}

}  // namespace

std::string layer_read(const std::filesystem::path& path, const std::string& layer) {
  if (!layer.empty()) return layer;
  init_gdal();
  const GdalErrorTrap quiet;  // the tool's own reader names what is wrong with the file
  DatasetPtr ds(GDALDataset::Open(path.c_str(), GDAL_OF_VECTOR | GDAL_OF_READONLY));
  if (!ds || ds->GetLayerCount() != 1) return "";
  return ds->GetLayer(0)->GetName();
}

std::vector<RecordedInput> recorded_inputs(GDALDataset& raster) {
  std::vector<RecordedInput> found;
  append_entries(raster.GetMetadataItem(kToolInputsKey), false, found);
  append_entries(raster.GetMetadataItem((std::string("NC_GLOBAL#") + kToolInputsKey).c_str()), false, found);
  append_entries(raster.GetMetadataItem("NC_GLOBAL#inputs"), true, found);
  return found;
}

std::vector<RecordedInput> recorded_inputs(const std::string& raster) {
  init_gdal();
  const GdalErrorTrap quiet;  // not a raster, or unreadable: no record (its reader says why)
  DatasetPtr ds(GDALDataset::Open(raster.c_str(), GDAL_OF_RASTER | GDAL_OF_READONLY));
  return ds ? recorded_inputs(*ds) : std::vector<RecordedInput>{};
}

std::string tool_inputs_json(const std::vector<ToolInput>& inputs) {
  nlohmann::json record = nlohmann::json::array();
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
      if (stat && stat->size <= kHashLimit) entry["sha256"] = sha256_file(file);
    }
    record.push_back(std::move(entry));
    if (input.vector) continue;
    // A raster computed by minerisk: what it was computed from, so the chain stays traced.
    for (const RecordedInput& r : recorded_inputs(input.path.string())) {
      nlohmann::json inherited = {{"role", r.role}, {"path", r.path}, {"file", r.file},
                                  {"via", r.via.empty() ? absolute.string() : r.via}};
      if (!r.layer.empty()) inherited["layer"] = r.layer;
      if (!r.sha256.empty()) inherited["sha256"] = r.sha256;
      record.push_back(std::move(inherited));
    }
  }
  return record.dump();
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
