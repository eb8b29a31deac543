#include "gridded_datasets.hpp"

#include <cmath>

#include "cf_packing.hpp"
#include "cf_variables.hpp"
#include "chunk_codec.hpp"

namespace minerisk::gridded {

using cf::ordered_creation_plist;
using cf::set_number;
using cf::set_text;
using h5::check;
using h5::require;

bool stored_as_created(hid_t dataset, const std::vector<hsize_t>& chunk, double packed_scale) {
  h5::Datatype type(H5Dget_type(dataset));
  const h5::PropertyList dcpl(H5Dget_create_plist(dataset));
  if (!type.valid() || !dcpl.valid()) return false;
  if (H5Tequal(type.get(), packed_scale > 0 ? H5T_STD_I16LE : H5T_IEEE_F32LE) <= 0) return false;
  if (packed_scale > 0) {  // readers unpack with the file's scale_factor: it must be the writer's
    float scale = 0;
    h5::Attribute attr(H5Aexists(dataset, "scale_factor") > 0 ? H5Aopen(dataset, "scale_factor", H5P_DEFAULT) : -1);
    if (!attr.valid() || H5Aread(attr.get(), H5T_NATIVE_FLOAT, &scale) < 0 || scale != static_cast<float>(packed_scale))
      return false;
  }
  std::vector<hsize_t> stored(chunk.size());
  if (H5Pget_chunk(dcpl.get(), static_cast<int>(stored.size()), stored.data()) != static_cast<int>(chunk.size()) ||
      stored != chunk)
    return false;
  if (H5Pget_nfilters(dcpl.get()) != 2) return false;
  const H5Z_filter_t expected[2] = {H5Z_FILTER_SHUFFLE, H5Z_FILTER_DEFLATE};
  for (unsigned k = 0; k < 2; ++k) {
    unsigned flags = 0, values[4] = {0, 0, 0, 0}, config = 0;
    size_t count = 4;
    if (H5Pget_filter2(dcpl.get(), k, &flags, &count, values, 0, nullptr, &config) != expected[k]) return false;
    if (expected[k] == H5Z_FILTER_DEFLATE && (count < 1 || values[0] != static_cast<unsigned>(chunk_codec::kDeflateLevel)))
      return false;
  }
  return true;
}

h5::Dataset create_gridded(hid_t parent, const std::string& name, const std::vector<hsize_t>& dims,
                           const std::vector<hsize_t>& chunk, double packed_scale) {
  h5::Dataset ds;
  const float fill = NAN;
  const int16_t packed_fill = cf_packing::kFill;
  const bool packed = packed_scale > 0;
  {
    h5::Dataspace space(H5Screate_simple(static_cast<int>(dims.size()), dims.data(), nullptr));
    require(space, "dataspace for " + name);
    const h5::PropertyList dcpl = ordered_creation_plist(H5P_DATASET_CREATE);
    check(H5Pset_chunk(dcpl.get(), static_cast<int>(chunk.size()), chunk.data()), "chunking " + name);
    check(H5Pset_shuffle(dcpl.get()), "shuffle filter");
    // The pipeline that chunk_codec reproduces for direct chunk writes: keep the two in step.
    check(H5Pset_deflate(dcpl.get(), chunk_codec::kDeflateLevel), "deflate filter");
    if (packed)
      check(H5Pset_fill_value(dcpl.get(), H5T_NATIVE_INT16, &packed_fill), "fill value");
    else
      check(H5Pset_fill_value(dcpl.get(), H5T_NATIVE_FLOAT, &fill), "fill value");
    ds = h5::Dataset(H5Dcreate2(parent, name.c_str(), packed ? H5T_STD_I16LE : H5T_IEEE_F32LE, space.get(),
                                H5P_DEFAULT, dcpl.get(), H5P_DEFAULT));
    require(ds, name);
  }
  if (!packed) {
    set_number(ds.get(), "_FillValue", H5T_NATIVE_FLOAT, &fill);
    return ds;
  }
  // float32 attributes: the unpacked values are float32, as unpacked by xarray and netCDF4.
  const auto scale = static_cast<float>(packed_scale);
  const float offset = 0.0f;
  const int16_t range[2] = {-cf_packing::kLargest, cf_packing::kLargest};
  set_number(ds.get(), "_FillValue", H5T_NATIVE_INT16, &packed_fill);
  set_number(ds.get(), "scale_factor", H5T_NATIVE_FLOAT, &scale);
  set_number(ds.get(), "add_offset", H5T_NATIVE_FLOAT, &offset);
  set_number(ds.get(), "valid_range", H5T_NATIVE_INT16, range, 2);
  return ds;
}

// What every gridded variable says of itself: its name and unit, its grid mapping, and the
// grid-mapping variable as a coordinate (CF 5.6 allows it; xarray then keeps crs as a
// coordinate, where rioxarray finds the CRS with a plain open_dataset).
void set_gridded_attributes(hid_t ds, const std::string& long_name, const std::string& units) {
  set_text(ds, "long_name", long_name);
  set_text(ds, "units", units);
  set_text(ds, "grid_mapping", "crs");
  set_text(ds, "coordinates", "crs");
}

int64_t write_hyperslab(hid_t dataset, int rank, const hsize_t* start, const hsize_t* count,
                        std::span<const float> values, double packed_scale, const std::string& what) {
  h5::Dataspace memory(H5Screate_simple(rank, count, nullptr));
  require(memory, what);
  h5::Dataspace space(H5Dget_space(dataset));
  require(space, what);
  check(H5Sselect_hyperslab(space.get(), H5S_SELECT_SET, start, nullptr, count, nullptr), what);
  int64_t clipped = 0;
  if (packed_scale > 0) {
    const std::vector<int16_t> packed = cf_packing::pack(values, static_cast<float>(packed_scale), &clipped);
    check(H5Dwrite(dataset, H5T_NATIVE_INT16, memory.get(), space.get(), H5P_DEFAULT, packed.data()), what);
  } else {
    check(H5Dwrite(dataset, H5T_NATIVE_FLOAT, memory.get(), space.get(), H5P_DEFAULT, values.data()), what);
  }
  return clipped;
}

}  // namespace minerisk::gridded
