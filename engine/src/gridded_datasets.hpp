#pragma once
// Private to GridFileWriter: how every gridded variable of an output is made and written through
// HDF5's own filters (the workers' direct chunk writes are in chunk_codec).
#include <hdf5.h>

#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "hdf5_handles.hpp"

namespace minerisk::gridded {

/// A dataset of the given shape, chunked (a tile, one layer deep), shuffled and deflated: every
/// gridded variable is made this way. float32 with NaN as fill value; or, with `packed_scale`
/// > 0, int16 with CF's scale_factor (that scale) and add_offset (0), the packing's fill value
/// and valid_range.
h5::Dataset create_gridded(hid_t parent, const std::string& name, const std::vector<hsize_t>& dims,
                           const std::vector<hsize_t>& chunk, double packed_scale);
/// Whether `dataset` is stored as create_gridded(`chunk`, `packed_scale`) makes one: the same
/// type, chunks and filter pipeline, so that chunks chunk_codec encodes may be written into it.
bool stored_as_created(hid_t dataset, const std::vector<hsize_t>& chunk, double packed_scale);

/// What every gridded variable says of itself: its name and unit, and its grid mapping.
void set_gridded_attributes(hid_t dataset, const std::string& long_name, const std::string& units);

/// Writes `values` into the hyperslab `start` + `count` of a dataset through HDF5's filters,
/// packed when `packed_scale` > 0. Returns the finite values beyond the packed range.
int64_t write_hyperslab(hid_t dataset, int rank, const hsize_t* start, const hsize_t* count,
                        std::span<const float> values, double packed_scale, const std::string& what);

}  // namespace minerisk::gridded
