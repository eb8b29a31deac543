#pragma once
// `minerisk run`'s output: two netCDF-4 files side by side.
// - OUT.nc holds the probability alone (with x, y and crs), so that GDAL, QGIS and every tool
//   built on GDAL open its plain name as one georeferenced raster: dragged into QGIS,
//   `gdal_translate -of COG OUT.nc`, `gdalwarp OUT.nc` (GDAL's netCDF driver opens a file of
//   several grids only by the name of one, NETCDF:"OUT.nc":var).
// - OUT_evidence.nc holds each evidence layer's contribution in log-odds, named by its layer;
//   OUT.nc names it in its `evidence_file` attribute, so `explain` and `minerisk.open` find it.
// Both carry the same provenance (scenario, inputs, history).
#include <filesystem>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "minerisk/engine/grid_file_writer.hpp"

namespace minerisk {

/// OUT.nc -> OUT_evidence.nc.
std::filesystem::path evidence_file_for(const std::filesystem::path& grid_file);

class RunFileWriter {
 public:
  /// Creates both files: `grid_path` with `probability`, `evidence_path` with one variable per
  /// evidence name. `evidence_name` is what the grid file's `evidence_file` attribute says
  /// (the evidence file's final name, beside it; the paths may be temporaries).
  RunFileWriter(const std::filesystem::path& grid_path, const std::filesystem::path& evidence_path,
                const std::string& evidence_name, const Grid& grid, int64_t tile_size,
                const std::vector<std::string>& evidence_names, const std::vector<std::string>& evidence_descriptions,
                const OutputMetadata& metadata);
  /// One window of the probability and of each evidence layer, in the order of the names.
  /// Not thread-safe: the caller serialises every write.
  void write_tile(const kernels::Window& window, std::span<const float> probability,
                  const std::vector<std::vector<float>>& evidence);
  /// Closes both files; errors surface here.
  void close();

 private:
  GridFileWriter grid_, evidence_;
  GridFileWriter::Variable probability_;
  std::vector<GridFileWriter::Variable> layers_;
};

}  // namespace minerisk
