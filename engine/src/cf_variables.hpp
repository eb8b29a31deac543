#pragma once
// The pieces of a CF netCDF-4 file written through HDF5 that every grid file shares: text and
// number attributes as netCDF reads them, the x and y coordinate variables, and the crs
// grid-mapping variable. Internal to the grid file writer.
#include <hdf5.h>

#include <array>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "hdf5_handles.hpp"
#include "minerisk/engine/grid.hpp"

namespace minerisk::cf {

/// A fixed-length string attribute, which netCDF reads as a text (NC_CHAR) attribute.
void set_text(hid_t object, const std::string& name, const std::string& value);
/// A variable-length UTF-8 string attribute, which netCDF-4 reads as a string (NC_STRING)
/// attribute: its value lives in the file's global heap, so overwrite_text can give it another
/// length in place.
void set_string(hid_t object, const std::string& name, const std::string& value);
/// Whether overwrite_text can write `value` into attribute `name` of `object` where it is: it
/// exists and is a variable-length string, or a fixed-length one of exactly that many bytes.
bool text_fits(hid_t object, const std::string& name, const std::string& value);
/// Writes `value` into the existing attribute `name` in place (text_fits must hold): the
/// attribute is never deleted and created again. (HDF5 1.10 corrupts, or crashes on, a root
/// whose attributes are in dense storage when one is replaced by a longer one.)
void overwrite_text(hid_t object, const std::string& name, const std::string& value);
/// A text attribute, fixed-length as set_text (and netCDF) writes it or variable-length as h5py
/// does; nothing when it is absent or not text.
std::optional<std::string> read_text(hid_t object, const char* name);
/// A number attribute: a scalar, or a vector of `count` values.
void set_number(hid_t object, const std::string& name, hid_t type, const void* values, hsize_t count = 1);
/// A property list of class `cls` that tracks creation order, as netCDF-4 files do.
h5::PropertyList ordered_creation_plist(hid_t cls);
/// A float64 dimension scale (a coordinate variable) named `name`.
h5::Dataset write_coordinate(hid_t parent, const char* name, const std::vector<double>& values);
/// A 1-D unsigned-byte variable `name` along a dimension `dimension` of its own, which has no
/// coordinate variable (netCDF-4's "dimension without variable"): ncdump and netCDF read it,
/// GDAL lists no raster for it (one dimension).
void write_bytes(hid_t parent, const std::string& name, const std::string& dimension, const std::vector<std::byte>& bytes);
/// The x and y coordinate variables of `grid` in `parent` (CF 4.1-4.2, 5.6).
std::pair<h5::Dataset, h5::Dataset> write_xy(hid_t parent, const Grid& grid);
/// The `crs` grid-mapping variable of `grid` in `parent` (CF 5.6, cf_grid_mapping).
void write_crs_variable(hid_t parent, const Grid& grid);

}  // namespace minerisk::cf
