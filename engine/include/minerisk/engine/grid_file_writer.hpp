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
  /// Creates the file with its coordinates, CRS and root attributes; variables are added after.
  GridFileWriter(const std::filesystem::path& path, const Grid& grid, int64_t tile_size, const OutputMetadata& metadata);
  /// `run`'s file: the above with `probability` and `evidence/<name>` for each name.
  GridFileWriter(const std::filesystem::path& path, const Grid& grid, int64_t tile_size,
                 const std::vector<std::string>& evidence_names, const std::vector<std::string>& evidence_descriptions,
                 const OutputMetadata& metadata);
  ~GridFileWriter();
  GridFileWriter(const GridFileWriter&) = delete;
  GridFileWriter& operator=(const GridFileWriter&) = delete;

  /// Writes one tile's outputs. Not thread-safe (HDF5 is not): the caller serialises.
  void write(const TileResult& tile);

  /// A float32 (y, x) variable, chunked by tile, in the root or in `group`.
  hid_t add_variable(const std::string& name, const std::string& long_name, const std::string& units,
                     const std::string& group = "");
  /// One window of a (y, x) variable.
  void write(hid_t variable, const kernels::Window& window, const std::vector<float>& values);
  /// A float32 (scenario, y, x) variable of `count` layers.
  hid_t add_stack(const std::string& name, int64_t count, const std::string& long_name, const std::string& units);
  /// One window of one layer of a stack.
  void write(hid_t stack, int64_t layer, const kernels::Window& window, const std::vector<float>& values);
  /// A float64 variable along the `scenario` dimension (created with the first one).
  void add_series(const std::string& name, const std::vector<double>& values, const std::string& long_name,
                  const std::string& units);
  /// Flushes and closes; errors surface here rather than in the destructor.
  void close();

 private:
  hid_t create_variable(hid_t parent, const std::string& name, const std::string& long_name, const std::string& units);
  hid_t scenario_dimension(hsize_t count);

  const Grid& grid_;
  int64_t tile_size_;
  hid_t file_ = H5I_INVALID_HID, x_ = H5I_INVALID_HID, y_ = H5I_INVALID_HID, evidence_group_ = H5I_INVALID_HID;
  hid_t probability_ = H5I_INVALID_HID, scenario_ = H5I_INVALID_HID;
  std::vector<hid_t> evidence_, variables_;  // variables_: everything added, closed at the end
};

}  // namespace minerisk
