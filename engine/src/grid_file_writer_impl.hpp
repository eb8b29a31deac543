#pragma once
// GridFileWriter's state, shared by the file that creates an output (grid_file_writer.cpp) and
// the one that reopens a copy of one to patch it (grid_file_patch.cpp). Internal to the writer.
#include <hdf5.h>

#include <algorithm>
#include <stdexcept>
#include <string>
#include <tuple>
#include <vector>

#include "cf_variables.hpp"
#include "hdf5_handles.hpp"
#include "minerisk/engine/grid_file_writer.hpp"

namespace minerisk {

namespace grid_file_detail {
inline void check_size(const kernels::Window& w, std::span<const float> values) {
  if (w.width <= 0 || w.height <= 0 || values.size() != static_cast<size_t>(w.cells()))
    throw std::invalid_argument("GridFileWriter: " + std::to_string(values.size()) + " values for a window of " +
                                std::to_string(w.width) + " x " + std::to_string(w.height) + " cells");
}

/// A root attribute: fixed-length text as netCDF writes it, or a variable-length string.
struct RootText {
  std::string name, value;
  bool variable_length = false;
};
/// The root attributes of a file for `meta`, in their order (netCDF lists them in creation order).
std::vector<RootText> root_attributes(const OutputMetadata& meta);

}  // namespace grid_file_detail

struct GridFileWriter::Impl {
  Impl(const std::filesystem::path& file_path, const Grid& file_grid, int64_t tiles)
      : path(file_path), width(file_grid.width()), height(file_grid.height()), tile_size(tiles), grid(file_grid) {}

  h5::File file;  // first, so that on every path it is destroyed after the objects in it
  std::filesystem::path path;  // named in errors
  int64_t width = 0, height = 0, tile_size = 0;
  h5::Dataset x, y, scenario;
  bool reopened = false;  // a copy being patched: attributes are overwritten in place
  Grid grid;  // a copy (a frame and a WKT): groups made later get its coordinates and CRS
  struct GroupOfGrids {
    std::string name;
    h5::Group group;
    h5::Dataset x, y;  // its own coordinates (write_xy)
  };
  std::vector<GroupOfGrids> groups;  // by name, in creation order
  struct Gridded {
    h5::Dataset dataset;
    int rank = 2;
    int64_t layers = 1;
    double packed_scale = 0;  // > 0: int16 packed with this scale_factor; 0: float32
    int64_t clipped = 0;      // finite values written beyond the packed range
  };
  std::vector<Gridded> variables;  // everything added, in order; closed in that order

  GroupOfGrids& group(const std::string& name) {
    for (GroupOfGrids& g : groups)
      if (g.name == name) return g;
    const h5::PropertyList gcpl = cf::ordered_creation_plist(H5P_GROUP_CREATE);
    GroupOfGrids g{name, h5::Group(H5Gcreate2(file.get(), name.c_str(), H5P_DEFAULT, gcpl.get(), H5P_DEFAULT)), {}, {}};
    h5::require(g.group, "group " + name);
    std::tie(g.x, g.y) = cf::write_xy(g.group.get(), grid);
    cf::write_crs_variable(g.group.get(), grid);
    groups.push_back(std::move(g));
    return groups.back();
  }

  hid_t scenario_dimension(hsize_t count) {
    if (scenario.valid()) return scenario.get();
    std::vector<double> index(count);
    for (hsize_t i = 0; i < count; ++i) index[i] = static_cast<double>(i);
    scenario = cf::write_coordinate(file.get(), "scenario", index);
    cf::set_text(scenario.get(), "long_name", "scenario number (the rows of the parameter table)");
    cf::set_text(scenario.get(), "units", "1");  // an index: dimensionless (CF 3.1)
    return scenario.get();
  }

  hsize_t chunk_rows() const { return static_cast<hsize_t>(std::min<int64_t>(tile_size, height)); }
  hsize_t chunk_cols() const { return static_cast<hsize_t>(std::min<int64_t>(tile_size, width)); }

  bool is_chunk(const kernels::Window& w) const {
    const auto rows = static_cast<int64_t>(chunk_rows()), cols = static_cast<int64_t>(chunk_cols());
    return w.row0 >= 0 && w.col0 >= 0 && w.row0 % rows == 0 && w.col0 % cols == 0 && w.row0 < height &&
           w.col0 < width && w.height == std::min(rows, height - w.row0) && w.width == std::min(cols, width - w.col0);
  }

  EncodedChunk encode(std::size_t index, int rank, int64_t layer, const kernels::Window& w,
                      std::span<const float> values, std::span<const std::byte> stored = {}) const {
    const Gridded& v = gridded(index, rank);
    if (layer < 0 || layer >= v.layers)
      throw std::invalid_argument("GridFileWriter: layer " + std::to_string(layer) + " of a stack of " +
                                  std::to_string(v.layers));
    grid_file_detail::check_size(w, values);
    if (!is_chunk(w))
      throw std::invalid_argument("GridFileWriter: the window at row " + std::to_string(w.row0) + ", column " +
                                  std::to_string(w.col0) + " is not one chunk of the file");
    int64_t clipped = 0;
    std::vector<std::byte> bytes = encode_detached(values, w, static_cast<int64_t>(chunk_rows()),
                                                   static_cast<int64_t>(chunk_cols()), v.packed_scale, &clipped, stored);
    return {this, index, layer, w, std::move(bytes), clipped};
  }

  const Gridded& gridded(std::size_t index, int rank) const {
    if (index >= variables.size() || variables[index].rank != rank)
      throw std::invalid_argument(file.valid() ? "GridFileWriter: not a variable of this file"
                                               : "GridFileWriter: the file is closed");
    return variables[index];
  }
};

}  // namespace minerisk
