#pragma once
// What a raster tool's output was computed from, kept in the output itself: the GeoTIFF (and
// COG) metadata item `minerisk_inputs`, or the netCDF-4 global attribute of that name. `fit`
// reads it to refuse a layer that a tool computed from the finds or the labels (a density of the
// finds saw every label, the training cells' own included), as it refuses such a grid of `run`.
#include <cstdint>
#include <filesystem>
#include <string>
#include <utility>
#include <vector>

class GDALDataset;

namespace minerisk {

/// The metadata item (GeoTIFF) or global attribute (netCDF-4) that holds the record.
inline constexpr const char* kToolInputsKey = "minerisk_inputs";

/// One input a tool read.
struct ToolInput {
  ToolInput(std::string role_, std::filesystem::path path_, std::string layer_ = "", bool vector_ = false)
      : role(std::move(role_)), path(std::move(path_)), layer(std::move(layer_)), vector(vector_) {}
  std::string role;            // "input", "--like", "old", "new": the command line's name for it
  std::filesystem::path path;  // as given (a GDAL dataset name may be)
  std::string layer;           // a vector input's layer as given ("" for its only layer)
  bool vector = false;         // read as a vector layer (then hashed and its layer named)
};

/// One input as a record names it: a tool's own input, or one its inputs were computed from, as
/// far back as the records go. `via` is the file whose own record named the entry (the nearest
/// file between); traced_inputs() makes it the whole chain ("b.tif through a.nc").
struct RecordedInput {
  std::string role;    // the tool's role, or a grid's ("finds", "cleared", "terrain.dem"...)
  std::string path;    // as the tool or the scenario named it
  std::string file;    // the local file, absolute ("" for a record without one: a remote name)
  std::string layer;   // the vector layer read ("" for a raster; a grid's finds and cleared
                       // entries take their scenario's layer, "" for a file's only one)
  std::string sha256;  // "" when not hashed (rasters, vector files over kToolInputHashLimit)
  std::string via;     // "" for the tool's own input
};

/// Vector files up to this size are hashed, so a record still names a copy of the finds moved
/// or made elsewhere; rasters are not (a DEM of gigabytes would cost more than the tool).
inline constexpr uintmax_t kToolInputHashLimit = uintmax_t{256} << 20;

/// The record of `inputs` as JSON: each input, then what each input's own record names (not a
/// --like template's: it gives the grid only), each entry once, at most 1000 entries and 1 MiB
/// of text; when more must go, vector reads (which may be the labels) are kept before rasters.
std::string tool_inputs_json(const std::vector<ToolInput>& inputs);

/// Writes `record` as the global text attribute minerisk_inputs of a netCDF-4 file (GDAL's
/// netCDF driver strips the quotes out of a copied metadata item, which breaks the JSON).
void write_tool_inputs_netcdf4(const std::filesystem::path& nc, const std::string& record);

/// What an open dataset's records name, in any of the three places they are written: the
/// metadata item `minerisk_inputs` (a GeoTIFF, COG, HFA or GeoPackage raster tool output,
/// written through GDAL; the GeoPackage of `minerisk areas`), the netCDF-4 global attribute of
/// that name (a tool's netCDF output, written by write_tool_inputs_netcdf4), or a grid's
/// `inputs` attribute (run, sweep, update: roles "finds", "cleared"..., the label layers taken
/// from its `scenario`). Empty for another program's file, or an unreadable record (it cannot be
/// told apart from no record). At most 1000 entries; a record over 4 MiB (planted: minerisk
/// writes at most 1) is not read.
std::vector<RecordedInput> recorded_inputs(GDALDataset& dataset);
/// The same for a dataset name (raster or vector); empty when GDAL cannot open it.
std::vector<RecordedInput> recorded_inputs(const std::string& name);

/// Everything `name` was computed from, as far back as the records go: its record, then the
/// records of the files that one names (a grid's raster layer made by a tool, the grid behind
/// hazard areas...), each entry once, `via` the chain of files between ("b.tif through a.nc").
/// Opens at most 64 files (a mosaic VRT's tiles count each), none remote (a record is never a
/// reason to reach the network); `cut_short`, when given, says whether a file or an entry was
/// left out for that cap or the cap of 1000 entries. `opened`, when given, receives every file
/// the trace opened, `name` and a VRT's sources included: what the values were read from.
std::vector<RecordedInput> traced_inputs(const std::string& name, bool* cut_short = nullptr,
                                         std::vector<std::string>* opened = nullptr);

/// The name of the layer a vector input reads: `layer` itself, or the only layer of the file
/// when `layer` is empty ("" when the file cannot be opened or has not exactly one layer).
std::string layer_read(const std::filesystem::path& path, const std::string& layer);

}  // namespace minerisk
