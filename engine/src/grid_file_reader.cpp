#include "minerisk/engine/grid_file_reader.hpp"

#include <cmath>
#include <sstream>

#include "hdf5_handles.hpp"
#include "minerisk/engine/errors.hpp"
#include "minerisk/engine/gdal_support.hpp"

namespace minerisk {
namespace {

std::string read_text_attribute(hid_t object, const char* name) {
  if (H5Aexists(object, name) <= 0) return "";
  h5::Attribute attr(H5Aopen(object, name, H5P_DEFAULT));
  if (!attr.valid()) return "";
  h5::Datatype type(H5Aget_type(attr.get()));
  if (!type.valid() || H5Tget_class(type.get()) != H5T_STRING) return "";
  if (H5Tis_variable_str(type.get()) > 0) {
    h5::Datatype memtype(H5Tcopy(H5T_C_S1));
    if (!memtype.valid() || H5Tset_size(memtype.get(), H5T_VARIABLE) < 0) return "";
    char* value = nullptr;
    if (H5Aread(attr.get(), memtype.get(), &value) < 0 || !value) return "";
    std::string text(value);
    H5free_memory(value);
    return text;
  }
  std::string text(H5Tget_size(type.get()), '\0');
  if (H5Aread(attr.get(), type.get(), text.data()) < 0) return "";
  return text.substr(0, text.find('\0'));
}

// Closes a file whose objects are all closed, reporting a failure.
void close_file(h5::File& file) { h5::check(file.close(), "closing the file"); }

h5::File open_file(const std::filesystem::path& path) {
  h5::File file(H5Fopen(path.c_str(), H5F_ACC_RDONLY, H5P_DEFAULT));
  if (!file.valid()) throw UserError("grid: cannot open '" + path.string() + "'; check the file is still there");
  return file;
}

// Throws unless `space` is (y, x) and of the grid's size: read and read_cell read into a buffer
// of that shape.
void check_yx(hid_t space, const Grid& grid, const std::filesystem::path& path, const std::string& variable) {
  hsize_t dims[2] = {0, 0};
  if (H5Sget_simple_extent_ndims(space) != 2 || H5Sget_simple_extent_dims(space, dims, nullptr) < 0 ||
      dims[0] != static_cast<hsize_t>(grid.height()) || dims[1] != static_cast<hsize_t>(grid.width()))
    throw UserError("grid: '" + path.string() + "': '" + variable + "' is not a (y, x) variable of the grid");
}

}  // namespace

// Each public entry stops HDF5 printing errors on its thread, and turns them into a UserError
// naming the file (in a function-try-block): a file that fails to read is a damaged one.
GridFileReader::GridFileReader(const std::filesystem::path& path) try : path_(path) {
  if (!std::filesystem::exists(path)) throw UserError("grid: file '" + path.string() + "' not found; check the path");
  h5::quiet_errors();
  const std::string what = "grid: '" + path.string() + "'";
  h5::File file(H5Fopen(path.c_str(), H5F_ACC_RDONLY, H5P_DEFAULT));  // first: closed after the objects in it
  if (!file.valid()) throw UserError(what + " is not an HDF5 file; give an output of 'minerisk run'");
  if (H5Lexists(file.get(), "probability", H5P_DEFAULT) <= 0 || H5Lexists(file.get(), "crs", H5P_DEFAULT) <= 0)
    throw UserError(what + " has no probability or crs variable; give an output of 'minerisk run'");
  std::string wkt;
  std::istringstream gt_text;
  {
    h5::Dataset crs(H5Dopen2(file.get(), "crs", H5P_DEFAULT));
    if (!crs.valid()) throw UserError(what + ": its crs variable cannot be read; give an output of 'minerisk run'");
    wkt = read_text_attribute(crs.get(), "crs_wkt");
    gt_text.str(read_text_attribute(crs.get(), "GeoTransform"));
  }
  std::array<double, 6> gt{};
  for (double& v : gt) gt_text >> v;
  if (wkt.empty() || !gt_text) throw UserError(what + " lacks crs_wkt or GeoTransform; give an output of 'minerisk run'");
  hsize_t dims[2] = {0, 0};
  {
    h5::Dataset probability(H5Dopen2(file.get(), "probability", H5P_DEFAULT));
    if (!probability.valid()) throw UserError(what + ": its probability variable cannot be read");
    h5::Dataspace space(H5Dget_space(probability.get()));
    if (!space.valid() || H5Sget_simple_extent_ndims(space.get()) != 2)
      throw UserError(what + ": probability is not two-dimensional");
    H5Sget_simple_extent_dims(space.get(), dims, nullptr);
  }
  init_gdal();
  OGRSpatialReference srs;
  srs.importFromWkt(wkt.c_str());
  srs.SetAxisMappingStrategy(OAMS_TRADITIONAL_GIS_ORDER);
  grid_ = make_grid(srs, gt, static_cast<int64_t>(dims[1]), static_cast<int64_t>(dims[0]), what);
  scenario_ = read_text_attribute(file.get(), "scenario");
  if (H5Lexists(file.get(), "evidence", H5P_DEFAULT) > 0) {
    h5::Group group(H5Gopen2(file.get(), "evidence", H5P_DEFAULT));
    H5G_info_t info;
    if (!group.valid() || H5Gget_info(group.get(), &info) < 0)
      throw UserError(what + ": its evidence group cannot be read");
    for (hsize_t i = 0; i < info.nlinks; ++i) {
      char name[256];
      H5Lget_name_by_idx(group.get(), ".", H5_INDEX_CRT_ORDER, H5_ITER_INC, i, name, sizeof name, H5P_DEFAULT);
      evidence_.emplace_back(name);
    }
  }
  close_file(file);
} catch (const h5::Error& e) {
  h5::rethrow_for_input(e, path);
}

std::vector<float> GridFileReader::read(const std::string& variable) const try {
  h5::quiet_errors();
  require_whole_grid_memory(grid_, sizeof(float), "reading a whole variable");
  h5::File file = open_file(path_);
  std::vector<float> values(static_cast<size_t>(grid_.width() * grid_.height()));
  {
    h5::Dataset ds(H5Dopen2(file.get(), variable.c_str(), H5P_DEFAULT));
    if (!ds.valid()) throw UserError("grid: '" + path_.string() + "' has no variable '" + variable + "'");
    h5::Dataspace space(H5Dget_space(ds.get()));
    if (!space.valid()) h5::fail("reading " + variable);
    check_yx(space.get(), grid_, path_, variable);
    if (H5Dread(ds.get(), H5T_NATIVE_FLOAT, H5S_ALL, H5S_ALL, H5P_DEFAULT, values.data()) < 0)
      h5::fail("reading " + variable);
  }
  close_file(file);
  return values;
} catch (const h5::Error& e) {
  h5::rethrow_for_input(e, path_);
}

float GridFileReader::read_cell(const std::string& variable, int64_t row, int64_t col) const try {
  h5::quiet_errors();
  h5::File file = open_file(path_);
  float value = NAN;
  {
    h5::Dataset ds(H5Dopen2(file.get(), variable.c_str(), H5P_DEFAULT));
    if (!ds.valid()) throw UserError("grid: '" + path_.string() + "' has no variable '" + variable + "'");
    h5::Dataspace space(H5Dget_space(ds.get()));
    if (!space.valid()) h5::fail("reading " + variable);
    check_yx(space.get(), grid_, path_, variable);
    const hsize_t start[2] = {static_cast<hsize_t>(row), static_cast<hsize_t>(col)}, count[2] = {1, 1};
    h5::Dataspace memory(H5Screate_simple(2, count, nullptr));
    if (!memory.valid() || H5Sselect_hyperslab(space.get(), H5S_SELECT_SET, start, nullptr, count, nullptr) < 0 ||
        H5Dread(ds.get(), H5T_NATIVE_FLOAT, memory.get(), space.get(), H5P_DEFAULT, &value) < 0)
      h5::fail("reading " + variable);
  }
  close_file(file);
  return value;
} catch (const h5::Error& e) {
  h5::rethrow_for_input(e, path_);
}

}  // namespace minerisk
