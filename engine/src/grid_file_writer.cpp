#include "minerisk/engine/grid_file_writer.hpp"

#include <H5DSpublic.h>

#include <cmath>
#include <cstdio>
#include <stdexcept>

namespace minerisk {
namespace {

void check(herr_t status, const std::string& what) {
  if (status < 0) throw std::runtime_error("HDF5: " + what + " failed");
}
hid_t check_id(hid_t id, const std::string& what) {
  if (id < 0) throw std::runtime_error("HDF5: " + what + " failed");
  return id;
}

// A fixed-length string attribute, which netCDF reads as a text (NC_CHAR) attribute.
void set_text(hid_t object, const std::string& name, const std::string& value) {
  const hid_t type = H5Tcopy(H5T_C_S1);
  H5Tset_size(type, std::max<size_t>(value.size(), 1));
  H5Tset_strpad(type, H5T_STR_NULLTERM);
  const hid_t space = H5Screate(H5S_SCALAR);
  const hid_t attr = check_id(H5Acreate2(object, name.c_str(), type, space, H5P_DEFAULT, H5P_DEFAULT), "attribute " + name);
  check(H5Awrite(attr, type, value.empty() ? "" : value.c_str()), "writing attribute " + name);
  H5Aclose(attr);
  H5Sclose(space);
  H5Tclose(type);
}

void set_number(hid_t object, const std::string& name, hid_t type, const void* values, hsize_t count = 1) {
  const hid_t space = count == 1 ? H5Screate(H5S_SCALAR) : H5Screate_simple(1, &count, nullptr);
  const hid_t attr = check_id(H5Acreate2(object, name.c_str(), type, space, H5P_DEFAULT, H5P_DEFAULT), "attribute " + name);
  check(H5Awrite(attr, type, values), "writing attribute " + name);
  H5Aclose(attr);
  H5Sclose(space);
}
void set_double(hid_t object, const std::string& name, double value) { set_number(object, name, H5T_NATIVE_DOUBLE, &value); }

hid_t ordered_creation_plist(hid_t cls) {
  const hid_t plist = H5Pcreate(cls);
  // netCDF-4 keeps creation order; files without it open, but with it the order is stable.
  if (cls != H5P_DATASET_CREATE) H5Pset_link_creation_order(plist, H5P_CRT_ORDER_TRACKED | H5P_CRT_ORDER_INDEXED);
  H5Pset_attr_creation_order(plist, H5P_CRT_ORDER_TRACKED | H5P_CRT_ORDER_INDEXED);
  return plist;
}

hid_t write_coordinate(hid_t file, const char* name, const std::vector<double>& values) {
  const hsize_t n = values.size();
  const hid_t space = H5Screate_simple(1, &n, nullptr);
  const hid_t dcpl = ordered_creation_plist(H5P_DATASET_CREATE);
  const hid_t ds = check_id(H5Dcreate2(file, name, H5T_IEEE_F64LE, space, H5P_DEFAULT, dcpl, H5P_DEFAULT), name);
  check(H5Dwrite(ds, H5T_NATIVE_DOUBLE, H5S_ALL, H5S_ALL, H5P_DEFAULT, values.data()), name);
  check(H5DSset_scale(ds, name), "dimension scale");
  H5Pclose(dcpl);
  H5Sclose(space);
  return ds;
}

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

// CF grid-mapping attributes for the CRS families the CF conventions name and we meet most:
// geographic and transverse Mercator (UTM). Every CRS also gets crs_wkt and spatial_ref, which
// GDAL, QGIS and xarray-based tools read whatever the projection.
void write_cf_grid_mapping(hid_t crs, const OGRSpatialReference& srs) {
  OGRErr err = OGRERR_NONE;
  set_double(crs, "semi_major_axis", srs.GetSemiMajor(&err));
  set_double(crs, "inverse_flattening", srs.GetInvFlattening(&err));
  set_double(crs, "longitude_of_prime_meridian", srs.GetPrimeMeridian());
  if (srs.IsGeographic()) {
    set_text(crs, "grid_mapping_name", "latitude_longitude");
    return;
  }
  const char* projection = srs.GetAttrValue("PROJECTION");
  if (projection && std::string(projection) == SRS_PT_TRANSVERSE_MERCATOR) {
    set_text(crs, "grid_mapping_name", "transverse_mercator");
    set_double(crs, "longitude_of_central_meridian", srs.GetNormProjParm(SRS_PP_CENTRAL_MERIDIAN, 0.0));
    set_double(crs, "latitude_of_projection_origin", srs.GetNormProjParm(SRS_PP_LATITUDE_OF_ORIGIN, 0.0));
    set_double(crs, "scale_factor_at_central_meridian", srs.GetNormProjParm(SRS_PP_SCALE_FACTOR, 1.0));
    set_double(crs, "false_easting", srs.GetNormProjParm(SRS_PP_FALSE_EASTING, 0.0));
    set_double(crs, "false_northing", srs.GetNormProjParm(SRS_PP_FALSE_NORTHING, 0.0));
  }
}

// A float32 dataset of the given shape, chunked (a tile, one layer deep), shuffled and deflated,
// with NaN as fill value: every gridded variable is made this way.
hid_t create_gridded(hid_t parent, const std::string& name, const std::vector<hsize_t>& dims,
                     const std::vector<hsize_t>& chunk) {
  const hid_t space = H5Screate_simple(static_cast<int>(dims.size()), dims.data(), nullptr);
  const hid_t dcpl = ordered_creation_plist(H5P_DATASET_CREATE);
  check(H5Pset_chunk(dcpl, static_cast<int>(chunk.size()), chunk.data()), "chunking " + name);
  check(H5Pset_shuffle(dcpl), "shuffle filter");
  check(H5Pset_deflate(dcpl, 4), "deflate filter");
  const float fill = NAN;
  check(H5Pset_fill_value(dcpl, H5T_NATIVE_FLOAT, &fill), "fill value");
  const hid_t ds = check_id(H5Dcreate2(parent, name.c_str(), H5T_IEEE_F32LE, space, H5P_DEFAULT, dcpl, H5P_DEFAULT), name);
  H5Pclose(dcpl);
  H5Sclose(space);
  set_number(ds, "_FillValue", H5T_NATIVE_FLOAT, &fill);
  return ds;
}

}  // namespace

GridFileWriter::GridFileWriter(const std::filesystem::path& path, const Grid& grid, int64_t tile_size,
                               const OutputMetadata& meta)
    : grid_(grid), tile_size_(tile_size) {
  H5Eset_auto2(H5E_DEFAULT, nullptr, nullptr);  // errors become exceptions, not stderr noise
  const hid_t fcpl = ordered_creation_plist(H5P_FILE_CREATE);
  file_ = check_id(H5Fcreate(path.c_str(), H5F_ACC_TRUNC, fcpl, H5P_DEFAULT), "creating " + path.string());
  H5Pclose(fcpl);

  set_text(file_, "Conventions", "CF-1.8");
  set_text(file_, "title", meta.title);
  set_text(file_, "history", meta.history);
  set_text(file_, "source", "minerisk " + meta.version);
  set_text(file_, "minerisk_version", meta.version);
  set_text(file_, "date_created", meta.created_utc);
  set_text(file_, "scenario", meta.scenario_toml);
  set_text(file_, "inputs", meta.inputs_json);

  const auto& f = grid.frame;
  std::vector<double> xs(static_cast<size_t>(f.width)), ys(static_cast<size_t>(f.height));
  for (int64_t c = 0; c < f.width; ++c) xs[static_cast<size_t>(c)] = f.centre_x(c);
  for (int64_t r = 0; r < f.height; ++r) ys[static_cast<size_t>(r)] = f.centre_y(r);
  x_ = write_coordinate(file_, "x", xs);
  y_ = write_coordinate(file_, "y", ys);
  const OGRSpatialReference srs = grid.srs();
  if (f.geographic) {
    set_text(x_, "standard_name", "longitude"), set_text(x_, "long_name", "longitude of cell centre");
    set_text(x_, "units", "degrees_east");
    set_text(y_, "standard_name", "latitude"), set_text(y_, "long_name", "latitude of cell centre");
    set_text(y_, "units", "degrees_north");
  } else {
    const std::string units = f.linear_unit == 1.0 ? "m" : std::to_string(f.linear_unit) + " m";
    set_text(x_, "standard_name", "projection_x_coordinate"), set_text(x_, "long_name", "x coordinate of cell centre");
    set_text(x_, "units", units);
    set_text(y_, "standard_name", "projection_y_coordinate"), set_text(y_, "long_name", "y coordinate of cell centre");
    set_text(y_, "units", units);
  }
  set_text(x_, "axis", "X");
  set_text(y_, "axis", "Y");

  // The grid-mapping variable: a scalar whose attributes describe the CRS.
  const hid_t scalar = H5Screate(H5S_SCALAR);
  const hid_t dcpl = ordered_creation_plist(H5P_DATASET_CREATE);
  const hid_t crs = check_id(H5Dcreate2(file_, "crs", H5T_STD_I32LE, scalar, H5P_DEFAULT, dcpl, H5P_DEFAULT), "crs");
  const int zero = 0;
  check(H5Dwrite(crs, H5T_NATIVE_INT, H5S_ALL, H5S_ALL, H5P_DEFAULT, &zero), "crs");
  write_cf_grid_mapping(crs, srs);
  set_text(crs, "crs_wkt", grid.crs_wkt);
  set_text(crs, "spatial_ref", grid.crs_wkt);
  set_text(crs, "GeoTransform", geotransform_text(f.geotransform));
  H5Dclose(crs);
  H5Pclose(dcpl);
  H5Sclose(scalar);

}

GridFileWriter::GridFileWriter(const std::filesystem::path& path, const Grid& grid, int64_t tile_size,
                               const std::vector<std::string>& evidence_names,
                               const std::vector<std::string>& evidence_descriptions, const OutputMetadata& meta)
    : GridFileWriter(path, grid, tile_size, meta) {
  probability_ = add_variable("probability", "probability of contamination by mines or unexploded ordnance", "1");
  const float zero_one[2] = {0.0f, 1.0f};
  set_number(probability_, "valid_range", H5T_NATIVE_FLOAT, zero_one, 2);
  for (size_t k = 0; k < evidence_names.size(); ++k)
    evidence_.push_back(add_variable(evidence_names[k], evidence_descriptions[k], "1", "evidence"));
}

hid_t GridFileWriter::add_variable(const std::string& name, const std::string& long_name, const std::string& units,
                                   const std::string& group) {
  hid_t parent = file_;
  if (!group.empty()) {
    if (evidence_group_ < 0) {
      const hid_t gcpl = ordered_creation_plist(H5P_GROUP_CREATE);
      evidence_group_ = check_id(H5Gcreate2(file_, group.c_str(), H5P_DEFAULT, gcpl, H5P_DEFAULT), "group " + group);
      H5Pclose(gcpl);
      set_text(evidence_group_, "description",
               "each evidence layer's contribution to the log-odds of contamination; with the intercept they add up to "
               "logit(probability)");
    }
    parent = evidence_group_;
  }
  const hid_t ds = create_variable(parent, name, long_name, units);
  variables_.push_back(ds);
  return ds;
}

void GridFileWriter::write(hid_t variable, const kernels::Window& w, const std::vector<float>& values) {
  const hsize_t start[2] = {static_cast<hsize_t>(w.row0), static_cast<hsize_t>(w.col0)};
  const hsize_t count[2] = {static_cast<hsize_t>(w.height), static_cast<hsize_t>(w.width)};
  const hid_t memory = H5Screate_simple(2, count, nullptr);
  const hid_t space = H5Dget_space(variable);
  H5Sselect_hyperslab(space, H5S_SELECT_SET, start, nullptr, count, nullptr);
  const herr_t status = H5Dwrite(variable, H5T_NATIVE_FLOAT, memory, space, H5P_DEFAULT, values.data());
  H5Sclose(space);
  H5Sclose(memory);
  check(status, "writing a tile");
}

hid_t GridFileWriter::scenario_dimension(hsize_t count) {
  if (scenario_ >= 0) return scenario_;
  std::vector<double> index(count);
  for (hsize_t i = 0; i < count; ++i) index[i] = static_cast<double>(i);
  scenario_ = write_coordinate(file_, "scenario", index);
  set_text(scenario_, "long_name", "scenario number (the rows of the parameter table)");
  return scenario_;
}

hid_t GridFileWriter::add_stack(const std::string& name, int64_t count, const std::string& long_name,
                                const std::string& units) {
  const auto& f = grid_.frame;
  const hid_t ds = create_gridded(
      file_, name, {static_cast<hsize_t>(count), static_cast<hsize_t>(f.height), static_cast<hsize_t>(f.width)},
      {1, static_cast<hsize_t>(std::min<int64_t>(tile_size_, f.height)), static_cast<hsize_t>(std::min<int64_t>(tile_size_, f.width))});
  check(H5DSattach_scale(ds, scenario_dimension(static_cast<hsize_t>(count)), 0), "attaching scenario to " + name);
  check(H5DSattach_scale(ds, y_, 1), "attaching y to " + name);
  check(H5DSattach_scale(ds, x_, 2), "attaching x to " + name);
  set_text(ds, "long_name", long_name);
  set_text(ds, "units", units);
  set_text(ds, "grid_mapping", "crs");
  variables_.push_back(ds);
  return ds;
}

void GridFileWriter::write(hid_t stack, int64_t layer, const kernels::Window& w, const std::vector<float>& values) {
  const hsize_t start[3] = {static_cast<hsize_t>(layer), static_cast<hsize_t>(w.row0), static_cast<hsize_t>(w.col0)};
  const hsize_t count[3] = {1, static_cast<hsize_t>(w.height), static_cast<hsize_t>(w.width)};
  const hid_t memory = H5Screate_simple(3, count, nullptr);
  const hid_t space = H5Dget_space(stack);
  H5Sselect_hyperslab(space, H5S_SELECT_SET, start, nullptr, count, nullptr);
  const herr_t status = H5Dwrite(stack, H5T_NATIVE_FLOAT, memory, space, H5P_DEFAULT, values.data());
  H5Sclose(space);
  H5Sclose(memory);
  check(status, "writing a stack layer");
}

void GridFileWriter::add_series(const std::string& name, const std::vector<double>& values, const std::string& long_name,
                                const std::string& units) {
  const hid_t dim = scenario_dimension(values.size());
  const hsize_t n = values.size();
  const hid_t space = H5Screate_simple(1, &n, nullptr);
  const hid_t dcpl = ordered_creation_plist(H5P_DATASET_CREATE);
  const hid_t ds = check_id(H5Dcreate2(file_, name.c_str(), H5T_IEEE_F64LE, space, H5P_DEFAULT, dcpl, H5P_DEFAULT), name);
  check(H5Dwrite(ds, H5T_NATIVE_DOUBLE, H5S_ALL, H5S_ALL, H5P_DEFAULT, values.data()), name);
  check(H5DSattach_scale(ds, dim, 0), "attaching scenario to " + name);
  set_text(ds, "long_name", long_name);
  set_text(ds, "units", units);
  H5Pclose(dcpl);
  H5Sclose(space);
  H5Dclose(ds);
}

hid_t GridFileWriter::create_variable(hid_t parent, const std::string& name, const std::string& long_name,
                                      const std::string& units) {
  const auto& f = grid_.frame;
  const hid_t ds = create_gridded(parent, name, {static_cast<hsize_t>(f.height), static_cast<hsize_t>(f.width)},
                                  {static_cast<hsize_t>(std::min<int64_t>(tile_size_, f.height)),
                                   static_cast<hsize_t>(std::min<int64_t>(tile_size_, f.width))});
  check(H5DSattach_scale(ds, y_, 0), "attaching y to " + name);
  check(H5DSattach_scale(ds, x_, 1), "attaching x to " + name);
  set_text(ds, "long_name", long_name);
  set_text(ds, "units", units);
  set_text(ds, "grid_mapping", "crs");
  return ds;
}

void GridFileWriter::write(const TileResult& tile) {
  write(probability_, tile.window, tile.probability);
  for (size_t k = 0; k < evidence_.size(); ++k) write(evidence_[k], tile.window, tile.evidence[k]);
}

void GridFileWriter::close() {
  if (file_ < 0) return;
  for (hid_t ds : variables_) H5Dclose(ds);
  variables_.clear();
  evidence_.clear();
  if (evidence_group_ >= 0) H5Gclose(evidence_group_);
  if (scenario_ >= 0) H5Dclose(scenario_);
  H5Dclose(x_);
  H5Dclose(y_);
  const herr_t status = H5Fclose(file_);
  file_ = H5I_INVALID_HID;
  check(status, "closing the output file");
}

GridFileWriter::~GridFileWriter() {
  try {
    close();
  } catch (...) {
    // The pipeline removes a file it could not finish; nothing more to do here.
  }
}

}  // namespace minerisk
