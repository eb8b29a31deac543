#include "minerisk/engine/dataset_name.hpp"

#include <cpl_port.h>

#include <algorithm>
#include <cctype>
#include <system_error>

namespace fs = std::filesystem;

namespace minerisk {
namespace {

// GDAL's virtual file systems that read from the network: nothing local to check or protect.
bool is_remote_vsi(const std::string& handler) {
  for (const char* remote : {"vsicurl", "vsicurl_streaming", "vsis3", "vsis3_streaming", "vsigs", "vsigs_streaming",
                             "vsiaz", "vsiaz_streaming", "vsiadls", "vsioss", "vsioss_streaming", "vsiswift",
                             "vsiswift_streaming", "vsiwebhdfs", "vsihdfs", "vsistdin", "vsimem"})
    if (handler == remote) return true;
  return false;
}

// http://, https://, ftp://, s3://...: a scheme of letters before "://" at the very start (a
// driver's name such as HDF5:"f.h5"://var has a quote or path before its "://").
bool is_url(const std::string& name) {
  const size_t scheme = name.find("://");
  if (scheme == std::string::npos || scheme == 0) return false;
  for (size_t i = 0; i < scheme; ++i)
    if (!std::isalpha(static_cast<unsigned char>(name[i]))) return false;
  return true;
}

bool exists(const std::string& path) {
  std::error_code ec;
  return fs::exists(fs::path(path), ec);
}

// GDAL's drivers whose dataset names give an index before the file: DRIVER:N:file (GDAL takes
// the driver's name in any case).
bool is_indexed_driver(const std::string& driver) {
  for (const char* indexed : {"GTIFF_DIR", "NITF_IM", "PDF"})
    if (EQUAL(driver.c_str(), indexed)) return true;
  return false;
}

bool is_file(const fs::path& path) {
  std::error_code ec;
  return fs::is_regular_file(path, ec);
}

}  // namespace

DatasetName parse_dataset_name(const std::string& name) {
  DatasetName parsed;
  parsed.file = name;
  // A file of that very name wins over any reading of it as one of GDAL's forms.
  if (name.empty() || exists(name)) return parsed;
  if (name.rfind("/vsi", 0) == 0) {
    const size_t slash = name.find('/', 1);
    const std::string handler = name.substr(1, slash == std::string::npos ? std::string::npos : slash - 1);
    if (is_remote_vsi(handler)) return DatasetName{name, "", "", true};
    if (slash == std::string::npos) return parsed;
    parsed.prefix = name.substr(0, slash + 1);
    parsed.file = name.substr(slash + 1);
    // A chained handler (/vsizip//vsicurl/...) is remote when the inner one is.
    if (parsed.file.rfind("/vsi", 0) == 0 && parse_dataset_name(parsed.file).remote) parsed.remote = true;
    return parsed;
  }
  // vrt://file?options: GDAL's on-the-fly VRT of a local file.
  if (name.rfind("vrt://", 0) == 0) {
    const size_t query = name.find('?');
    const size_t end = query == std::string::npos ? name.size() : query;
    return DatasetName{"vrt://", name.substr(6, end - 6), name.substr(end), false};
  }
  if (is_url(name)) return DatasetName{name, "", "", true};
  // DRIVER:"file":rest, DRIVER:file:rest or DRIVER:file, where DRIVER is a name of two or more
  // letters, digits and underscores (NETCDF, HDF5, GPKG, GTIFF_DIR...).
  size_t colon = 0;
  while (colon < name.size() && (std::isalnum(static_cast<unsigned char>(name[colon])) || name[colon] == '_')) ++colon;
  if (colon < 2 || colon >= name.size() || name[colon] != ':' || !std::isalpha(static_cast<unsigned char>(name[0])))
    return parsed;
  const size_t start = colon + 1;
  // GTIFF_DIR:1:f.tif, NITF_IM:0:f.ntf, PDF:2:f.pdf: an index, then the file to the end. Read as
  // DRIVER:file:rest, the file was "1", and a scenario's folder was put before it. Only for those
  // drivers: GPKG:123:dem is the table dem of a GeoPackage named 123.
  // GTIFF_DIR:off:OFFSET:file gives the directory by its byte offset.
  const bool by_offset = EQUALN(name.c_str() + start, "off:", 4);
  const size_t digits = by_offset ? start + 4 : start;
  const size_t index_end = name.find(':', digits);
  if (is_indexed_driver(name.substr(0, colon)) && index_end != std::string::npos && index_end > digits &&
      index_end + 1 < name.size() &&
      std::all_of(name.begin() + static_cast<std::ptrdiff_t>(digits), name.begin() + static_cast<std::ptrdiff_t>(index_end),
                  [](char c) { return std::isdigit(static_cast<unsigned char>(c)) != 0; })) {
    const size_t file = index_end + 1;
    if (name[file] != '"') return DatasetName{name.substr(0, file), name.substr(file), "", false};
    const size_t close = name.find('"', file + 1);
    if (close == std::string::npos) return parsed;
    return DatasetName{name.substr(0, file + 1), name.substr(file + 1, close - file - 1), name.substr(close), false};
  }
  if (start < name.size() && name[start] == '"') {
    const size_t close = name.find('"', start + 1);
    if (close == std::string::npos) return parsed;
    return DatasetName{name.substr(0, start + 1), name.substr(start + 1, close - start - 1), name.substr(close), false};
  }
  const size_t next = name.find(':', start);
  const size_t end = next == std::string::npos ? name.size() : next;
  if (end == start) return parsed;
  return DatasetName{name.substr(0, start), name.substr(start, end - start), name.substr(end), false};
}

namespace {
// Forms this parser does not know (HDF4_SDS:UNKNOWN:f.hdf:0, /vsisubfile/0_100,f.tif): the first part
// of the name, split at ':', ',' and quotes, that is a file.
fs::path existing_part(const std::string& name) {
  std::string part;
  for (size_t i = 0; i <= name.size(); ++i) {
    const char c = i < name.size() ? name[i] : ':';
    if (c != ':' && c != ',' && c != '"') {
      part += c;
      continue;
    }
    // A part that looks like a file name (a dot or a slash): not a table or a variable.
    if (!part.empty() && part.find_first_of("./") != std::string::npos && is_file(part)) return part;
    part.clear();
  }
  return {};
}
}  // namespace

fs::path local_file(const std::string& name) {
  const fs::path file = named_file(name);
  if (file.empty() || exists(file.string())) return file;
  const fs::path found = existing_part(name);
  return found.empty() ? file : found;
}

fs::path named_file(const std::string& name) {
  const DatasetName parsed = parse_dataset_name(name);
  if (parsed.remote) return {};
  if (parsed.prefix.rfind("/vsi", 0) == 0) {
    if (parsed.file.rfind("/vsi", 0) == 0) return named_file(parsed.file);
    // /vsizip/archive.zip/inner/x.tif: the archive is the longest leading part that is a file.
    fs::path leading;
    for (const fs::path& part : fs::path(parsed.file)) {
      leading /= part;
      if (is_file(leading)) return leading;
    }
    return fs::path(parsed.file);
  }
  return fs::path(parsed.file);
}

std::string resolve_dataset_name(const std::string& name, const fs::path& base) {
  // A file of that name beside the scenario ("a:b.tif") is a plain path, whatever the cwd.
  const fs::path beside = fs::path(name).is_relative() ? base / name : fs::path(name);
  if (!name.empty() && exists(beside.string())) return beside.lexically_normal().string();
  DatasetName parsed = parse_dataset_name(name);
  if (parsed.remote || parsed.file.empty()) return name;
  if (parsed.prefix.rfind("/vsi", 0) == 0 && parsed.file.rfind("/vsi", 0) == 0) {
    parsed.file = resolve_dataset_name(parsed.file, base);
    return parsed.text();
  }
  fs::path file(parsed.file);
  if (file.is_relative()) file = base / file;
  parsed.file = file.lexically_normal().string();
  return parsed.text();
}

bool same_local_file(const std::string& a, const std::string& b) {
  const std::filesystem::path fa = local_file(a), fb = local_file(b);
  if (fa.empty() || fb.empty()) return a == b;
  std::error_code error;
  if (std::filesystem::equivalent(fa, fb, error)) return true;
  return !error ? false : fa.lexically_normal() == fb.lexically_normal();
}

}  // namespace minerisk
