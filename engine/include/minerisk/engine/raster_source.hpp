#pragma once
// A raster (band 1) brought onto the target grid, one window at a time: the DEM, or any
// raster a tool reads.
#include <filesystem>
#include <vector>

#include <tbb/enumerable_thread_specific.h>

#include "minerisk/engine/gdal_support.hpp"
#include "minerisk/engine/grid.hpp"

namespace minerisk {

/// How a raster not already on the grid is resampled onto it.
enum class Resampling { bilinear, nearest };

class RasterSource {
 public:
  /// Opens and checks the raster: readable, has a CRS and a geotransform, overlaps the grid.
  /// `role` names it in error messages ("terrain.dem", "input" ...). The source keeps its own
  /// copy of `grid`, so it does not depend on the caller's Grid staying where it is.
  RasterSource(std::filesystem::path path, Grid grid, std::string role,
               Resampling resampling = Resampling::bilinear);

  /// Elevations of `window` (which may reach outside the grid), row-major, NaN for no-data and
  /// for cells the raster does not cover. Thread-safe.
  ///
  /// When the raster already lies on the grid (same CRS, same cell size, origin on a cell corner)
  /// the cells are read as they are, through a GDAL handle of each thread's own, so that threads
  /// decode the file's blocks (a compressed DEM) in parallel; a thread works through neighbouring
  /// tiles, so the halo it reads from the blocks of the tiles beside is mostly in its handle's
  /// block cache already. Otherwise GDAL's warper resamples bilinearly; its
  /// transformer is set up on the whole grid and only offset to the window, and its resampling
  /// scale (XSCALE/YSCALE: how far the bilinear kernel widens when the grid is coarser than the
  /// raster, as gdalwarp does) is computed once for the whole grid instead of per chunk, so a cell
  /// gets the same value whatever window it is read in.
  std::vector<float> read(const kernels::Window& window) const;

  /// The stored values of `window` as `type` (GDT_Byte, GDT_Float64...), with neither no-data
  /// nor scale applied, for a reader that compares values as the file holds them. Only for a
  /// raster on the grid (aligned()) and a window inside it. Thread-safe.
  void read_stored(const kernels::Window& window, GDALDataType type, void* out) const;
  /// Band 1's values of `window` as doubles, NaN for no-data and for cells the raster does not
  /// cover, and never rounded to float32: for a reader of codes (zones), which float32 merges from
  /// 2^24 on. Read as stored when the raster is on the grid, else warped by nearest neighbour as
  /// doubles. Neither scale nor offset is applied: only for a raster that has none (!scaled()).
  /// Refuses an infinity. Thread-safe.
  std::vector<double> read_doubles(const kernels::Window& window) const;
  /// Whether read_stored can read `window`: the raster is on the grid and holds the window.
  bool holds(const kernels::Window& window) const {
    return aligned_ && window.col0 + col_offset_ >= 0 && window.row0 + row_offset_ >= 0 &&
           window.col0 + col_offset_ + window.width <= raster_width_ &&
           window.row0 + row_offset_ + window.height <= raster_height_;
  }
  /// The UserError for an infinity in this raster (read() throws it; so does a reader of the
  /// stored values that finds one).
  [[noreturn]] void refuse_infinity() const;
  /// Band 1 as the file stores it: its type, its no-data value (when it has one), and whether
  /// read() scales the values (a scale or an offset).
  GDALDataType stored_type() const { return stored_type_; }
  bool has_nodata() const { return has_nodata_; }
  double nodata() const { return nodata_; }
  bool scaled() const { return unpacking_.needed(); }

  bool aligned() const { return aligned_; }
  const std::filesystem::path& path() const { return path_; }
  /// Every file GDAL reads for it (GetFileList): the file, and its .aux.xml, world file,
  /// overviews, or a VRT's sources. What update hashes to know the raster has not changed.
  const std::vector<std::filesystem::path>& files() const { return files_; }

 private:
  std::vector<float> read_aligned(const kernels::Window& window) const;
  // Raster cells [c0, c0 + cols) x [r0, r0 + rows) as `type` into `out`, rows `line_bytes`
  // apart, through this thread's own handle.
  void read_cells(int64_t c0, int64_t r0, int64_t cols, int64_t rows, GDALDataType type, void* out,
                  int64_t line_bytes) const;
  // This thread's own handle of the raster, opened on its first read.
  GDALDataset& handle() const;
  std::vector<float> read_warped(const kernels::Window& window) const;
  // The warp of read_warped, as the doubles GDAL's warper made, before their rounding to float32.
  std::vector<double> warp_to_doubles(const kernels::Window& window) const;
  void compute_resampling_scale();

  std::filesystem::path path_;
  std::vector<std::filesystem::path> files_;
  std::string role_;
  Resampling resampling_;
  Grid grid_;  // a copy: an InputSet, say, may move the Grid it was made from
  bool aligned_ = false;
  int64_t col_offset_ = 0, row_offset_ = 0;  // grid cell (0,0) is raster cell (col_offset_, row_offset_)
  int64_t raster_width_ = 0, raster_height_ = 0;
  std::string raster_wkt_;
  std::array<double, 6> raster_geotransform_{};
  double xscale_ = 1.0, yscale_ = 1.0;  // grid cells per raster cell, at most 1
  GDALDataType stored_type_ = GDT_Unknown;
  bool has_nodata_ = false;
  double nodata_ = 0.0;
  Unpacking unpacking_;  // the band's scale and offset
  // The aligned path's handles, one per thread, opened when a thread first reads (GDAL's
  // datasets are not thread-safe; separate handles of one file are).
  mutable tbb::enumerable_thread_specific<DatasetPtr> handles_;
};

}  // namespace minerisk
