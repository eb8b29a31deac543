#include "minerisk/engine/grid_file_reader.hpp"

#include <hdf5.h>

#include <sstream>

#include "minerisk/engine/errors.hpp"
#include "minerisk/engine/gdal_support.hpp"

namespace minerisk {
namespace {

// Closes an HDF5 handle when it goes out of scope.
struct Handle {
  hid_t id;
  herr_t (*close)(hid_t);
  ~Handle() {
    if (id >= 0) close(id);
  }
};

std::string read_text_attribute(hid_t object, const char* name) {
  if (H5Aexists(object, name) <= 0) return "";
  Handle attr{H5Aopen(object, name, H5P_DEFAULT), H5Aclose};
  Handle type{H5Aget_type(attr.id), H5Tclose};
  if (H5Tget_class(type.id) != H5T_STRING) return "";
  if (H5Tis_variable_str(type.id) > 0) {
    char* value = nullptr;
    Handle memtype{H5Tcopy(H5T_C_S1), H5Tclose};
    H5Tset_size(memtype.id, H5T_VARIABLE);
    if (H5Aread(attr.id, memtype.id, &value) < 0 || !value) return "";
    std::string text(value);
    H5free_memory(value);
    return text;
  }
  std::string text(H5Tget_size(type.id), '\0');
  H5Aread(attr.id, type.id, text.data());
  return text.substr(0, text.find('\0'));
}

}  // namespace

GridFileReader::GridFileReader(const std::filesystem::path& path) : path_(path) {
  if (!std::filesystem::exists(path)) throw UserError("grid: file '" + path.string() + "' not found; check the path");
  H5Eset_auto2(H5E_DEFAULT, nullptr, nullptr);
  const std::string what = "grid: '" + path.string() + "'";
  Handle file{H5Fopen(path.c_str(), H5F_ACC_RDONLY, H5P_DEFAULT), H5Fclose};
  if (file.id < 0) throw UserError(what + " is not an HDF5 file; give an output of 'minerisk run'");
  if (H5Lexists(file.id, "probability", H5P_DEFAULT) <= 0 || H5Lexists(file.id, "crs", H5P_DEFAULT) <= 0)
    throw UserError(what + " has no probability or crs variable; give an output of 'minerisk run'");
  Handle crs{H5Dopen2(file.id, "crs", H5P_DEFAULT), H5Dclose};
  const std::string wkt = read_text_attribute(crs.id, "crs_wkt");
  std::istringstream gt_text(read_text_attribute(crs.id, "GeoTransform"));
  std::array<double, 6> gt{};
  for (double& v : gt) gt_text >> v;
  if (wkt.empty() || !gt_text) throw UserError(what + " lacks crs_wkt or GeoTransform; give an output of 'minerisk run'");
  Handle probability{H5Dopen2(file.id, "probability", H5P_DEFAULT), H5Dclose};
  Handle space{H5Dget_space(probability.id), H5Sclose};
  hsize_t dims[2] = {0, 0};
  if (H5Sget_simple_extent_ndims(space.id) != 2) throw UserError(what + ": probability is not two-dimensional");
  H5Sget_simple_extent_dims(space.id, dims, nullptr);
  init_gdal();
  OGRSpatialReference srs;
  srs.importFromWkt(wkt.c_str());
  srs.SetAxisMappingStrategy(OAMS_TRADITIONAL_GIS_ORDER);
  grid_ = make_grid(srs, gt, static_cast<int64_t>(dims[1]), static_cast<int64_t>(dims[0]), what);
  scenario_ = read_text_attribute(file.id, "scenario");
  if (H5Lexists(file.id, "evidence", H5P_DEFAULT) > 0) {
    Handle group{H5Gopen2(file.id, "evidence", H5P_DEFAULT), H5Gclose};
    H5G_info_t info;
    H5Gget_info(group.id, &info);
    for (hsize_t i = 0; i < info.nlinks; ++i) {
      char name[256];
      H5Lget_name_by_idx(group.id, ".", H5_INDEX_CRT_ORDER, H5_ITER_INC, i, name, sizeof name, H5P_DEFAULT);
      evidence_.emplace_back(name);
    }
  }
}

std::vector<float> GridFileReader::read(const std::string& variable) const {
  Handle file{H5Fopen(path_.c_str(), H5F_ACC_RDONLY, H5P_DEFAULT), H5Fclose};
  Handle ds{H5Dopen2(file.id, variable.c_str(), H5P_DEFAULT), H5Dclose};
  if (ds.id < 0) throw UserError("grid: '" + path_.string() + "' has no variable '" + variable + "'");
  std::vector<float> values(static_cast<size_t>(grid_.width() * grid_.height()));
  if (H5Dread(ds.id, H5T_NATIVE_FLOAT, H5S_ALL, H5S_ALL, H5P_DEFAULT, values.data()) < 0)
    throw std::runtime_error("reading '" + variable + "' from '" + path_.string() + "' failed");
  return values;
}

float GridFileReader::read_cell(const std::string& variable, int64_t row, int64_t col) const {
  Handle file{H5Fopen(path_.c_str(), H5F_ACC_RDONLY, H5P_DEFAULT), H5Fclose};
  Handle ds{H5Dopen2(file.id, variable.c_str(), H5P_DEFAULT), H5Dclose};
  if (ds.id < 0) throw UserError("grid: '" + path_.string() + "' has no variable '" + variable + "'");
  Handle space{H5Dget_space(ds.id), H5Sclose};
  const hsize_t start[2] = {static_cast<hsize_t>(row), static_cast<hsize_t>(col)}, count[2] = {1, 1};
  H5Sselect_hyperslab(space.id, H5S_SELECT_SET, start, nullptr, count, nullptr);
  Handle memory{H5Screate_simple(2, count, nullptr), H5Sclose};
  float value = NAN;
  if (H5Dread(ds.id, H5T_NATIVE_FLOAT, memory.id, space.id, H5P_DEFAULT, &value) < 0)
    throw std::runtime_error("reading '" + variable + "' from '" + path_.string() + "' failed");
  return value;
}

}  // namespace minerisk
