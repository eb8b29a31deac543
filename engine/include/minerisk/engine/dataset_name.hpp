#pragma once
// GDAL names a dataset by more than a file path: a variable of a netCDF or HDF5 file
// (`NETCDF:"out.nc":probability`, `HDF5:"f.h5"://probability`), a table of a GeoPackage
// (`GPKG:f.gpkg:dem`), a file inside an archive (`/vsizip/tiles.zip/dem.tif`) or on a server
// (`/vsicurl/https://...`). Every input that names a raster or a layer accepts any of them, so
// minerisk's outputs chain into minerisk. These helpers find the local file behind such a name
// (to check it exists, to protect it from being overwritten, to fingerprint it) and resolve a
// name given relative to a scenario file's folder.
#include <filesystem>
#include <string>

namespace minerisk {

/// The parts of a dataset name: `prefix` + `file` + `suffix`. For a plain path, prefix and
/// suffix are empty. For `NETCDF:"f.nc":probability`: prefix `NETCDF:"`, file `f.nc`, suffix
/// `":probability`. For `GTIFF_DIR:1:f.tif` (an index, then the file): prefix `GTIFF_DIR:1:`,
/// file `f.tif`. For `/vsizip/a.zip/x.tif`: prefix `/vsizip/`, file `a.zip/x.tif` (the
/// archive's own path is found by local_file()). For a remote name (`/vsicurl/`, `http://`),
/// `remote` is true and `file` is empty.
struct DatasetName {
  std::string prefix, file, suffix;
  bool remote = false;
  bool plain() const { return prefix.empty() && suffix.empty() && !remote; }
  std::string text() const { return prefix + file + suffix; }
};

/// Splits a name GDAL accepts into its parts (see DatasetName). Never fails: anything that is
/// not one of GDAL's forms is a plain path.
DatasetName parse_dataset_name(const std::string& name);

/// The local file a dataset name reads: the path itself, the file inside NETCDF:"...":var, or
/// the archive of /vsizip/archive.zip/inner (the longest leading part that is a file); for a
/// form this parser does not know (HDF4_SDS:UNKNOWN:f.hdf:0), a part of the name that is a file. Empty
/// for a remote name. The path may not exist.
std::filesystem::path local_file(const std::string& name);
/// The file the name's form designates, whether or not it exists (local_file without the search).
std::filesystem::path named_file(const std::string& name);

/// `name` with its local file made absolute against `base` when it is relative, so a scenario's
/// `dem = 'NETCDF:"grid.nc":probability'` names grid.nc beside the scenario file.
std::string resolve_dataset_name(const std::string& name, const std::filesystem::path& base);

/// Whether two dataset names read the same local file (also through different spellings or
/// links). Two names of no local file are the same only when their texts are.
bool same_local_file(const std::string& a, const std::string& b);

}  // namespace minerisk
