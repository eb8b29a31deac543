#pragma once
// Reads a finished grid through GDAL: an output of `minerisk run` or `sweep` (netCDF-4, named
// .nc or .h5), any raster GDAL reads (a GeoTIFF, a COG), or any GDAL dataset name
// (NETCDF:"f.nc":mean, /vsizip/grids.zip/p.tif). For minerisk's own outputs it also gives the
// evidence layers and the scenario the file was computed from.
#include <filesystem>
#include <map>
#include <string>
#include <vector>

#include "minerisk/engine/gdal_support.hpp"
#include "minerisk/engine/grid.hpp"

namespace minerisk {

class GridFileReader {
 public:
  /// Opens `name`; a UserError if it is missing or GDAL cannot read it as a grid with a CRS.
  /// `variable` chooses a variable of a file that holds several (a sweep's "mean" or "p95");
  /// by default "probability", or a sweep output's "mean". A single raster (a GeoTIFF's band 1)
  /// needs no variable.
  explicit GridFileReader(const std::filesystem::path& name, const std::string& variable = "");

  const Grid& grid() const { return grid_; }
  /// The variable read() reads by default: the chosen one ("" for a single raster).
  const std::string& variable() const { return variable_; }
  /// The evidence layers of a run's output (none for other grids), from the evidence file
  /// beside it (run_file_writer.hpp).
  const std::vector<std::string>& evidence_names() const { return evidence_; }
  /// The evidence file the grid names, beside it (empty when it names none): an input too.
  const std::filesystem::path& evidence_file() const { return evidence_file_; }
  /// A UserError when the grid names an evidence file that is not beside it.
  void require_evidence() const;
  /// The resolved scenario the file was computed from (TOML), or "" when it is not minerisk's.
  const std::string& scenario_toml() const { return scenario_; }
  /// A global attribute of a netCDF grid (title, date_created, history, inputs, run_id,
  /// minerisk_version), or "" when the file has none of that name.
  std::string attribute(const std::string& name) const {
    const auto it = attributes_.find(name);
    return it == attributes_.end() ? std::string() : it->second;
  }
  /// A whole variable, row-major, no-data as NaN: "" for the chosen one, "probability",
  /// "evidence/<name>", or any (y, x) variable of the file.
  std::vector<float> read(const std::string& variable = "") const;
  /// One cell of a variable.
  float read_cell(const std::string& variable, int64_t row, int64_t col) const;
  /// A window (inside the grid) of the chosen variable, row-major, no-data as NaN, read through
  /// `handle`: opened on the first call and kept by the caller, one per thread (GDAL's datasets
  /// are not thread-safe; separate handles of one file are). For reading tile by tile.
  std::vector<float> read_tile(const kernels::Window& window, DatasetPtr& handle) const;
  /// The same for any variable read() takes ("evidence/<name>", a sweep's "sd"), through a
  /// handle of that variable's own.
  std::vector<float> read_variable_window(const std::string& variable, const kernels::Window& window, DatasetPtr& handle) const;
  /// Whether the file holds a (y, x) variable of that name (a sweep's "sd" and "p95").
  bool has_variable(const std::string& variable) const;

 private:
  // The GDAL name of a variable ("" the chosen one), and it opened and checked to be (y, x).
  std::string dataset_of(const std::string& variable) const;
  DatasetPtr open_variable(const std::string& variable, std::string& what) const;
  void find_evidence(const std::string& file_name, const std::string& what);
  void read_evidence(const std::string& what);

  std::filesystem::path name_;
  std::string variable_;
  bool multi_ = false;   // a file of several variables, read as subdatasets
  bool netcdf_ = false;  // read through GDAL's netCDF driver (NETCDF:"file":var)
  Grid grid_;
  std::vector<std::string> evidence_, variables_;
  std::string scenario_;
  std::map<std::string, std::string> attributes_;  // the netCDF's global attributes
  std::filesystem::path evidence_file_;  // empty when the grid names none
  std::string run_id_;                   // the grid's, which its evidence file must share
  bool evidence_missing_ = false;
  bool evidence_foreign_ = false;  // the evidence file of another run
  std::string evidence_problem_;   // why the evidence file cannot be read, if it cannot
};

}  // namespace minerisk
