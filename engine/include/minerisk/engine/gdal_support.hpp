#pragma once
// Small helpers around GDAL: one-time setup and opening files with user-facing errors.
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include <gdal_priv.h>

namespace minerisk {

/// Registers drivers and routes GDAL's own messages away from stderr (our errors are one line
/// each; GDAL's detail is appended to them instead). Safe to call more than once.
void init_gdal();

/// GDAL's last error message on this thread, or "" if none.
std::string last_gdal_error();

/// Keeps every GDAL/OGR error and warning raised on this thread while it lives, instead of
/// letting them go to the silent global handler. A read that GDAL complained about must not be
/// used: OGR ends a layer early on a damaged GeoPackage page ("database disk image is
/// malformed") and libtiff skips tags it cannot read, both with only a message, so the caller
/// checks the trap after every read. GDAL's handler stack is per thread, so a trap sees only
/// its own thread's messages and traps on other threads do not interfere. Nested traps: the
/// innermost one gets the messages.
class GdalErrorTrap {
 public:
  GdalErrorTrap();
  ~GdalErrorTrap();
  GdalErrorTrap(const GdalErrorTrap&) = delete;
  GdalErrorTrap& operator=(const GdalErrorTrap&) = delete;

  /// True when an error or warning was raised.
  bool raised() const { return count_ > 0; }
  /// The first message, on one line ("" if none): the root cause, where later ones are its
  /// consequences ("IReadBlock failed" after the decoder's own message).
  const std::string& first() const { return first_; }
  /// Throws UserError("WHAT: GDAL reports '...'; ADVICE") when anything was raised.
  void check(const std::string& what, const std::string& advice) const;

  /// Whether anything was raised that is a fault of the dataset `ds` just opened. GDAL's netCDF
  /// driver warns "1-pixel width/height files not supported" of any grid one cell wide or high
  /// (one coordinate gives no cell size), then takes the geotransform the file records, as
  /// GDAL's and minerisk's writers do: with a geotransform, that warning alone is no fault.
  bool raised_for(GDALDataset& ds) const;
  /// check(), for a dataset just opened: the warning above alone passes, and where the file
  /// records no geotransform it is said as what it is (GDAL cannot place the grid), not damage.
  void check_opened(GDALDataset& ds, const std::string& what, const std::string& advice) const;

 private:
  static void CPL_STDCALL handle(CPLErr type, CPLErrorNum number, const char* message);
  std::string first_;
  int count_ = 0;
  bool only_one_cell_wide_ = true;  // every message raised was the netCDF driver's warning above
};

/// The advice for an input GDAL complained about while reading it.
inline constexpr const char* kDamagedInputAdvice =
    "the file is damaged or truncated; replace it with a good copy or export it again";

struct GdalDatasetCloser {
  void operator()(GDALDataset* ds) const { GDALClose(ds); }
};
using DatasetPtr = std::unique_ptr<GDALDataset, GdalDatasetCloser>;

/// Throws UserError("ROLE: file 'F' not found; check the path") when the local file behind `path`
/// (a file, or the file inside a GDAL name such as NETCDF:"f.nc":p95) does not exist; a remote
/// name is left to GDAL. Commands call it for their inputs before they check their outputs, so a
/// mistyped input is named, not the missing folder of an output named after it.
void require_input_file(const std::filesystem::path& path, const std::string& role);

/// Throws "WHAT is a folder, not KIND (GDAL reads); ADVICE" when GDAL opened nothing at `name`
/// and the local file behind it is a folder, with what GDAL said of it (a damaged Zarr store);
/// returns otherwise, for the caller's own message.
void refuse_unopened_folder(const std::string& name, const GdalErrorTrap& trap, const std::string& what,
                            const std::string& kind, const std::string& advice);

/// Opens a raster read-only; throws UserError naming `role` and the path if it cannot, or if
/// GDAL raised any error or warning while opening it (a truncated GeoTIFF opens, with warnings,
/// and without its georeferencing).
DatasetPtr open_raster(const std::filesystem::path& path, const std::string& role);

/// A band's packing (GDAL's scale and offset: CF's scale_factor and add_offset, a GeoTIFF's
/// -a_scale): every value read from it is stored * scale + offset, computed in float32 as
/// xarray and netCDF4 unpack, so that every reader sees the same numbers.
struct Unpacking {
  float scale = 1.0f, offset = 0.0f;
  bool needed() const { return scale != 1.0f || offset != 0.0f; }
  void apply(float* values, std::size_t count) const {
    if (needed())
      for (std::size_t i = 0; i < count; ++i) values[i] = values[i] * scale + offset;
  }
};
Unpacking unpacking_of(GDALRasterBand& band);

/// GDAL's block cache held to `bytes` while this lives, and set back after, unless the user
/// chose its size (GDAL_CACHEMAX in the environment or --config). GDAL's default is 5 % of the
/// memory: the blocks of a DEM read tile by tile would fill it with blocks no tile needs again,
/// and a run's memory would grow with the DEM instead of staying flat.
class ScopedBlockCacheLimit {
 public:
  explicit ScopedBlockCacheLimit(int64_t bytes);
  ~ScopedBlockCacheLimit();
  ScopedBlockCacheLimit(const ScopedBlockCacheLimit&) = delete;
  ScopedBlockCacheLimit& operator=(const ScopedBlockCacheLimit&) = delete;

 private:
  int64_t previous_ = -1;  // -1: left as it was
};
/// Refuses a raster georeferenced by ground control points only (a scanned map): it has a CRS
/// for its GCPs but no geotransform, which was reported as "no CRS".
void refuse_gcp_only(GDALDataset& ds, const std::string& what);

/// True when GDAL opens the path as a vector dataset (and not as a raster).
bool is_vector_only(const std::filesystem::path& path);

/// Every local file the dataset `name` reads: the file behind the name (local_file), then each
/// that GDAL lists for it (GDALDataset::GetFileList: a VRT's sources, a shapefile's sidecars, the
/// file behind vrt:// or HDF5:"f":var), then the files of each source a VRT names in one of
/// GDAL's forms (NETCDF:"f.nc":var; GDAL's list leaves them out), each once. Only the first when
/// GDAL cannot open it; empty for a remote name (never opened for this). In dataset_files.cpp.
std::vector<std::filesystem::path> files_of_dataset(const std::string& name);
/// The same for a dataset the caller has open under `name` (not opened a second time).
std::vector<std::filesystem::path> files_of_dataset(GDALDataset& ds, const std::string& name);
/// Whether `file` is named as a side file GDAL reads beside a dataset (.aux.xml, .ovr, .msk, a
/// header, a world file, .prj, in any case), never a dataset of its own: a trace of records
/// (traced_inputs) does not open it.
bool is_side_file(const std::filesystem::path& file);
/// The suffixes of the side files GDAL names after a dataset's whole name (".aux.xml", ".msk",
/// ".ovr"): what describes that one file (statistics, a mask, overviews), stale once it is replaced.
std::vector<std::string> appended_side_file_suffixes();

/// Opens a vector dataset read-only; throws UserError naming `role` and the path if it cannot,
/// or if GDAL raised any error or warning while opening it.
DatasetPtr open_vector(const std::filesystem::path& path, const std::string& role);

}  // namespace minerisk
