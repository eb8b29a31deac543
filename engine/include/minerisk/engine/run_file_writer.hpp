#pragma once
// `minerisk run`'s output: two netCDF-4 files side by side.
// - OUT.nc holds the probability alone (with x, y and crs), so that GDAL, QGIS and every tool
//   built on GDAL open its plain name as one georeferenced raster: dragged into QGIS,
//   `gdal_translate -of COG OUT.nc`, `gdalwarp OUT.nc` (GDAL's netCDF driver opens a file of
//   several grids only by the name of one, NETCDF:"OUT.nc":var).
// - OUT_evidence.nc holds each evidence layer's contribution in log-odds, named by its layer;
//   OUT.nc names it in its `evidence_file` attribute, so `explain` and `minerisk.open` find it.
// Both carry the same provenance (scenario, inputs, history).
#include <filesystem>
#include <memory>
#include <span>
#include <string>
#include <utility>
#include <vector>

#include "minerisk/engine/grid_file_writer.hpp"

namespace minerisk {

/// How the evidence layers are stored: CF-packed int16 in steps of kEvidenceStep log-odds (the
/// default: a quarter of the float32 file's size and compression time), float32 exactly as
/// computed, or not at all (no evidence file: `explain` then has nothing to explain with).
enum class EvidenceStorage { packed, float32, none };
/// The storage named `name` (packed, float32 or none, in any case); a UserError naming `option`
/// and the choices otherwise.
EvidenceStorage evidence_storage_named(const std::string& name, const std::string& option);
/// The step of packed evidence, in log-odds: each contribution is kept to within half of it,
/// from -32.767 to 32.767 (beyond, and the -infinity of a clearance of POD 1, at the limit).
constexpr double kEvidenceStep = 0.001;

/// OUT.nc -> OUT_evidence.nc.
std::filesystem::path evidence_file_for(const std::filesystem::path& grid_file);

/// A run's tile compressed as RunFileWriter stores it, without any file: for a process that
/// computes tiles for another's writer (an MPI rank). `chunks` holds the probability's chunk,
/// then each stored evidence layer's; `clipped` each chunk's values beyond a packed range.
struct DetachedTile {
  std::vector<std::vector<std::byte>> chunks;
  std::vector<int64_t> clipped;
};
/// The storage of a run's grid of `width` x `height` cells in tiles of `tile_size`, as
/// RunFileWriter lays it out: what DetachedTile bytes are encoded with.
class RunTileEncoding {
 public:
  RunTileEncoding(int64_t width, int64_t height, int64_t tile_size, EvidenceStorage storage);
  /// The tile's chunks: the same bytes RunFileWriter::encode_tile gives. Thread-safe.
  DetachedTile encode(const kernels::Window& window, std::span<const float> probability,
                      const std::vector<std::vector<float>>& evidence) const;

