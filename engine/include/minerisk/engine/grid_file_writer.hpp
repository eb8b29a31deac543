#pragma once
// The HDF5 output file: CF-1.8 in the netCDF-4 data model, so GDAL (NETCDF:file:var), QGIS,
// ncdump and xarray open it georeferenced. One HDF5 chunk per tile.
//
// The writer knows grids and named float arrays, not the model; HDF5 stays inside its
// implementation (no HDF5 header or type here).
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <limits>
#include <memory>
#include <span>
#include <string>
#include <utility>
#include <vector>

#include "minerisk/engine/grid.hpp"

namespace minerisk {

struct OutputMetadata {
  std::string title, history, version, scenario_toml, inputs_json, created_utc;
  std::string run_id;  // ties files written together (a run's grid and evidence); "" for none
};

class GridFileWriter {
 public:
  /// A float32 (y, x) variable of this writer's file, as add_variable returns it. A
  /// default-constructed one names no variable (writing to it throws).
  struct Variable {
    std::size_t index = std::numeric_limits<std::size_t>::max();
  };
  /// A float32 (scenario, y, x) variable, as add_stack returns it; default: none.
  struct Stack {
    std::size_t index = std::numeric_limits<std::size_t>::max();
  };

  /// One tile of a variable or of a stack's layer, compressed as the file stores it (HDF5's
  /// shuffle then deflate), by encode(), and stored by write(const EncodedChunk&).
  struct EncodedChunk {
    const void* writer = nullptr;  // the writer that encoded it (its implementation): no other writes it
    std::size_t variable = std::numeric_limits<std::size_t>::max();
    int64_t layer = 0;  // 0 for a (y, x) variable
    kernels::Window window;
    std::vector<std::byte> bytes;
    int64_t clipped = 0;  // finite values beyond a packed variable's range, stored at its limit
  };

  /// Creates the file with its coordinates, CRS and root attributes; variables are added after.
  /// The writer keeps its own copy of what it needs of `grid`.
  GridFileWriter(const std::filesystem::path& path, const Grid& grid, int64_t tile_size, const OutputMetadata& metadata);
  /// Reopens `path`, a copy of a file this writer made with the same grid and tiles, to patch it
  /// (update's copy of the previous output): its root attributes are overwritten in place with
  /// `metadata`'s, variables are taken with open_variable, chunks written replace the copy's,
  /// and a record group added replaces the copy's. Everything else stays as the copy has it.
  struct Reopen {};
  /// Why the file at `path` cannot be reopened for `grid` in tiles of `tile_size` with `metadata`
  /// (and then `extra_attributes` set) to write tiles of `variables` (name and packed scale, 0
  /// for float32); "" when it can: it holds x, y, crs, the variables and `extra_links` and no
  /// more, those attributes and no more, every attribute takes its new value in place (see
  /// grid_file_patch.cpp), and every variable is stored as this writer stores it.
  static std::string patch_refusal(const std::filesystem::path& path, const Grid& grid, int64_t tile_size,
                                   const OutputMetadata& metadata,
                                   const std::vector<std::pair<std::string, std::string>>& extra_attributes,
                                   const std::vector<std::pair<std::string, double>>& variables,
                                   const std::vector<std::string>& extra_links);
  GridFileWriter(Reopen, const std::filesystem::path& path, const Grid& grid, int64_t tile_size,
                 const OutputMetadata& metadata);
  /// Closes the file if close() was not called, ignoring errors (the caller discards such a file).
  ~GridFileWriter();
  GridFileWriter(const GridFileWriter&) = delete;
  GridFileWriter& operator=(const GridFileWriter&) = delete;

  /// The (y, x) variable `name` of a reopened file, stored as add_packed_variable(`packed_scale`)
  /// stores it; refused unless its chunks are this writer's tiles.
  Variable open_variable(const std::string& name, double packed_scale);
  /// A text attribute of the file (a global attribute in netCDF terms); in a reopened file, the
  /// existing one overwritten in place (it must keep its size).
  void set_attribute(const std::string& name, const std::string& value);
  /// A group of text attributes and 1-D byte arrays (each with a dimension `<name>_length`) that
  /// is no grid: `update`'s record of what each tile was computed from (update_record.hpp).
  /// netCDF readers see a group; GDAL, QGIS and xarray's default view see nothing new.
  void add_record_group(const std::string& group, const std::vector<std::pair<std::string, std::string>>& attributes,
                        const std::vector<std::pair<std::string, std::vector<std::byte>>>& arrays);
  /// The CF valid_range of a variable.
  void set_valid_range(Variable variable, float low, float high);

