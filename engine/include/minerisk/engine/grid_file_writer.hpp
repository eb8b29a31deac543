#pragma once
// The HDF5 output file: CF-1.8 in the netCDF-4 data model, so GDAL (NETCDF:file:var), QGIS,
// ncdump and xarray open it georeferenced. One HDF5 chunk per tile.
#include <hdf5.h>

#include <filesystem>
#include <string>
#include <vector>

#include "minerisk/engine/grid.hpp"
#include "minerisk/engine/model.hpp"

namespace minerisk {

struct OutputMetadata {
  std::string title, history, version, scenario_toml, inputs_json, created_utc;
};

class GridFileWriter {
 public:
  /// Creates the file with its coordinates, CRS, and empty (fill-valued) variables.
  GridFileWriter(const std::filesystem::path& path, const Grid& grid, int64_t tile_size,
                 const std::vector<std::string>& evidence_names, const std::vector<std::string>& evidence_descriptions,
                 const OutputMetadata& metadata);
  ~GridFileWriter();
  GridFileWriter(const GridFileWriter&) = delete;
  GridFileWriter& operator=(const GridFileWriter&) = delete;

  /// Writes one tile's outputs. Not thread-safe (HDF5 is not): the caller serialises.
  void write(const TileResult& tile);
  /// Flushes and closes; errors surface here rather than in the destructor.
  void close();

 private:
  hid_t create_variable(hid_t parent, const std::string& name, const std::string& long_name, const std::string& units);

  const Grid& grid_;
  int64_t tile_size_;
  hid_t file_ = H5I_INVALID_HID, x_ = H5I_INVALID_HID, y_ = H5I_INVALID_HID, evidence_group_ = H5I_INVALID_HID;
  hid_t probability_ = H5I_INVALID_HID;
  std::vector<hid_t> evidence_;
};

}  // namespace minerisk
