#include "minerisk/engine/update_record.hpp"

#include <gdal.h>
#include <hdf5.h>
#include <libdeflate.h>
#include <ogr_srs_api.h>

#include <cstring>
#include <sstream>
#include <toml++/toml.h>

#include "cf_variables.hpp"
#include "hdf5_handles.hpp"
#include "minerisk/engine/run_file_writer.hpp"
#include "minerisk/engine/sub_blocks.hpp"
#include "minerisk/engine/version.hpp"

namespace fs = std::filesystem;

namespace minerisk {

namespace {
constexpr const char* kGroup = UpdateRecord::kGroup;

std::vector<std::byte> concatenated(const std::vector<Digest>& digests) {
  std::vector<std::byte> bytes;
  bytes.reserve(digests.size() * 32);
  for (const Digest& d : digests) bytes.insert(bytes.end(), d.bytes.begin(), d.bytes.end());
  return bytes;
}

template <class T>
std::vector<std::byte> bytes_of(const std::vector<T>& values) {
  const auto* p = reinterpret_cast<const std::byte*>(values.data());
  return std::vector<std::byte>(p, p + values.size() * sizeof(T));
}

template <class T>
bool values_of(const std::optional<std::vector<std::byte>>& bytes, std::vector<T>& out) {
  if (!bytes || bytes->size() % sizeof(T) != 0) return false;
  out.resize(bytes->size() / sizeof(T));
  std::memcpy(out.data(), bytes->data(), bytes->size());
  return true;
}

std::vector<Digest> split(const std::vector<std::byte>& bytes) {
  std::vector<Digest> digests(bytes.size() / 32);
  for (size_t i = 0; i < digests.size(); ++i) std::memcpy(digests[i].bytes.data(), bytes.data() + 32 * i, 32);
  return digests;
}

nlohmann::json files_json(const std::vector<InputFile>& files) {
  nlohmann::json array = nlohmann::json::array();
  for (const InputFile& f : files) {
    nlohmann::json j{{"role", f.role}, {"path", f.path.string()}, {"size", f.size}, {"sha256", f.sha256}};
    if (f.stat)
      j["stat"] = {{"size", f.stat->size}, {"inode", f.stat->inode}, {"device", f.stat->device},
                   {"mtime_ns", f.stat->mtime_ns}, {"ctime_ns", f.stat->ctime_ns}};
    array.push_back(std::move(j));
  }
  return array;
}

std::vector<InputFile> files_of(const nlohmann::json& array) {
  std::vector<InputFile> files;
  for (const auto& j : array) {
    InputFile f{j.at("role").get<std::string>(), j.at("path").get<std::string>(), j.at("size").get<uintmax_t>(),
                j.at("sha256").get<std::string>(), std::nullopt};
    if (j.contains("stat")) {
      const auto& s = j["stat"];
      f.stat = FileStat{s.at("size").get<uint64_t>(), s.at("inode").get<uint64_t>(), s.at("device").get<uint64_t>(),
                        s.at("mtime_ns").get<int64_t>(), s.at("ctime_ns").get<int64_t>()};
    }
    files.push_back(std::move(f));
  }
  return files;
}

std::optional<std::vector<std::byte>> read_bytes(hid_t group, const char* name) {
  h5::Dataset ds(H5Dopen2(group, name, H5P_DEFAULT));
  if (!ds.valid()) return std::nullopt;
  h5::Dataspace space(H5Dget_space(ds.get()));
  hsize_t n = 0;
  if (!space.valid() || H5Sget_simple_extent_ndims(space.get()) != 1) return std::nullopt;
  H5Sget_simple_extent_dims(space.get(), &n, nullptr);
  std::vector<std::byte> bytes(static_cast<size_t>(n));
  if (H5Dread(ds.get(), H5T_NATIVE_UCHAR, H5S_ALL, H5S_ALL, H5P_DEFAULT, bytes.data()) < 0) return std::nullopt;
  return bytes;
}
// The record's own checksum: every attribute below and every array, by name, in this order.
// A record changed by anyone but minerisk (a flipped bit, an edited attribute) is damaged: its
// digests and picture maxima are not trusted, and the update computes every tile.
constexpr const char* kChecked[] = {"format", "model_digest", "tile_size", "tiles_x", "tiles_y", "parts", "evidence",
                                    "files", "probability_digest", "part_files", "changes"};
constexpr const char* kArrays[] = {"tile_fingerprints", "chunk_digests", "picture_maxima", "chunk_crc32"};

// Arrays a record holds when written by this version, and lacks when written by an earlier one:
// checked when present.
constexpr const char* kOptionalArrays[] = {"chunk_bytes", "sub_block_fingerprints"};

std::string record_checksum(const std::map<std::string, std::string>& texts,
                            const std::map<std::string, std::vector<std::byte>>& arrays) {
  Sha256 h;
  for (const char* name : kChecked) {
    h.add_text(name);
    h.add_text(texts.at(name));
  }
  auto add = [&](const char* name, const std::vector<std::byte>& bytes) {
    h.add_text(name);
    h.add_int(static_cast<int64_t>(bytes.size()));
    h.add_bytes(bytes.data(), bytes.size());
  };
  for (const char* name : kArrays) add(name, arrays.at(name));
  for (const char* name : kOptionalArrays)
    if (const auto it = arrays.find(name); it != arrays.end()) add(name, it->second);
  return h.finish().hex();
}
}  // namespace

Digest UpdateRecord::probability_digest() const {
  Sha256 h;
  for (const Digest& d : chunks) h.add_digest(d);
  return h.finish();
}

KnownHashes UpdateRecord::known_hashes() const {
  KnownHashes known;
  for (const InputFile& f : files)
    if (f.stat && !f.sha256.empty()) known[f.path.string()] = {*f.stat, f.sha256};
  return known;
}

std::string update_model_digest(const Scenario& scenario, const Grid& grid, int64_t tile_size, const std::string& evidence) {
  toml::table model = toml::parse(scenario.resolved_toml);
  model.erase("title");  // words, not the model
  model.erase("fit");    // used by fit only
  std::ostringstream text;
  text << model;
  Sha256 h;
  // The libraries whose versions can change a value or a stored byte: GDAL and PROJ (reading,
  // warping, transforming the vectors) and libdeflate (the chunks' bytes).
  h.add_text(kVersion);
  h.add_text(GDALVersionInfo("RELEASE_NAME"));
  int proj_major = 0, proj_minor = 0, proj_patch = 0;
  OSRGetPROJVersion(&proj_major, &proj_minor, &proj_patch);
  h.add_int(proj_major * 10000 + proj_minor * 100 + proj_patch);
  h.add_text(LIBDEFLATE_VERSION_STRING);
  h.add_text(text.str());
  h.add_int(grid.width());
  h.add_int(grid.height());
  for (double v : grid.frame.geotransform) h.add_double(v);
  h.add_text(grid.crs_wkt);
  h.add_int(tile_size);
  h.add_text(evidence);
  return h.finish().hex();
}

void write_update_record(RunFileWriter& writer, const UpdateRecord& r) {
  nlohmann::json changes = r.changes;
  while (changes.size() > UpdateRecord::kChangesKept) changes.erase(changes.begin());
  const std::map<std::string, std::string> texts{{"format", std::to_string(UpdateRecord::kFormat)},
                                                 {"model_digest", r.model_digest},
                                                 {"tile_size", std::to_string(r.tile_size)},
                                                 {"tiles_x", std::to_string(r.tiles_x)},
                                                 {"tiles_y", std::to_string(r.tiles_y)},
                                                 {"parts", nlohmann::json(r.parts).dump()},
                                                 {"evidence", r.evidence},
                                                 {"files", files_json(r.files).dump()},
                                                 {"probability_digest", r.probability_digest().hex()},
                                                 {"part_files", nlohmann::json(r.part_files).dump()},
                                                 {"changes", changes.dump()}};
  const std::map<std::string, std::vector<std::byte>> arrays{{"tile_fingerprints", concatenated(r.fingerprints)},
                                                             {"chunk_digests", concatenated(r.chunks)},
                                                             {"picture_maxima", bytes_of(r.picture)},
                                                             {"chunk_crc32", bytes_of(r.crc32)},
                                                             {"chunk_bytes", bytes_of(r.chunk_sizes)},
                                                             {"sub_block_fingerprints", concatenated(r.sub_fingerprints)}};
  std::vector<std::pair<std::string, std::string>> attributes{
      {"description", "what each tile of the probability was computed from, for minerisk update: per tile, one "
                      "SHA-256 per part of tile_fingerprints (parts, in order), and the SHA-256 of its stored "
                      "probability chunk (chunk_digests); each tile's maxima in the pixels of the quick-look picture "
                      "(picture_maxima, float32); the CRC-32 of each stored chunk, the probability's then each "
                      "evidence layer's (chunk_crc32, uint32), and its size in bytes (chunk_bytes, uint64); per sub-block of "
                      "64 x 64 cells, one SHA-256 of the vector parts' fingerprints (sub_block_fingerprints, row by "
                      "row within the tile, zeros beyond the grid's edge); tiles row by row. "
                      "record_sha256 checks all of it"}};
  for (const char* name : kChecked) attributes.emplace_back(name, texts.at(name));
  attributes.emplace_back("record_sha256", record_checksum(texts, arrays));
  std::vector<std::pair<std::string, std::vector<std::byte>>> named_arrays;
  for (const char* name : kArrays) named_arrays.emplace_back(name, arrays.at(name));
  for (const char* name : kOptionalArrays) named_arrays.emplace_back(name, arrays.at(name));
  writer.add_record_group(kGroup, attributes, named_arrays);
}

std::optional<UpdateRecord> read_update_record(const fs::path& grid_file, std::string& why, bool* damaged) {
  if (damaged) *damaged = false;
  h5::quiet_errors();  // a missing group is an answer here, not an error to print
  {
    h5::File file(H5Fopen(grid_file.c_str(), H5F_ACC_RDONLY, H5P_DEFAULT));
    if (!file.valid()) {
      why = "it is not an HDF5 file minerisk can read";
      return std::nullopt;
    }
    h5::Group group(H5Gopen2(file.get(), kGroup, H5P_DEFAULT));
    if (!group.valid()) {
      why = "it holds no record of its tiles (written by an older minerisk, or not by run or update)";
      return std::nullopt;
    }
    try {
      UpdateRecord r;
      auto text = [&](const char* name) {
        auto v = cf::read_text(group.get(), name);
        if (!v) throw std::runtime_error(std::string("attribute ") + name + " missing");
        return *v;
      };
      if (std::stoi(text("format")) != UpdateRecord::kFormat) {
        why = "its record of tiles has another format (format " + text("format") + ")";
        return std::nullopt;
      }
      std::map<std::string, std::string> texts;
      for (const char* name : kChecked) texts[name] = text(name);
      std::map<std::string, std::vector<std::byte>> arrays;
      for (const char* name : kArrays) {
        auto bytes = read_bytes(group.get(), name);
        if (!bytes) throw std::runtime_error(std::string(name) + " missing");
        arrays[name] = std::move(*bytes);
      }
      for (const char* name : kOptionalArrays)
        if (auto bytes = read_bytes(group.get(), name)) arrays[name] = std::move(*bytes);
      if (record_checksum(texts, arrays) != text("record_sha256")) throw std::runtime_error("its checksum does not match");
      r.model_digest = text("model_digest");
      r.tile_size = std::stoll(text("tile_size"));
      r.tiles_x = std::stoll(text("tiles_x"));
      r.tiles_y = std::stoll(text("tiles_y"));
      r.parts = nlohmann::json::parse(text("parts")).get<std::vector<std::string>>();
      r.evidence = text("evidence");
      r.files = files_of(nlohmann::json::parse(text("files")));
      r.changes = nlohmann::json::parse(text("changes"));
      if (!r.changes.is_array()) throw std::runtime_error("changes is not a list");
      r.history = cf::read_text(file.get(), "history").value_or("");
      // The arrays as read for the checksum, not read again.
      values_of(std::optional(std::move(arrays.at("picture_maxima"))), r.picture);
      if (!values_of(std::optional(std::move(arrays.at("chunk_crc32"))), r.crc32))
        throw std::runtime_error("chunk_crc32 is not a list of CRC-32s");
      if (const auto it = arrays.find("chunk_bytes");
          it != arrays.end() && !values_of(std::optional(it->second), r.chunk_sizes))
        throw std::runtime_error("chunk_bytes is not a list of sizes");
      if (!r.chunk_sizes.empty() && r.chunk_sizes.size() != r.crc32.size())
        throw std::runtime_error("chunk_bytes does not match chunk_crc32");
      r.part_files = nlohmann::json::parse(text("part_files")).get<std::map<std::string, std::string>>();
      r.fingerprints = split(arrays.at("tile_fingerprints"));
      r.chunks = split(arrays.at("chunk_digests"));
      if (const auto it = arrays.find("sub_block_fingerprints"); it != arrays.end()) r.sub_fingerprints = split(it->second);
      if (!r.sub_fingerprints.empty() &&
          (r.tile_size < 1 || r.sub_fingerprints.size() != static_cast<size_t>(r.tiles() * sub_blocks_per_tile(r.tile_size))))
        throw std::runtime_error("sub_block_fingerprints does not match the tile counts");
      if (r.tile_size < 1 || r.tiles() <= 0 || r.fingerprints.size() != static_cast<size_t>(r.tiles()) * r.parts.size() ||
          r.chunks.size() != static_cast<size_t>(r.tiles()) || r.crc32.size() % static_cast<size_t>(r.tiles()) != 0)
        throw std::runtime_error("the digest arrays do not match the tile counts");
      return r;
    } catch (const std::exception& e) {
      why = std::string("its record of tiles is damaged (") + e.what() + ")";
      if (damaged) *damaged = true;
      return std::nullopt;
    }
  }
}

}  // namespace minerisk