 private:
  int64_t chunk_rows_, chunk_cols_;
  EvidenceStorage storage_;
};

class RunFileWriter {
 public:
  /// Creates both files: `grid_path` with `probability`, `evidence_path` with one variable per
  /// evidence name, stored as `storage` says. `evidence_name` is what the grid file's
  /// `evidence_file` attribute says (the evidence file's final name, beside it; the paths may be
  /// temporaries). With EvidenceStorage::none, the grid file alone, without that attribute; the
  /// evidence arrays given to write_tile are then checked and dropped.
  RunFileWriter(const std::filesystem::path& grid_path, const std::filesystem::path& evidence_path,
                const std::string& evidence_name, const Grid& grid, int64_t tile_size,
                const std::vector<std::string>& evidence_names, const std::vector<std::string>& evidence_descriptions,
                const OutputMetadata& metadata, EvidenceStorage storage = EvidenceStorage::packed);
  /// Reopens copies of both files of an earlier run with the same grid, tiles, evidence layers
  /// and storage (update's copies of the previous output) to patch them: their attributes are
  /// overwritten in place with `metadata`'s, tiles written replace the copies' chunks, and the
  /// record group added replaces the grid's. What is not written stays as the earlier run stored it.
  struct Reopen {};
  /// Why the files at these paths (the pair to copy) cannot be reopened so; "" when they can:
  /// every attribute takes its new value in place and every variable is stored as this writer
  /// stores it. Nothing is written.
  static std::string patch_refusal(const std::filesystem::path& grid_path, const std::filesystem::path& evidence_path,
                                   const std::string& evidence_name, const Grid& grid, int64_t tile_size,
                                   const std::vector<std::string>& evidence_names, const OutputMetadata& metadata,
                                   EvidenceStorage storage);
  RunFileWriter(Reopen, const std::filesystem::path& grid_path, const std::filesystem::path& evidence_path,
                const std::string& evidence_name, const Grid& grid, int64_t tile_size,
                const std::vector<std::string>& evidence_names, const OutputMetadata& metadata,
                EvidenceStorage storage);
  /// One window of the probability and of each evidence layer, in the order of the names.
  /// Not thread-safe: the caller serialises every write.
  void write_tile(const kernels::Window& window, std::span<const float> probability,
                  const std::vector<std::vector<float>>& evidence);
  /// A tile of both files, compressed as they store it (see GridFileWriter::encode).
  struct EncodedTile {
    GridFileWriter::EncodedChunk probability;
    std::vector<GridFileWriter::EncodedChunk> evidence;
  };
  /// Compresses a tile of the writer's TilePlan for write_tile(const EncodedTile&): thread-safe,
  /// for the worker that computed it, so that only appending the bytes is serialised.
  /// `stored_evidence`, when given, holds each evidence layer's chunk as an earlier run of the
  /// same layout stored this tile: a layer whose values are unchanged keeps those bytes instead
  /// of being compressed again (GridFileWriter::encode). An update recomputes a tile when any of
  /// its inputs changed, and most of its layers usually did not.
  /// A layer flagged in `keep_stored` (one flag per layer, with `stored_evidence`) keeps its
  /// stored chunk as it is, its values not looked at: the caller knows them unchanged.
  EncodedTile encode_tile(const kernels::Window& window, std::span<const float> probability,
                          const std::vector<std::vector<float>>& evidence,
                          const std::vector<std::vector<std::byte>>* stored_evidence = nullptr,
                          std::span<const uint8_t> keep_stored = {}) const;
  /// Whether two arrays of evidence layer `layer`'s values are stored alike
  /// (GridFileWriter::stored_alike). Needs evidence storage.
  bool evidence_stored_alike(size_t layer, std::span<const float> a, std::span<const float> b) const;
  /// A tile's stored chunks (the probability's, then each evidence layer's, as encode_tile
  /// gives them) decoded back to values (GridFileWriter::decode): encode_tile of them gives the
  /// same bytes. Without evidence storage, the layers are empty arrays; with `layers` (one flag
  /// per evidence layer), so are those not flagged. Thread-safe.
  struct TileValues {
    std::vector<float> probability;
    std::vector<std::vector<float>> evidence;
  };
  TileValues decode_tile(const kernels::Window& window, const std::vector<std::vector<std::byte>>& chunks,
                         std::span<const uint8_t> layers = {}) const;
  /// A tile as both files store it, copied byte for byte from files of the same layout: the
  /// probability's chunk and each evidence layer's (update's unchanged tiles).
  EncodedTile stored_tile(const kernels::Window& window, std::vector<std::byte> probability,
                          std::vector<std::vector<std::byte>> evidence) const;
  /// A tile another process encoded (RunTileEncoding), to append as encode_tile's.
  EncodedTile detached_tile(const kernels::Window& window, DetachedTile tile) const;
  /// Appends an encoded tile to both files. Not thread-safe: the caller serialises every write.
  void write_tile(const EncodedTile& tile);
  /// Each packed evidence layer's finite values written beyond +-32.767 (stored at the limit),
  /// by name, for the layers that have any.
  std::vector<std::pair<std::string, int64_t>> clipped_layers() const;
  /// A record group in the grid file (GridFileWriter::add_record_group): update's record.
  void add_record_group(const std::string& group, const std::vector<std::pair<std::string, std::string>>& attributes,
                        const std::vector<std::pair<std::string, std::vector<std::byte>>>& arrays) {
    grid_.add_record_group(group, attributes, arrays);
  }
  /// Whether this writer patches copies (the Reopen constructor): tiles not written keep the
  /// copies' bytes.
  bool patching() const { return patching_; }
  /// Closes both files (or the grid's alone); errors surface here.
  void close();

 private:
  void check_layers(size_t count) const;

  GridFileWriter grid_;
  std::unique_ptr<GridFileWriter> evidence_;  // null for EvidenceStorage::none
  size_t evidence_count_;
  GridFileWriter::Variable probability_;
  std::vector<GridFileWriter::Variable> layers_;
  std::vector<std::string> names_;
  bool patching_ = false;
};

}  // namespace minerisk
