#pragma once
// Which format an output is written in, decided as GDAL's own tools decide it: the raster
// tools write any GDAL raster driver that can create files (-of), or the one the output's
// extension names; run and sweep write netCDF-4 (CF-1.8), whose name is .nc.
#include <cpl_string.h>

#include <filesystem>
#include <string>
#include <vector>

namespace minerisk {

/// The GDAL driver a raster tool writes `output` with (its short name, e.g. "GTiff", "COG",
/// "netCDF"). `format` (-of, any case) when given: it must be a raster driver that can create
/// files, and the output's extension must be one of the driver's. Otherwise the driver whose
/// extension the output has (.tif -> GTiff, .nc -> netCDF, .img -> HFA...). UserError naming
/// -of or the output, with the fix, for an unknown driver, a driver that cannot write, an
/// extension that does not match, or one no driver claims.
std::string raster_output_driver(const std::filesystem::path& output, const std::string& format);

/// Checks `KEY=VALUE` creation options (--co) against the driver's list of them; an unknown
/// key is a UserError with the nearest valid one.
void check_creation_options(const std::string& driver, const std::vector<std::string>& options);

/// True when `path`'s extension is `extension` (".png"), in any case.
bool has_extension(const std::filesystem::path& path, const std::string& extension);

/// `options` (KEY=VALUE, as --co) set over those already in `list`: GDAL takes a key once.
void set_creation_options(CPLStringList& list, const std::vector<std::string>& options);

/// The first creation option that would store float32 values with loss (COMPRESS=JPEG, WEBP or
/// JXL, NBITS below 32, MAX_Z_ERROR above 0, DISCARD_LSB), or "".
std::string lossy_creation_option(const std::vector<std::string>& options);

/// Whether a file name can be read through GDAL's netCDF driver, as NETCDF:"FILE"[:VAR]: such a
/// name cannot hold a double quote, and the driver takes a backslash in it as an escape.
inline bool fits_netcdf_dataset_name(const std::string& file) { return file.find_first_of("\"\\") == std::string::npos; }

/// run's and sweep's outputs are netCDF-4 files. Accepts .nc (the name QGIS and GDAL read as
/// netCDF), .nc4, and .h5/.hdf5 (the same file, which GDAL opens with its HDF5 driver unless
/// named NETCDF:"f.h5":variable); refuses any other name with the fix. `variable` is the main
/// variable (run's probability, a sweep's mean), named in the advice. Returns a note for an
/// .h5/.hdf5 name (to print once, unless quiet), else "".
std::string check_netcdf_output_name(const std::filesystem::path& output, const std::string& variable,
                                     const std::string& option = "-o");

}  // namespace minerisk
