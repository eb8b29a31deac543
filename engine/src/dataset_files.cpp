// The local files a dataset reads, so that an output never replaces one of them and `update
// --keep` never prunes one.
#include <cpl_minixml.h>

#include <algorithm>
#include <set>
#include <system_error>

#include "minerisk/engine/dataset_name.hpp"
#include "minerisk/engine/gdal_support.hpp"
#include "minerisk/engine/names_in_any_case.hpp"

namespace fs = std::filesystem;

namespace minerisk {
namespace {

// A VRT within a VRT is followed this deep, deeper than any real chain (GDAL opens them at any
// depth, and a source left unfollowed is left unprotected); a VRT that names itself stops at once
// (FileList::followed), or here under another spelling.
constexpr int kMaxVrtDepth = 64;

// The files found so far, in order, each once (a mosaic VRT may list thousands), and the
// datasets already opened: a nested VRT that several bands name is followed once, not once per
// mention (6 mentions a level over 6 levels took 6 s).
struct FileList {
  std::vector<fs::path> files;
  std::set<fs::path> seen;
  std::set<std::string> followed;
  void add(const fs::path& file) {
    if (!file.empty() && seen.insert(file).second) files.push_back(file);
  }
};

void collect_files(const std::string& name, int depth, FileList& out);
void collect_files_of_open(GDALDataset& ds, const fs::path& file, int depth, FileList& out);

// A VRT by its content, as GDAL knows one (inner.xml is a VRT too): only the VRT driver's
// identification runs, which reads the file's first bytes, not a whole open.
bool is_vrt_file(const std::string& name) {
  const char* const only_vrt[] = {"VRT", nullptr};
  return GDALIdentifyDriverEx(name.c_str(), GDAL_OF_RASTER, only_vrt, nullptr) != nullptr;
}

// The files GDAL reads beside a raster, by how they are named from it: "tile.tif.aux.xml"
// (PAM metadata), ".msk" (a mask), ".ovr" (overviews) follow the whole name; "tile.tfw" and the
// other world files, ".prj", ".stx", ".clr" replace its extension; an ENVI or EHdr header,
// which says how the bytes read, and an ".aux" are found either way. One table serves both the search
// beside a mosaic's tile and the test a trace uses to skip these files (is_side_file).
enum class SideFileName { kAppended, kReplacesExtension, kEither };
struct SideFile {
  const char* suffix;
  SideFileName naming;
};
constexpr SideFile kSideFiles[] = {
    {".aux.xml", SideFileName::kAppended},         {".msk", SideFileName::kAppended},
    {".ovr", SideFileName::kAppended},             {".hdr", SideFileName::kEither},
    {".tfw", SideFileName::kReplacesExtension},    {".tifw", SideFileName::kReplacesExtension},
    {".wld", SideFileName::kReplacesExtension},    {".jgw", SideFileName::kReplacesExtension},
    {".pgw", SideFileName::kReplacesExtension},    {".blw", SideFileName::kReplacesExtension},
    {".prj", SideFileName::kReplacesExtension},    {".aux", SideFileName::kEither},
    {".stx", SideFileName::kReplacesExtension},    {".clr", SideFileName::kReplacesExtension},
};

// A mosaic's plain tile is listed without being opened (a mosaic may have thousands), so the
// files GDAL reads beside it are found by name.
void add_tile_side_files(const fs::path& tile, FileList& out) {
  if (tile.empty()) return;
  const std::string whole = tile.string(), stem = fs::path(tile).replace_extension().string();
  const auto add_if_there = [&](const std::string& side) {
    std::error_code ec;
    if (side != whole && fs::is_regular_file(side, ec)) out.add(side);
  };
  for (const SideFile& side : kSideFiles) {
    if (side.naming != SideFileName::kReplacesExtension) add_if_there(whole + side.suffix);
    if (side.naming != SideFileName::kAppended) add_if_there(stem + side.suffix);
  }
}

// GDAL's file list of a VRT leaves out a source named in one of GDAL's forms (a source
// `NETCDF:"grid.nc":probability` is not a file it can stat), and the sources of a VRT within it,
// so those are followed as datasets of their own, relative to the VRT's folder when it says so.
// A plain file (a mosaic's GeoTIFF tiles) is listed without being opened. A warped VRT
// (gdalwarp -of VRT) names its source in SourceDataset.
void collect_vrt_sources(const CPLXMLNode* node, const fs::path& vrt_folder, int depth, FileList& out) {
  for (; node; node = node->psNext) {
    if (node->eType != CXT_Element) continue;
    if (EQUAL(node->pszValue, "SourceFilename") || EQUAL(node->pszValue, "SourceDataset")) {
      const char* given = CPLGetXMLValue(node, nullptr, "");
      if (!*given) continue;
      const bool relative = CPLTestBool(CPLGetXMLValue(node, "relativeToVRT", "0"));
      const std::string source = relative ? resolve_dataset_name(given, vrt_folder) : given;
      if (parse_dataset_name(source).plain() && !is_vrt_file(source)) {
        out.add(local_file(source));
        add_tile_side_files(local_file(source), out);
      } else
        collect_files(source, depth + 1, out);
    }
    collect_vrt_sources(node->psChild, vrt_folder, depth, out);
  }
}

void collect_files(const std::string& name, int depth, FileList& out) {
  const fs::path file = local_file(name);
  if (file.empty() || depth > kMaxVrtDepth) return;
  out.add(file);
  if (!out.followed.insert(name).second) return;
  std::error_code ec;
  // Never reach out to the network for a check; a missing file has nothing more to protect, and
  // a fifo or a device would hold GDAL's open for ever (its reader refuses it, with the reason).
  const fs::file_type type = fs::status(file, ec).type();
  if (type != fs::file_type::regular && type != fs::file_type::directory) return;
  init_gdal();
  const GdalErrorTrap probe;  // a name GDAL cannot open has no files to protect: not an error here
  DatasetPtr ds(GDALDataset::Open(name.c_str(), GDAL_OF_RASTER | GDAL_OF_VECTOR | GDAL_OF_READONLY));
  if (ds) collect_files_of_open(*ds, file, depth, out);
}

// What an open dataset lists, and a VRT's sources followed (collect_vrt_sources).
void collect_files_of_open(GDALDataset& ds, const fs::path& file, int depth, FileList& out) {
  char** list = ds.GetFileList();
  for (char** f = list; f && *f; ++f) out.add(local_file(*f));
  CSLDestroy(list);
  char** vrt = ds.GetDriver() && EQUAL(ds.GetDriver()->GetDescription(), "VRT") ? ds.GetMetadata("xml:VRT") : nullptr;
  if (!vrt || !vrt[0]) return;
  CPLXMLNode* tree = CPLParseXMLString(vrt[0]);
  if (!tree) return;
  // The VRT's own folder: its file's, and for /vsizip/a.zip/x.vrt /vsizip/a.zip (not the zip's),
  // where its relative sources lie. (vrt://x.vrt names the file x.vrt, in its own folder.)
  const std::string description = ds.GetDescription();
  const fs::path folder = description.rfind("/vsi", 0) == 0 ? fs::path(description).parent_path() : file.parent_path();
  collect_vrt_sources(tree, folder, depth, out);
  CPLDestroyXMLNode(tree);
}

}  // namespace

bool is_side_file(const fs::path& file) {
  const std::string name = lower_case(file.filename().string());
  const auto ends_with = [&](const std::string& end) {
    return name.size() > end.size() && name.compare(name.size() - end.size(), end.size(), end) == 0;
  };
  return std::any_of(std::begin(kSideFiles), std::end(kSideFiles),
                     [&](const SideFile& side) { return ends_with(side.suffix); });
}

std::vector<std::string> appended_side_file_suffixes() {
  std::vector<std::string> suffixes;
  for (const SideFile& side : kSideFiles)
    if (side.naming == SideFileName::kAppended) suffixes.emplace_back(side.suffix);
  return suffixes;
}

std::vector<fs::path> files_of_dataset(const std::string& name) {
  FileList out;
  collect_files(name, 0, out);
  return out.files;
}

std::vector<fs::path> files_of_dataset(GDALDataset& ds, const std::string& name) {
  FileList out;
  const fs::path file = local_file(name);
  if (file.empty()) return out.files;
  out.add(file);
  out.followed.insert(name);
  const GdalErrorTrap probe;  // as collect_files: a list GDAL cannot make is no error here
  collect_files_of_open(ds, file, 0, out);
  return out.files;
}

}  // namespace minerisk
