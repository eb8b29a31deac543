#include "cf_variables.hpp"

#include <H5DSpublic.h>  // after hdf5.h, which it needs

#include <algorithm>
#include <stdexcept>
#include <cstdio>
#include <cstring>

#include "cf_grid_mapping.hpp"

namespace minerisk::cf {

using h5::check;
using h5::require;

// A fixed-length string attribute, which netCDF reads as a text (NC_CHAR) attribute.
void set_text(hid_t object, const std::string& name, const std::string& value) {
  h5::Datatype type(H5Tcopy(H5T_C_S1));
  require(type, "string type for attribute " + name);
  check(H5Tset_size(type.get(), std::max<size_t>(value.size(), 1)), "string type for attribute " + name);
  check(H5Tset_strpad(type.get(), H5T_STR_NULLTERM), "string type for attribute " + name);
  h5::Dataspace space(H5Screate(H5S_SCALAR));
  require(space, "dataspace for attribute " + name);
  h5::Attribute attr(H5Acreate2(object, name.c_str(), type.get(), space.get(), H5P_DEFAULT, H5P_DEFAULT));
  require(attr, "attribute " + name);
  check(H5Awrite(attr.get(), type.get(), value.empty() ? "" : value.c_str()), "writing attribute " + name);
}

namespace {
h5::Datatype variable_string_type(const std::string& name) {
  h5::Datatype type(H5Tcopy(H5T_C_S1));
  require(type, "string type for attribute " + name);
  check(H5Tset_size(type.get(), H5T_VARIABLE), "string type for attribute " + name);
  check(H5Tset_cset(type.get(), H5T_CSET_UTF8), "string type for attribute " + name);
  return type;
}
}  // namespace

void set_string(hid_t object, const std::string& name, const std::string& value) {
  const h5::Datatype type = variable_string_type(name);
  h5::Dataspace space(H5Screate(H5S_SCALAR));
  require(space, "dataspace for attribute " + name);
  h5::Attribute attr(H5Acreate2(object, name.c_str(), type.get(), space.get(), H5P_DEFAULT, H5P_DEFAULT));
  require(attr, "attribute " + name);
  const char* text = value.c_str();
  check(H5Awrite(attr.get(), type.get(), &text), "writing attribute " + name);
}

bool text_fits(hid_t object, const std::string& name, const std::string& value) {
  if (H5Aexists(object, name.c_str()) <= 0) return false;
  h5::Attribute attr(H5Aopen(object, name.c_str(), H5P_DEFAULT));
  if (!attr.valid()) return false;
  h5::Datatype type(H5Aget_type(attr.get()));
  if (!type.valid() || H5Tget_class(type.get()) != H5T_STRING) return false;
  return H5Tis_variable_str(type.get()) > 0 || H5Tget_size(type.get()) == std::max<size_t>(value.size(), 1);
}

void overwrite_text(hid_t object, const std::string& name, const std::string& value) {
  if (!text_fits(object, name, value))
    throw std::invalid_argument("attribute " + name + " cannot take a value of " + std::to_string(value.size()) +
                                " bytes in place");
  h5::Attribute attr(H5Aopen(object, name.c_str(), H5P_DEFAULT));
  require(attr, "attribute " + name);
  h5::Datatype stored(H5Aget_type(attr.get()));
  require(stored, "type of attribute " + name);
  if (H5Tis_variable_str(stored.get()) > 0) {
    const h5::Datatype type = variable_string_type(name);
    // HDF5 does not convert between character sets: write in the stored one (h5py's may be ASCII).
    check(H5Tset_cset(type.get(), H5Tget_cset(stored.get())), "string type for attribute " + name);
    const char* text = value.c_str();
    check(H5Awrite(attr.get(), type.get(), &text), "writing attribute " + name);
    return;
  }
  check(H5Awrite(attr.get(), stored.get(), value.empty() ? "" : value.c_str()), "writing attribute " + name);
}

// A text attribute as netCDF writes it (fixed-length) or as h5py does (variable-length).
std::optional<std::string> read_text(hid_t object, const char* name) {
  if (H5Aexists(object, name) <= 0) return std::nullopt;
  h5::Attribute attr(H5Aopen(object, name, H5P_DEFAULT));
  h5::Datatype type(H5Aget_type(attr.get()));
  if (!attr.valid() || !type.valid() || H5Tget_class(type.get()) != H5T_STRING) return std::nullopt;
  if (H5Tis_variable_str(type.get()) > 0) {
    h5::Datatype memtype(H5Tcopy(H5T_C_S1));
    H5Tset_size(memtype.get(), H5T_VARIABLE);
    H5Tset_cset(memtype.get(), H5Tget_cset(type.get()));  // HDF5 does not convert between character sets
    char* value = nullptr;
    if (H5Aread(attr.get(), memtype.get(), &value) < 0 || !value) return std::nullopt;
    std::string text(value);
    H5free_memory(value);
    return text;
  }
  const size_t size = H5Tget_size(type.get());
  std::string text(size, '\0');
  if (H5Aread(attr.get(), type.get(), text.data()) < 0) return std::nullopt;
  text.resize(std::strlen(text.c_str()));
  return text;
}

void set_number(hid_t object, const std::string& name, hid_t type, const void* values, hsize_t count) {
  h5::Dataspace space(count == 1 ? H5Screate(H5S_SCALAR) : H5Screate_simple(1, &count, nullptr));
  require(space, "dataspace for attribute " + name);
  h5::Attribute attr(H5Acreate2(object, name.c_str(), type, space.get(), H5P_DEFAULT, H5P_DEFAULT));
  require(attr, "attribute " + name);
  check(H5Awrite(attr.get(), type, values), "writing attribute " + name);
}

h5::PropertyList ordered_creation_plist(hid_t cls) {
  h5::PropertyList plist(H5Pcreate(cls));
  require(plist, "creating a property list");
  // netCDF-4 keeps creation order; files without it open, but with it the order is stable.
  if (cls != H5P_DATASET_CREATE)
    check(H5Pset_link_creation_order(plist.get(), H5P_CRT_ORDER_TRACKED | H5P_CRT_ORDER_INDEXED), "link creation order");
  check(H5Pset_attr_creation_order(plist.get(), H5P_CRT_ORDER_TRACKED | H5P_CRT_ORDER_INDEXED), "attribute creation order");
  return plist;
}

h5::Dataset write_coordinate(hid_t parent, const char* name, const std::vector<double>& values) {
  const hsize_t n = values.size();
  h5::Dataspace space(H5Screate_simple(1, &n, nullptr));
  require(space, std::string("dataspace for ") + name);
  const h5::PropertyList dcpl = ordered_creation_plist(H5P_DATASET_CREATE);
  h5::Dataset ds(H5Dcreate2(parent, name, H5T_IEEE_F64LE, space.get(), H5P_DEFAULT, dcpl.get(), H5P_DEFAULT));
  require(ds, name);
  check(H5Dwrite(ds.get(), H5T_NATIVE_DOUBLE, H5S_ALL, H5S_ALL, H5P_DEFAULT, values.data()), name);
  check(H5DSset_scale(ds.get(), name), "dimension scale");
  return ds;
}

void write_bytes(hid_t parent, const std::string& name, const std::string& dimension, const std::vector<std::byte>& bytes) {
  const hsize_t n = std::max<size_t>(bytes.size(), 1);
  h5::Dataspace space(H5Screate_simple(1, &n, nullptr));
  require(space, "dataspace for " + name);
  // The dimension as netCDF-4 makes one without a variable: a float dataset never written,
  // named as a scale with netCDF's marker and the length.
  const h5::PropertyList dim_plist = ordered_creation_plist(H5P_DATASET_CREATE);
  h5::Dataset dim(H5Dcreate2(parent, dimension.c_str(), H5T_IEEE_F32BE, space.get(), H5P_DEFAULT, dim_plist.get(), H5P_DEFAULT));
  require(dim, dimension);
  char marker[80];
  std::snprintf(marker, sizeof marker, "This is a netCDF dimension but not a netCDF variable.%10llu",
                static_cast<unsigned long long>(n));
  check(H5DSset_scale(dim.get(), marker), "dimension " + dimension);
  const h5::PropertyList plist = ordered_creation_plist(H5P_DATASET_CREATE);
  h5::Dataset ds(H5Dcreate2(parent, name.c_str(), H5T_STD_U8LE, space.get(), H5P_DEFAULT, plist.get(), H5P_DEFAULT));
  require(ds, name);
  const std::vector<std::byte> padded = bytes.empty() ? std::vector<std::byte>(1) : bytes;
  check(H5Dwrite(ds.get(), H5T_NATIVE_UCHAR, H5S_ALL, H5S_ALL, H5P_DEFAULT, padded.data()), name);
  set_text(ds.get(), "long_name", name + " (bytes; see the group's description)");
  set_text(ds.get(), "units", "1");  // raw bytes: dimensionless (CF 3.1)
  check(H5DSattach_scale(ds.get(), dim.get(), 0), "attaching " + dimension + " to " + name);
  check(ds.close(), "closing " + name);
  check(dim.close(), "closing " + dimension);
}

namespace {
std::string geotransform_text(const std::array<double, 6>& gt) {
  std::string text;
  char number[40];
  for (double v : gt) {
    std::snprintf(number, sizeof number, "%.17g", v);
    if (!text.empty()) text += ' ';
    text += number;
  }
  return text;
}
}  // namespace

// The grid-mapping variable (CF 5.6): a scalar whose attributes describe the CRS, the CF way
// (cf_grid_mapping: every projection CF names) and as WKT (crs_wkt, and spatial_ref, which
// GDAL and rioxarray read first) with GDAL's GeoTransform.
void write_crs_variable(hid_t parent, const Grid& grid) {
  h5::Dataspace scalar(H5Screate(H5S_SCALAR));
  require(scalar, "dataspace for crs");
  const h5::PropertyList dcpl = ordered_creation_plist(H5P_DATASET_CREATE);
  h5::Dataset crs(H5Dcreate2(parent, "crs", H5T_STD_I32LE, scalar.get(), H5P_DEFAULT, dcpl.get(), H5P_DEFAULT));
  require(crs, "crs");
  const int zero = 0;
  check(H5Dwrite(crs.get(), H5T_NATIVE_INT, H5S_ALL, H5S_ALL, H5P_DEFAULT, &zero), "crs");
  const CfGridMapping mapping = cf_grid_mapping(grid.srs());
  if (!mapping.name.empty()) set_text(crs.get(), "grid_mapping_name", mapping.name);
  for (const auto& [name, values] : mapping.parameters)
    set_number(crs.get(), name, H5T_NATIVE_DOUBLE, values.data(), values.size());
  for (const auto& [name, value] : mapping.text_parameters) set_text(crs.get(), name, value);
  set_text(crs.get(), "long_name", "coordinate reference system");
  set_text(crs.get(), "crs_wkt", grid.crs_wkt);
  set_text(crs.get(), "spatial_ref", grid.crs_wkt);
  set_text(crs.get(), "GeoTransform", geotransform_text(grid.frame.geotransform));
  check(crs.close(), "closing crs");
}

// The x and y coordinate variables (dimension scales, CF 4.1-4.2 and 5.6) of `grid` in
// `parent`: every group of gridded variables gets its own, because netCDF readers (xarray,
// GDAL) look for a variable's coordinates in its own group.
std::pair<h5::Dataset, h5::Dataset> write_xy(hid_t parent, const Grid& grid) {
  const auto& f = grid.frame;
  std::vector<double> xs(static_cast<size_t>(f.width)), ys(static_cast<size_t>(f.height));
  for (int64_t c = 0; c < f.width; ++c) xs[static_cast<size_t>(c)] = f.centre_x(c);
  for (int64_t r = 0; r < f.height; ++r) ys[static_cast<size_t>(r)] = f.centre_y(r);
  h5::Dataset x = write_coordinate(parent, "x", xs), y = write_coordinate(parent, "y", ys);
  if (f.geographic) {
    set_text(x.get(), "standard_name", "longitude"), set_text(x.get(), "long_name", "longitude of cell centre");
    set_text(x.get(), "units", "degrees_east");
    set_text(y.get(), "standard_name", "latitude"), set_text(y.get(), "long_name", "latitude of cell centre");
    set_text(y.get(), "units", "degrees_north");
  } else {
    const std::string units = f.linear_unit == 1.0 ? "m" : std::to_string(f.linear_unit) + " m";
    set_text(x.get(), "standard_name", "projection_x_coordinate");
    set_text(x.get(), "long_name", "x coordinate of cell centre");
    set_text(x.get(), "units", units);
    set_text(y.get(), "standard_name", "projection_y_coordinate");
    set_text(y.get(), "long_name", "y coordinate of cell centre");
    set_text(y.get(), "units", units);
  }
  set_text(x.get(), "axis", "X");
  set_text(y.get(), "axis", "Y");
  return {std::move(x), std::move(y)};
}

}  // namespace minerisk::cf
