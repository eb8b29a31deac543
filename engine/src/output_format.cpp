#include "minerisk/engine/output_format.hpp"
#include "minerisk/engine/provenance.hpp"

#include <cpl_minixml.h>
#include <cpl_string.h>

#include <algorithm>
#include <cctype>
#include <cstdlib>

#include "minerisk/engine/errors.hpp"
#include "minerisk/engine/gdal_support.hpp"
#include "minerisk/engine/names_in_any_case.hpp"
#include "minerisk/engine/nearest_name.hpp"

namespace fs = std::filesystem;

namespace minerisk {
namespace {

bool can_write_rasters(GDALDriver* driver) {
  const auto has = [&](const char* key) { return driver->GetMetadataItem(key) != nullptr; };
  return has(GDAL_DCAP_RASTER) && (has(GDAL_DCAP_CREATE) || has(GDAL_DCAP_CREATECOPY));
}

std::vector<std::string> extensions_of(GDALDriver* driver) {
  const char* list = driver->GetMetadataItem(GDAL_DMD_EXTENSIONS);
  std::vector<std::string> out;
  if (!list) return out;
  const CPLStringList tokens(CSLTokenizeString2(list, " ", 0));
  for (int i = 0; i < tokens.size(); ++i) out.push_back(lower_case(tokens[i]));
  return out;
}

std::string extension_of(const fs::path& output) {
  std::string ext = output.extension().string();
  return ext.empty() ? "" : lower_case(ext.substr(1));
}

// The drivers people write most, in the order to prefer when several claim an extension
// (GTiff and COG both take .tif: a plain GeoTIFF unless -of COG says otherwise).
const std::vector<std::string> kPreferred = {"GTiff", "netCDF", "HFA", "ENVI", "AAIGrid", "PNG", "JPEG"};

}  // namespace

bool has_extension(const fs::path& path, const std::string& extension) {
  return lower_case(path.extension().string()) == lower_case(extension);
}

void set_creation_options(CPLStringList& list, const std::vector<std::string>& options) {
  for (const std::string& option : options) {
    const size_t eq = option.find('=');
    list.SetNameValue(option.substr(0, eq).c_str(), eq == std::string::npos ? "" : option.substr(eq + 1).c_str());
  }
}

std::string lossy_creation_option(const std::vector<std::string>& options) {
  for (const std::string& option : options) {
    const size_t eq = option.find('=');
    std::string key = option.substr(0, eq), value = eq == std::string::npos ? "" : option.substr(eq + 1);
    for (char& c : key) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    for (char& c : value) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    const bool lossy_compression = key == "COMPRESS" && (value == "JPEG" || value == "WEBP" || value == "JXL");
    const bool fewer_bits = key == "NBITS" && value != "32" && value != "64";
    const bool error_allowed = key == "MAX_Z_ERROR" && std::strtod(value.c_str(), nullptr) != 0.0;
    const bool quantised = key == "DISCARD_LSB";
    if (lossy_compression || fewer_bits || error_allowed || quantised) return option;
  }
  return "";
}

std::string raster_output_driver(const fs::path& output, const std::string& format) {
  init_gdal();
  GDALDriverManager* manager = GetGDALDriverManager();
  const std::string ext = extension_of(output);
  if (!format.empty()) {
    GDALDriver* driver = manager->GetDriverByName(format.c_str());
    if (!driver || !can_write_rasters(driver)) {
      std::vector<std::string> writers;
      for (int i = 0; i < manager->GetDriverCount(); ++i)
        if (can_write_rasters(manager->GetDriver(i))) writers.push_back(manager->GetDriver(i)->GetDescription());
      const std::string nearest = nearest_name(format, writers);
      throw UserError("-of: '" + format + "' is not " + (driver ? "a raster format GDAL can write" : "a GDAL driver") +
                      "; " + (nearest.empty() ? "write GTiff, COG, netCDF or HFA ('gdalinfo --formats' lists all)"
                                              : "did you mean '" + nearest + "'?"));
    }
    const std::vector<std::string> extensions = extensions_of(driver);
    // A driver with no file extension writes no file (MEM); a VRT would refer to temporaries.
    if (extensions.empty() || EQUAL(driver->GetDescription(), "VRT"))
      throw UserError(std::string("-of: ") + driver->GetDescription() +
                      " writes no self-contained file; write GTiff, COG or netCDF (and gdal_translate from there)");
    if (std::find(extensions.begin(), extensions.end(), ext) == extensions.end())
      throw UserError("output: '" + output.string() + "' does not end in a " + driver->GetDescription() +
                      " extension (" + extensions.front() + "); name it ." + extensions.front() +
                      " or give the -of that writes ." + (ext.empty() ? "?" : ext));
    return driver->GetDescription();
  }
  if (ext.empty())
    throw UserError("output: '" + output.string() +
                    "' has no extension to tell the format by; name it .tif (GeoTIFF) or give -of FORMAT");
  std::vector<std::string> claimants;
  for (int i = 0; i < manager->GetDriverCount(); ++i) {
    GDALDriver* driver = manager->GetDriver(i);
    const std::vector<std::string> extensions = extensions_of(driver);
    if (can_write_rasters(driver) && std::find(extensions.begin(), extensions.end(), ext) != extensions.end())
      claimants.push_back(driver->GetDescription());
  }
  if (claimants.empty())
    throw UserError("output: no GDAL raster format writes '." + ext + "' files ('" + output.string() +
                    "'); name it .tif (GeoTIFF), .nc (netCDF), or give -of FORMAT");
  claimants.erase(std::remove(claimants.begin(), claimants.end(), "VRT"), claimants.end());
  if (claimants.empty())
    throw UserError("output: '." + ext + "' is a VRT, which would refer to temporaries; name it .tif or .nc");
  for (const std::string& preferred : kPreferred)
    if (std::find(claimants.begin(), claimants.end(), preferred) != claimants.end()) return preferred;
  return claimants.front();
}

void check_creation_options(const std::string& driver_name, const std::vector<std::string>& options) {
  if (options.empty()) return;
  init_gdal();
  GDALDriver* driver = GetGDALDriverManager()->GetDriverByName(driver_name.c_str());
  if (!driver) throw UserError("-of: '" + driver_name + "' is not a GDAL driver");
  std::vector<std::string> keys;
  if (const char* xml = driver->GetMetadataItem(GDAL_DMD_CREATIONOPTIONLIST)) {
    CPLXMLNode* root = CPLParseXMLString(xml);
    for (const CPLXMLNode* list = root; list; list = list->psNext)
      for (const CPLXMLNode* option = list->psChild; option; option = option->psNext)
        if (option->eType == CXT_Element && std::string(option->pszValue) == "Option")
          if (const char* name = CPLGetXMLValue(option, "name", nullptr)) keys.emplace_back(name);
    CPLDestroyXMLNode(root);
  }
  for (const std::string& option : options) {
    const size_t eq = option.find('=');
    if (eq == std::string::npos || eq == 0)
      throw UserError("--co: '" + option + "' is not KEY=VALUE; write e.g. --co COMPRESS=DEFLATE");
    std::string key = option.substr(0, eq);
    for (char& c : key) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    if (!keys.empty() && std::find(keys.begin(), keys.end(), key) == keys.end())
      throw UserError("--co: " + driver_name + " has no creation option '" + key + "'; " +
                      suggestion(key, keys, "its options"));
  }
  if (const std::string lossy = lossy_creation_option(options); !lossy.empty())
    throw UserError("--co: " + lossy + " would change the values (float32 is written losslessly); leave it out");
  // GDAL's own check of the values (COMPRESS=ZIP, a number out of range): a warning is an error.
  const GdalErrorTrap trap;
  CPLStringList list;
  for (const std::string& option : options) list.AddString(option.c_str());
  GDALValidateCreationOptions(driver, list.List());
  trap.check("--co", "give values the driver accepts (gdalinfo --format " + driver_name + " lists them)");
}

std::string check_netcdf_output_name(const fs::path& output, const std::string& variable, const std::string& option) {
  require_utf8_path(output, option);  // named in the grid's JSON record and the update log
  // The grid is read back (update, areas, map...) as NETCDF:"FILE":VAR, which a quote or a backslash in
  // the name breaks, and a name in one of GDAL's forms would be read as another dataset.
  const std::string name = output.string();
  init_gdal();  // the driver names
  const size_t colon = name.find(':');
  const bool driver_prefix = colon != std::string::npos && colon > 0 && name.find('/') > colon &&
                             GetGDALDriverManager()->GetDriverByName(name.substr(0, colon).c_str()) != nullptr;
  if (!fits_netcdf_dataset_name(name) || driver_prefix || name.rfind("/vsi", 0) == 0)
    throw UserError(option + ": '" + name + "' cannot name a grid: GDAL reads a grid's variables as NETCDF:\"FILE\":VAR, "
                    "which a '\"' or a '\\' in the name breaks (or the name is in one of GDAL's forms); choose a "
                    "plain file name");
  const std::string ext = extension_of(output);
  if (ext == "nc" || ext == "nc4") return "";
  if (ext == "h5" || ext == "hdf5")
    return "note: '" + output.string() +
           "' is a netCDF-4 file; GDAL and QGIS read it georeferenced when it is named .nc (or as NETCDF:\"" +
           output.string() + "\":" + variable + ")";
  // A folder's name ('out/', 'x.nc/'): 'x.nc' or 'out/grid.nc' is meant, not 'x.nc/.nc' or 'out/.nc'.
  fs::path suggested = output;
  while (!suggested.empty() && !suggested.has_filename() && suggested.has_parent_path() &&
         suggested.parent_path() != suggested)
    suggested = suggested.parent_path();
  std::error_code ec;
  if (output.filename().empty() || output.filename() == "." || output.filename() == ".." ||
      fs::is_directory(output, ec))
    throw UserError(option + ": '" + output.string() + "' names a folder; give the grid's file name, e.g. '" +
                    (extension_of(suggested) == "nc" ? suggested : suggested / "grid.nc").string() +
                    "'");
  suggested.replace_extension(".nc");
  throw UserError(option + ": '" + output.string() + "' is not a netCDF name; the grid is netCDF-4 (CF-1.8): name it '" +
                  suggested.string() + "' (then a GeoTIFF of it: gdal_translate NETCDF:\"" + suggested.string() +
                  "\":" + variable + " out.tif)");
}

}  // namespace minerisk
