#pragma once
// Small helpers around GDAL: one-time setup and opening files with user-facing errors.
#include <filesystem>
#include <memory>
#include <string>

#include <gdal_priv.h>

namespace minerisk {

/// Registers drivers and routes GDAL's own messages away from stderr (our errors are one line
/// each; GDAL's detail is appended to them instead). Safe to call more than once.
void init_gdal();

/// GDAL's last error message on this thread, or "" if none.
std::string last_gdal_error();

struct GdalDatasetCloser {
  void operator()(GDALDataset* ds) const { GDALClose(ds); }
};
using DatasetPtr = std::unique_ptr<GDALDataset, GdalDatasetCloser>;

/// Opens a raster read-only; throws UserError naming `role` and the path if it cannot.
DatasetPtr open_raster(const std::filesystem::path& path, const std::string& role);
/// True when GDAL opens the path as a vector dataset (and not as a raster).
bool is_vector_only(const std::filesystem::path& path);

/// Opens a vector dataset read-only; throws UserError naming `role` and the path if it cannot.
DatasetPtr open_vector(const std::filesystem::path& path, const std::string& role);

}  // namespace minerisk
