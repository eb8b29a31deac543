#pragma once
// A VRT (a raster's <VRTDataset>, a vector's <OGRVRTDataSource>) is known by its first bytes, as
// GDAL's own drivers identify one: "<" and the element's name anywhere in the file's first
// kilobyte (GDAL's strstr), so after an XML declaration or a comment too. Its extension says
// nothing (a .xml, a .txt), and a GeoPackage of megabytes is never parsed to find out.
#include <filesystem>
#include <fstream>
#include <string>
#include <string_view>

namespace minerisk {

/// Whether the file's first 1024 bytes hold `<` + `element` (false for a file that cannot be read).
inline bool file_head_names_element(const std::filesystem::path& file, std::string_view element) {
  std::string head(1024, '\0');
  std::ifstream in(file, std::ios::binary);
  in.read(head.data(), static_cast<std::streamsize>(head.size()));
  head.resize(static_cast<std::size_t>(in.gcount()));
  return head.find("<" + std::string(element)) != std::string::npos;
}

}  // namespace minerisk
