#include "minerisk/engine/gdal_support.hpp"

#include <cpl_error.h>

#include <algorithm>
#include <array>
#include <mutex>
#include <string_view>

#include "hdf5_handles.hpp"
#include "minerisk/engine/dataset_name.hpp"
#include "minerisk/engine/errors.hpp"

namespace fs = std::filesystem;

namespace minerisk {
namespace {
void CPL_STDCALL silent_handler(CPLErr, CPLErrorNum, const char*) {}

}  // namespace

void require_input_file(const fs::path& path, const std::string& role) {
  // GDAL also opens dataset names (NETCDF:"f.nc":var, /vsizip/a.zip/x.tif, URLs): the local file
  // behind one is checked here, a remote one is left to GDAL.
  const std::string s = path.string();
  const fs::path file = local_file(s);
  if (file.empty()) return;
  std::error_code ec;
  const std::string in = file.string() == s ? "" : " (in '" + s + "')";
  const fs::file_type type = fs::status(file, ec).type();
  // A fifo (or a socket, a device) would hold GDAL's open of it for ever, deaf to Ctrl-C.
  if (type == fs::file_type::fifo || type == fs::file_type::socket || type == fs::file_type::character ||
      type == fs::file_type::block)
    throw UserError(role + ": '" + file.string() + "'" + in + " is not a regular file (a fifo, a socket or a device); "
                    "give a file");
  if (fs::exists(file, ec)) return;
  throw UserError(role + ": file '" + file.string() + "'" + in + " not found; check the path");
}

void init_gdal() {
  static std::once_flag once;
  std::call_once(once, [] {
    GDALAllRegister();
    CPLSetErrorHandler(silent_handler);
  });
  // GDAL's netCDF driver reaches HDF5, whose error printing is set per thread: a Python thread
  // other than the first would print HDF5's traces for every probe the driver makes.
  h5::quiet_errors();
}

std::string last_gdal_error() {
  const char* msg = CPLGetLastErrorMsg();
  return msg ? std::string(msg) : std::string();
}

GdalErrorTrap::GdalErrorTrap() {
  h5::quiet_errors();  // as init_gdal: a trap is set before each open, in any thread
  CPLPushErrorHandlerEx(&GdalErrorTrap::handle, this);
  // Debug messages (CPL_DEBUG, -v) pass on to the program's handler: tracing, not complaints.
  CPLSetCurrentErrorHandlerCatchDebug(FALSE);
}

GdalErrorTrap::~GdalErrorTrap() { CPLPopErrorHandler(); }

void CPL_STDCALL GdalErrorTrap::handle(CPLErr type, CPLErrorNum, const char* message) {
  // CE_Debug only reaches a handler with CPL_DEBUG set: tracing, not a complaint about the data.
  if (type != CE_Warning && type != CE_Failure && type != CE_Fatal) return;
  auto* trap = static_cast<GdalErrorTrap*>(CPLGetErrorHandlerUserData());
  if (!trap) return;
  static constexpr std::string_view kOneCellWide = "1-pixel width/height files not supported";
  if (type != CE_Warning || !message || std::string_view(message).substr(0, kOneCellWide.size()) != kOneCellWide)
    trap->only_one_cell_wide_ = false;
  if (trap->count_++ > 0) return;
  // Our messages are one line; some of GDAL's (PROJ's, SQLite's) span several.
  std::string text = message ? message : "";
  for (char& c : text)
    if (c == '\n' || c == '\r') c = ' ';
  while (!text.empty() && text.back() == ' ') text.pop_back();
  trap->first_ = text.empty() ? "an unnamed error" : text;
}

void GdalErrorTrap::check(const std::string& what, const std::string& advice) const {
  if (!raised()) return;
  const std::string more = count_ > 1 ? " (and " + std::to_string(count_ - 1) + " more)" : "";
  throw UserError(what + ": GDAL reports '" + first_ + "'" + more + "; " + advice);
}

bool GdalErrorTrap::raised_for(GDALDataset& ds) const {
  std::array<double, 6> geotransform{};
  return raised() && !(only_one_cell_wide_ && ds.GetGeoTransform(geotransform.data()) == CE_None);
}

void GdalErrorTrap::check_opened(GDALDataset& ds, const std::string& what, const std::string& advice) const {
  if (!raised_for(ds)) return;
  if (only_one_cell_wide_)  // a CF file of other writers (xarray's): one coordinate gives no cell size
    throw UserError(what + ": GDAL cannot place a netCDF grid one cell wide or high that records no GeoTransform; "
                    "convert it to a GeoTIFF with its bounds (gdal_translate -a_ullr ULX ULY LRX LRY)");
  check(what, advice);
}

void refuse_unopened_folder(const std::string& name, const GdalErrorTrap& trap, const std::string& what,
                            const std::string& kind, const std::string& advice) {
  std::error_code error;
  if (!fs::is_directory(local_file(name), error)) return;
  // A folder format GDAL knows (a Zarr store, an ArcInfo grid) that failed to open says why.
  throw UserError(what + " is a folder, not " + kind + (trap.raised() ? " GDAL reads (" + trap.first() + ")" : "") +
                  "; " + advice);
}

DatasetPtr open_raster(const fs::path& path, const std::string& role) {
  init_gdal();
  require_input_file(path, role);
  const GdalErrorTrap trap;
  DatasetPtr ds(GDALDataset::Open(path.string().c_str(), GDAL_OF_RASTER | GDAL_OF_READONLY));
  if (!ds) refuse_unopened_folder(path.string(), trap, role + ": '" + path.string() + "'", "a raster",
                                  "give a raster file, such as a GeoTIFF");
  if (!ds)
    throw UserError(role + ": cannot read '" + path.string() + "' as a raster" +
                    (trap.raised() ? " (" + trap.first() + ")" : "") +
                    "; give a raster in a format GDAL reads, such as GeoTIFF");
  trap.check_opened(*ds, role + ": raster '" + path.string() + "' is unreadable", kDamagedInputAdvice);
  return ds;
}

void refuse_gcp_only(GDALDataset& ds, const std::string& what) {
  std::array<double, 6> gt{};
  if (ds.GetGCPCount() == 0 || ds.GetGeoTransform(gt.data()) == CE_None) return;
  throw UserError(what + " is georeferenced by " + std::to_string(ds.GetGCPCount()) +
                  " ground control points, not a geotransform; warp it to a north-up grid first (gdalwarp -t_srs "
                  "EPSG:XXXX in.tif out.tif)");
}

bool is_vector_only(const fs::path& path) {
  init_gdal();
  const GdalErrorTrap probe;  // a probe's failures are its answer, not a fault of the caller's read
  DatasetPtr raster(GDALDataset::Open(path.string().c_str(), GDAL_OF_RASTER | GDAL_OF_READONLY));
  if (raster) return false;
  DatasetPtr vector(GDALDataset::Open(path.string().c_str(), GDAL_OF_VECTOR | GDAL_OF_READONLY));
  return vector != nullptr;
}

DatasetPtr open_vector(const fs::path& path, const std::string& role) {
  init_gdal();
  require_input_file(path, role);
  const GdalErrorTrap trap;
  DatasetPtr ds(GDALDataset::Open(path.string().c_str(), GDAL_OF_VECTOR | GDAL_OF_READONLY));
  if (!ds)
    throw UserError(role + ": cannot read '" + path.string() + "' as a vector dataset" +
                    (trap.raised() ? " (" + trap.first() + ")" : "") +
                    "; give a layer in a format OGR reads, such as GeoPackage, GeoJSON or Shapefile");
  trap.check(role + ": '" + path.string() + "' is unreadable", kDamagedInputAdvice);
  return ds;
}

Unpacking unpacking_of(GDALRasterBand& band) {
  int has_scale = 0, has_offset = 0;
  const double scale = band.GetScale(&has_scale), offset = band.GetOffset(&has_offset);
  Unpacking u;
  if (has_scale) u.scale = static_cast<float>(scale);
  if (has_offset) u.offset = static_cast<float>(offset);
  return u;
}

ScopedBlockCacheLimit::ScopedBlockCacheLimit(int64_t bytes) {
  if (CPLGetConfigOption("GDAL_CACHEMAX", nullptr)) return;  // the user's choice stands
  previous_ = GDALGetCacheMax64();
  if (previous_ > bytes) GDALSetCacheMax64(bytes);
  else previous_ = -1;
}

ScopedBlockCacheLimit::~ScopedBlockCacheLimit() {
  if (previous_ >= 0) GDALSetCacheMax64(previous_);
}

}  // namespace minerisk