  /// A float32 (y, x) variable, chunked by tile, in the root or in `group` (created when first named).
  Variable add_variable(const std::string& name, const std::string& long_name, const std::string& units,
                        const std::string& group = "");
  /// The same, stored as int16 packed by CF's scale_factor (CF 8.1): each value is kept to the
  /// nearest multiple of `scale_factor`, within +-32767 of them (beyond, and infinities, at the
  /// limit), NaN as the int16 _FillValue. A scale_factor of 0 is a float32 variable.
  Variable add_packed_variable(const std::string& name, const std::string& long_name, const std::string& units,
                               double scale_factor, const std::string& group = "");
  /// One window of a (y, x) variable: window.cells() values, row-major. Not thread-safe (HDF5
  /// is not): the caller serialises every write. A window that is one chunk is encoded and
  /// stored as by encode() and write(const EncodedChunk&); any other goes through HDF5's filters.
  void write(Variable variable, const kernels::Window& window, std::span<const float> values);
  /// Compresses one window of a variable for write(const EncodedChunk&). Thread-safe, and meant
  /// to run on the worker that computed the tile, outside the caller's lock (compression costs
  /// far more than appending the bytes). The window must be one chunk, a tile of the TilePlan of
  /// this writer's tile size (see is_chunk); add every variable before encoding concurrently.
  ///
  /// `stored`, when given, is the chunk a file of the same layout already stores for this place
  /// (an update's previous tile): when the values are the ones it holds, its bytes are kept
  /// instead of compressing them again (chunk_codec::encode_chunk).
  EncodedChunk encode(Variable variable, const kernels::Window& window, std::span<const float> values,
                      std::span<const std::byte> stored = {}) const;
  /// The same for one layer of a stack.
  EncodedChunk encode(Stack stack, int64_t layer, const kernels::Window& window, std::span<const float> values) const;
  /// What encode() stores for `values`, without a file: the bytes of one chunk of `chunk_rows` x
  /// `chunk_cols` (packed as add_packed_variable says when `packed_scale` > 0; `clipped` counts
  /// the values beyond its range). For a process that computes chunks for another's file (MPI).
  /// `stored`: as for encode() above.
  static std::vector<std::byte> encode_detached(std::span<const float> values, const kernels::Window& window,
                                                int64_t chunk_rows, int64_t chunk_cols, double packed_scale,
                                                int64_t* clipped, std::span<const std::byte> stored = {});
  /// The values of one stored chunk of `variable` (bytes as encode() gives them) for the chunk's
  /// `window`: inflated, unshuffled, and unpacked when the variable is packed (value = step times
  /// scale_factor, NaN for the fill value), so that encode() of the values gives the same bytes.
  /// Throws std::runtime_error when the bytes do not inflate to one chunk. Thread-safe.
  std::vector<float> decode(Variable variable, const kernels::Window& window, std::span<const std::byte> bytes) const;
  /// Whether two arrays of `variable`'s values are stored alike: bit for bit as float32, or
  /// packed to the same steps.
  bool stored_alike(Variable variable, std::span<const float> a, std::span<const float> b) const;
  /// A chunk already encoded as this file stores it: copied byte for byte from a file of the
  /// same variable, chunking and filters (update's unchanged tiles), for write(const EncodedChunk&).
  EncodedChunk stored(Variable variable, const kernels::Window& window, std::vector<std::byte> bytes) const;
  /// The same for one layer of a stack.
  EncodedChunk stored(Stack stack, int64_t layer, const kernels::Window& window, std::vector<std::byte> bytes) const;
  /// Whether `window` is exactly one chunk of this file (what encode() accepts).
  bool is_chunk(const kernels::Window& window) const;
  /// Appends an encoded chunk to its variable. Not thread-safe: the caller serialises writes.
  void write(const EncodedChunk& chunk);
  /// The finite values written so far to a packed variable beyond its range (kept at the limit).
  int64_t clipped_values(Variable variable) const;
  /// A float32 (scenario, y, x) variable of `count` layers.
  Stack add_stack(const std::string& name, int64_t count, const std::string& long_name, const std::string& units);
  /// One window of one layer of a stack.
  void write(Stack stack, int64_t layer, const kernels::Window& window, std::span<const float> values);
  /// A float64 variable along the `scenario` dimension (created with the first one).
  void add_series(const std::string& name, const std::vector<double>& values, const std::string& long_name,
                  const std::string& units);
  /// Closes every variable, then the file; errors surface here (std::runtime_error) rather than
  /// in the destructor. A file whose closing failed is not taken for closed.
  void close();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace minerisk
