#pragma once
// What a grid file records so that the next `minerisk update` can tell which tiles changed and
// copy the others as stored: the group "update" of OUT.nc, written by run and update alike.
// - model_digest: the scenario's model and grid (update_model_digest); when it differs, every
//   tile is recomputed;
// - per tile, one digest per fingerprint part (Model::fingerprint_parts: the DEM window, each
//   layer's own inputs, the clearance) and the digest of its stored probability chunk;
// - the input files with their stat and SHA-256, so unchanged rasters are not read again;
// - `changes`: one record per run or update (date, inputs changed, tiles recomputed).
// netCDF readers show the group; GDAL and QGIS see only the probability.
#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "minerisk/engine/digest.hpp"
#include "minerisk/engine/grid.hpp"
#include "minerisk/engine/provenance.hpp"
#include "minerisk/engine/scenario.hpp"

namespace minerisk {

class RunFileWriter;

struct UpdateRecord {
  /// The grid file's group that holds the record.
  static constexpr const char* kGroup = "update";
  static constexpr int kFormat = 1;
  static constexpr size_t kChangesKept = 366;  // a year of nightly records, the oldest dropped
  std::string model_digest;  // hex
  int64_t tile_size = 0, tiles_x = 0, tiles_y = 0;
  std::vector<std::string> parts;  // the fingerprint's parts, in order
  std::string evidence;            // how the evidence file stores the layers: packed, float32, none
  std::vector<InputFile> files;    // each input with its stat and SHA-256
  std::vector<Digest> fingerprints;  // tile after tile (row-major over the tile plan), parts each
  std::vector<Digest> chunks;        // per tile: the digest of its stored probability chunk
  std::vector<float> picture;        // each tile's share of the quick-look picture (QuickLook::reduce), in tile order
  /// Per tile, the CRC-32 of each stored chunk (the probability's, then each evidence layer's):
  /// checked before a chunk is copied, so a damaged or re-encoded one is recomputed instead.
  std::vector<uint32_t> crc32;
  /// Per tile, the size in bytes of each stored chunk, laid out as `crc32`; empty in a record
  /// written before minerisk kept it. Checked against the files' chunk index before anything
  /// is copied: a file whose chunks another tool re-encoded (h5repack, nccopy with the same
  /// filters) is not copied from, although an update reads only some of its chunks.
  std::vector<uint64_t> chunk_sizes;
  /// Per tile, one digest per sub-block slot (sub_blocks.hpp, Model::sub_fingerprints); empty in
  /// a record written before minerisk kept them. A tile whose vector inputs alone changed is
  /// recomputed only over the sub-blocks whose digest changed.
  std::vector<Digest> sub_fingerprints;
  /// Per part that reads rasters: the digest of the names and SHA-256s of every file GDAL reads
  /// for them. While it is the same, the part's stored tile digests stand without a read.
  std::map<std::string, std::string> part_files;
  nlohmann::json changes = nlohmann::json::array();
  std::string history;  // the grid file's history attribute (read back; written by the writer)

  int64_t tiles() const { return tiles_x * tiles_y; }
  /// A tile's place in the record: row-major over the tile plan.
  int64_t tile_index(const kernels::Window& tile) const { return (tile.row0 / tile_size) * tiles_x + tile.col0 / tile_size; }
  /// The chunks of a tile: the probability's and each evidence layer's.
  size_t chunks_per_tile() const { return tiles() > 0 ? crc32.size() / static_cast<size_t>(tiles()) : 0; }
  const Digest& fingerprint(int64_t tile, size_t part) const { return fingerprints[static_cast<size_t>(tile) * parts.size() + part]; }
  /// Whether the record keeps each tile's sub-block digests.
  bool has_sub_fingerprints() const { return !sub_fingerprints.empty(); }
  /// The probability's content digest: SHA-256 over the chunk digests in tile order. Equal for
  /// two files whose probability chunks are stored byte for byte alike (a full run and an
  /// update of the same inputs), whatever else differs (dates, history).
  Digest probability_digest() const;
  /// The hashes of `files`, for load_inputs to reuse while a file's stat is unchanged.
  KnownHashes known_hashes() const;
};

/// The digest of what, besides the inputs, decides every value of the grid: the scenario's
/// model as resolved (layers, parameters, weights, transforms, input sections and filters;
/// not its title or fit options), the grid, the tile size, the evidence storage and minerisk's
/// version.
std::string update_model_digest(const Scenario& scenario, const Grid& grid, int64_t tile_size, const std::string& evidence);

/// Writes the record as the group "update" of the grid file.
void write_update_record(RunFileWriter& writer, const UpdateRecord& record);

/// The record of an existing grid file, or nothing with the reason in `why` (not a minerisk
/// grid, written before updates were recorded, damaged). `damaged`, when given, says whether the
/// file has a record that is damaged (its checksum does not match, a field is missing or
/// malformed): a minerisk output all the same, whose tiles are all computed again.
std::optional<UpdateRecord> read_update_record(const std::filesystem::path& grid_file, std::string& why,
                                               bool* damaged = nullptr);

}  // namespace minerisk
