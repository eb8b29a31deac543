#include "minerisk/engine/gdal_support.hpp"

#include <cpl_error.h>

#include <mutex>

#include "minerisk/engine/errors.hpp"

namespace fs = std::filesystem;

namespace minerisk {
namespace {
void CPL_STDCALL silent_handler(CPLErr, CPLErrorNum, const char*) {}

void check_readable(const fs::path& path, const std::string& role) {
  // GDAL also opens virtual paths (/vsizip/..., URLs); only plain paths are checked here.
  const std::string s = path.string();
  if (s.rfind("/vsi", 0) == 0 || s.find("://") != std::string::npos) return;
  if (!fs::exists(path)) throw UserError(role + ": file '" + s + "' not found; check the path in the scenario file");
}
}  // namespace

void init_gdal() {
  static std::once_flag once;
  std::call_once(once, [] {
    GDALAllRegister();
    CPLSetErrorHandler(silent_handler);
  });
}

std::string last_gdal_error() {
  const char* msg = CPLGetLastErrorMsg();
  return msg ? std::string(msg) : std::string();
}

DatasetPtr open_raster(const fs::path& path, const std::string& role) {
  init_gdal();
  check_readable(path, role);
  CPLErrorReset();
  GDALDataset* ds = GDALDataset::Open(path.string().c_str(), GDAL_OF_RASTER | GDAL_OF_READONLY);
  if (!ds) {
    const std::string detail = last_gdal_error();
    throw UserError(role + ": cannot read '" + path.string() + "' as a raster" + (detail.empty() ? "" : " (" + detail + ")") +
                    "; give a raster in a format GDAL reads, such as GeoTIFF");
  }
  return DatasetPtr(ds);
}

bool is_vector_only(const fs::path& path) {
  init_gdal();
  DatasetPtr raster(GDALDataset::Open(path.string().c_str(), GDAL_OF_RASTER | GDAL_OF_READONLY));
  if (raster) return false;
  DatasetPtr vector(GDALDataset::Open(path.string().c_str(), GDAL_OF_VECTOR | GDAL_OF_READONLY));
  return vector != nullptr;
}

DatasetPtr open_vector(const fs::path& path, const std::string& role) {
  init_gdal();
  check_readable(path, role);
  CPLErrorReset();
  GDALDataset* ds = GDALDataset::Open(path.string().c_str(), GDAL_OF_VECTOR | GDAL_OF_READONLY);
  if (!ds) {
    const std::string detail = last_gdal_error();
    throw UserError(role + ": cannot read '" + path.string() + "' as a vector dataset" +
                    (detail.empty() ? "" : " (" + detail + ")") +
                    "; give a layer in a format OGR reads, such as GeoPackage, GeoJSON or Shapefile");
  }
  return DatasetPtr(ds);
}

}  // namespace minerisk
