#include "minerisk/engine/raster_source.hpp"

#include <algorithm>
#include <gdalwarper.h>

#include <cmath>

#include "minerisk/engine/band_cells.hpp"
#include "minerisk/engine/errors.hpp"
#include "minerisk/engine/gdal_support.hpp"
#include "minerisk/kernels/raster_ops.hpp"

namespace fs = std::filesystem;
using minerisk::kernels::Window;

namespace minerisk {
namespace {

// Shifts window-local pixel coordinates to whole-grid ones, then hands over to GDAL's
// general-purpose transformer built on the whole grid. Adding an integer offset to a
// coordinate is exact, so every cell is transformed bit-identically in any window.
struct OffsetTransformer {
  GDALTransformerInfo info{};  // must come first: GDAL inspects it for the transformer's name
  void* inner = nullptr;
  double col_offset = 0, row_offset = 0;
};

int offset_transform(void* arg, int dst_to_src, int count, double* x, double* y, double* z, int* ok) {
  auto* t = static_cast<OffsetTransformer*>(arg);
  if (dst_to_src) {
    for (int i = 0; i < count; ++i) x[i] += t->col_offset, y[i] += t->row_offset;
    return GDALGenImgProjTransform(t->inner, TRUE, count, x, y, z, ok);
  }
  const int result = GDALGenImgProjTransform(t->inner, FALSE, count, x, y, z, ok);
  for (int i = 0; i < count; ++i) x[i] -= t->col_offset, y[i] -= t->row_offset;
  return result;
}

// Throws a UserError for a read GDAL failed or complained about: its values are not used.
void check_read(const GdalErrorTrap& trap, CPLErr status, const std::string& what) {
  trap.check(what, kDamagedInputAdvice);
  if (status != CE_None) throw UserError(what + ": GDAL failed without a message; " + kDamagedInputAdvice);
}

bool same_crs(const std::string& a, const std::string& b) {
  OGRSpatialReference sa, sb;
  sa.importFromWkt(a.c_str());
  sb.importFromWkt(b.c_str());
  return sa.IsSame(&sb) != 0;
}

}  // namespace

RasterSource::RasterSource(fs::path path, Grid grid, std::string role, Resampling resampling)
    : path_(std::move(path)), role_(std::move(role)), resampling_(resampling), grid_(std::move(grid)) {
  DatasetPtr ds = open_raster(path_, role_);
  // Every file the raster reads, with a VRT's sources in GDAL's forms (NETCDF:"f.nc":var), which
  // GDAL's own file list leaves out: an update must see any of them change.
  files_ = files_of_dataset(*ds, path_.string());
  if (files_.empty()) files_.push_back(path_);
  const GdalErrorTrap trap;  // what GDAL says while the header is read and the CRS transformed
  refuse_gcp_only(*ds, role_ + ": raster '" + path_.string() + "'");
  const OGRSpatialReference* srs = ds->GetSpatialRef();
  if (!srs || srs->IsEmpty())
    throw UserError(role_ + ": raster '" + path_.string() + "' has no CRS; assign one with gdal_edit.py -a_srs EPSG:XXXX");
  if (ds->GetGeoTransform(raster_geotransform_.data()) != CE_None)
    throw UserError(role_ + ": raster '" + path_.string() + "' has no geotransform; georeference it first");
  if (ds->GetRasterCount() < 1) throw UserError(role_ + ": raster '" + path_.string() + "' has no bands");
  char* wkt = nullptr;
  srs->exportToWkt(&wkt);
  raster_wkt_ = wkt ? wkt : "";
  CPLFree(wkt);
  raster_width_ = ds->GetRasterXSize();
  raster_height_ = ds->GetRasterYSize();
  int has_nodata = 0;
  nodata_ = ds->GetRasterBand(1)->GetNoDataValue(&has_nodata);
  has_nodata_ = has_nodata != 0;
  unpacking_ = unpacking_of(*ds->GetRasterBand(1));
  stored_type_ = ds->GetRasterBand(1)->GetRasterDataType();

  const auto& g = grid_.frame.geotransform;
  const auto& d = raster_geotransform_;
  if (same_crs(raster_wkt_, grid_.crs_wkt) && d[2] == 0 && d[4] == 0 && std::abs(d[1] - g[1]) <= 1e-9 * std::abs(g[1]) &&
      std::abs(d[5] - g[5]) <= 1e-9 * std::abs(g[5])) {
    const double col = (g[0] - d[0]) / d[1], row = (g[3] - d[3]) / d[5];
    if (std::abs(col - std::round(col)) < 1e-6 && std::abs(row - std::round(row)) < 1e-6) {
      aligned_ = true;
      col_offset_ = static_cast<int64_t>(std::llround(col));
      row_offset_ = static_cast<int64_t>(std::llround(row));
    }
  }

  if (aligned_) handles_.local() = std::move(ds);
  else compute_resampling_scale();

  // Overlap: transform the raster's footprint into the grid's CRS and compare extents.
  OGRSpatialReference raster_srs(*srs), grid_srs = grid_.srs();
  raster_srs.SetAxisMappingStrategy(OAMS_TRADITIONAL_GIS_ORDER);
  std::unique_ptr<OGRCoordinateTransformation> ct(OGRCreateCoordinateTransformation(&raster_srs, &grid_srs));
  if (!ct) throw UserError(role_ + ": cannot transform '" + path_.string() + "' from its CRS to the grid's; check both CRS");
  double xmin = 0, ymin = 0, xmax = 0, ymax = 0;
  const double x0 = d[0], x1 = d[0] + d[1] * static_cast<double>(raster_width_);
  const double y0 = d[3], y1 = d[3] + d[5] * static_cast<double>(raster_height_);
  if (!ct->TransformBounds(std::min(x0, x1), std::min(y0, y1), std::max(x0, x1), std::max(y0, y1), &xmin, &ymin, &xmax,
                           &ymax, 21))
    throw UserError(role_ + ": the footprint of '" + path_.string() + "' cannot be transformed to the grid's CRS; check its CRS");
  const auto b = grid_.bounds();
  if (xmax <= b[0] || xmin >= b[2] || ymax <= b[1] || ymin >= b[3])
    // A scenario's raster (terrain.dem, a layer's) may miss a [grid] the scenario itself bounds.
    throw UserError(role_ + ": raster '" + path_.string() + "' does not overlap the grid; check its CRS and geotransform" +
                    (role_.rfind("--", 0) == 0 || role_ == "input" ? "" : " (and the scenario's [grid] bounds)"));
  check_read(trap, CE_None, role_ + ": raster '" + path_.string() + "' is unreadable");
}

void RasterSource::compute_resampling_scale() {
  // Raster pixels spanned by one grid cell along x and along y, at the grid's centre.
  void* transformer = GDALCreateGenImgProjTransformer3(raster_wkt_.c_str(), raster_geotransform_.data(),
                                                       grid_.crs_wkt.c_str(),
                                                       const_cast<double*>(grid_.frame.geotransform.data()));
  if (!transformer) throw UserError(role_ + ": cannot transform '" + path_.string() + "' to the grid's CRS; check its CRS");
  const double cx = std::floor(static_cast<double>(grid_.width()) / 2) + 0.5;
  const double cy = std::floor(static_cast<double>(grid_.height()) / 2) + 0.5;
  double x[3] = {cx, cx + 1, cx}, y[3] = {cy, cy, cy + 1}, z[3] = {0, 0, 0};
  int ok[3] = {0, 0, 0};
  GDALGenImgProjTransform(transformer, TRUE, 3, x, y, z, ok);
  GDALDestroyGenImgProjTransformer(transformer);
  if (ok[0] && ok[1] && ok[2]) {
    const double span_x = std::hypot(x[1] - x[0], y[1] - y[0]);
    const double span_y = std::hypot(x[2] - x[0], y[2] - y[0]);
    if (span_x > 0) xscale_ = std::min(1.0, 1.0 / span_x);
    if (span_y > 0) yscale_ = std::min(1.0, 1.0 / span_y);
  }
}

std::vector<float> RasterSource::read(const Window& w) const {
  std::vector<float> values = aligned_ ? read_aligned(w) : read_warped(w);
  // The stored values unpacked (a packed layer of a run, a DEM with a scale): after the
  // warp, which is linear in them, and after no-data (NaN stays NaN).
  unpacking_.apply(values.data(), values.size());
  // An infinity is no number to compute with (a slope of 90 degrees, a focal mean of inf over a
  // whole window), as a finite value beyond float32's range is not (band_cells.hpp): refused.
  // NaN is no data.
  if (kernels::first_infinite_or_equal(values) >= 0) refuse_infinity();
  return values;
}

void RasterSource::refuse_infinity() const {
  // The cell is not named: tiles read in parallel, and the first to find one would name it,
  // another cell from one run to the next.
  throw UserError(role_ + ": raster '" + path_.string() +
                  "' holds an infinite value (stored, or made by its scale and offset beyond float32's range), which "
                  "minerisk cannot compute with; set such cells to no-data (gdal_calc, or gdal_translate -a_nodata inf "
                  "when infinity marks them)");
}

std::vector<float> RasterSource::read_aligned(const Window& w) const {
  std::vector<float> out(static_cast<size_t>(w.cells()), NAN);
  // Intersection of the window (in raster pixels) with the raster.
  const int64_t c0 = std::max<int64_t>(w.col0 + col_offset_, 0), r0 = std::max<int64_t>(w.row0 + row_offset_, 0);
  const int64_t c1 = std::min<int64_t>(w.col0 + col_offset_ + w.width, raster_width_);
  const int64_t r1 = std::min<int64_t>(w.row0 + row_offset_ + w.height, raster_height_);
  if (c0 >= c1 || r0 >= r1) return out;
  const int64_t dst_col = c0 - (w.col0 + col_offset_), dst_row = r0 - (w.row0 + row_offset_);
  float* dst = out.data() + dst_row * w.width + dst_col;
  read_band_cells(*handle().GetRasterBand(1), c0, r0, c1 - c0, r1 - r0, dst, w.width,
                  role_ + ": raster '" + path_.string() + "'", role_ + ": reading '" + path_.string() + "' failed");
  return out;
}

GDALDataset& RasterSource::handle() const {
  DatasetPtr& handle = handles_.local();
  if (!handle) handle = open_raster(path_, role_);
  return *handle;
}

void RasterSource::read_stored(const Window& w, GDALDataType type, void* out) const {
  const int64_t c0 = w.col0 + col_offset_, r0 = w.row0 + row_offset_;
  if (!aligned_ || c0 < 0 || r0 < 0 || c0 + w.width > raster_width_ || r0 + w.height > raster_height_)
    throw std::logic_error("RasterSource::read_stored: a window outside the raster, or a raster off the grid");
  read_cells(c0, r0, w.width, w.height, type, out, w.width * GDALGetDataTypeSizeBytes(type));
}

void RasterSource::read_cells(int64_t c0, int64_t r0, int64_t cols, int64_t rows, GDALDataType type, void* out,
                              int64_t line_bytes) const {
  const GdalErrorTrap trap;
  const CPLErr status = handle().GetRasterBand(1)->RasterIO(
      GF_Read, static_cast<int>(c0), static_cast<int>(r0), static_cast<int>(cols), static_cast<int>(rows), out,
      static_cast<int>(cols), static_cast<int>(rows), type, 0, static_cast<GSpacing>(line_bytes), nullptr);
  check_read(trap, status, role_ + ": reading '" + path_.string() + "' failed");
}

std::vector<double> RasterSource::read_doubles(const Window& w) const {
  if (unpacking_.needed()) throw std::logic_error("RasterSource::read_doubles: a raster with a scale or an offset");
  std::vector<double> out;
  if (!aligned_) {
    out = warp_to_doubles(w);
  } else {
    out.assign(static_cast<size_t>(w.cells()), NAN);
    // Intersection of the window (in raster pixels) with the raster, as in read_aligned.
    const int64_t c0 = std::max<int64_t>(w.col0 + col_offset_, 0), r0 = std::max<int64_t>(w.row0 + row_offset_, 0);
    const int64_t c1 = std::min<int64_t>(w.col0 + col_offset_ + w.width, raster_width_);
    const int64_t r1 = std::min<int64_t>(w.row0 + row_offset_ + w.height, raster_height_);
    if (c0 < c1 && r0 < r1) {
      double* dst = out.data() + (r0 - (w.row0 + row_offset_)) * w.width + (c0 - (w.col0 + col_offset_));
      read_cells(c0, r0, c1 - c0, r1 - r0, GDT_Float64, dst, w.width * static_cast<int64_t>(sizeof(double)));
      // No-data compared as stored (the warper has already made it NaN on the other path).
      if (has_nodata_)
        for (double& v : out)
          if (v == nodata_) v = NAN;
    }
  }
  for (const double v : out)
    if (std::isinf(v)) refuse_infinity();
  return out;
}

std::vector<float> RasterSource::read_warped(const Window& w) const {
  const std::vector<double> warped = warp_to_doubles(w);
  std::vector<float> out(warped.size());
  const std::string what = role_ + ": raster '" + path_.string() + "'";
  for (size_t i = 0; i < warped.size(); ++i) out[i] = float_or_refuse(warped[i], what);
  return out;
}

std::vector<double> RasterSource::warp_to_doubles(const Window& w) const {
  DatasetPtr src = open_raster(path_, role_);
  const GdalErrorTrap trap;  // the warper reads through GDAL's block cache: a bad block is only a message
  GDALDriver* mem = GetGDALDriverManager()->GetDriverByName("MEM");
  // Doubles and wide integers are interpolated as doubles (a value beyond float32 is refused by
  // read_warped, as when they are read on the grid; read_doubles keeps them) (their no-data, though, GDAL's warper matches
  // within float32's rounding, as gdalwarp does).
  const GDALDataType working = is_wider_than_float(stored_type_) ? GDT_Float64 : GDT_Float32;
  DatasetPtr dst(mem->Create("", static_cast<int>(w.width), static_cast<int>(w.height), 1, working, nullptr));
  const auto& g = grid_.frame.geotransform;
  double window_gt[6] = {g[0] + g[1] * static_cast<double>(w.col0), g[1], 0, g[3] + g[5] * static_cast<double>(w.row0), 0, g[5]};
  dst->SetGeoTransform(window_gt);
  dst->SetProjection(grid_.crs_wkt.c_str());
  dst->GetRasterBand(1)->SetNoDataValue(NAN);

  OffsetTransformer transformer;
  transformer.inner = GDALCreateGenImgProjTransformer3(raster_wkt_.c_str(), raster_geotransform_.data(), grid_.crs_wkt.c_str(),
                                                       const_cast<double*>(g.data()));
  if (!transformer.inner) throw std::runtime_error("cannot build the transformer for '" + path_.string() + "': " + last_gdal_error());
  memcpy(transformer.info.abySignature, GDAL_GTI2_SIGNATURE, strlen(GDAL_GTI2_SIGNATURE));
  transformer.info.pszClassName = "minerisk::OffsetTransformer";
  transformer.info.pfnTransform = offset_transform;
  transformer.col_offset = static_cast<double>(w.col0);
  transformer.row_offset = static_cast<double>(w.row0);

  GDALWarpOptions* options = GDALCreateWarpOptions();
  options->hSrcDS = src.get();
  options->hDstDS = dst.get();
  options->nBandCount = 1;
  options->panSrcBands = static_cast<int*>(CPLMalloc(sizeof(int)));
  options->panDstBands = static_cast<int*>(CPLMalloc(sizeof(int)));
  options->panSrcBands[0] = options->panDstBands[0] = 1;
  options->eResampleAlg = resampling_ == Resampling::nearest ? GRA_NearestNeighbour : GRA_Bilinear;
  options->eWorkingDataType = working;
  int has_nodata = 0;
  const double nodata = src->GetRasterBand(1)->GetNoDataValue(&has_nodata);
  if (has_nodata) {
    options->padfSrcNoDataReal = static_cast<double*>(CPLMalloc(sizeof(double)));
    options->padfSrcNoDataReal[0] = nodata;
  }
  options->padfDstNoDataReal = static_cast<double*>(CPLMalloc(sizeof(double)));
  options->padfDstNoDataReal[0] = NAN;
  options->papszWarpOptions = CSLSetNameValue(options->papszWarpOptions, "INIT_DEST", "NO_DATA");
  // A fixed scale keeps the bilinear kernel the same for every chunk (GDAL derives it per
  // chunk otherwise), which is what makes the result independent of the window.
  options->papszWarpOptions = CSLSetNameValue(options->papszWarpOptions, "XSCALE", CPLSPrintf("%.17g", xscale_));
  options->papszWarpOptions = CSLSetNameValue(options->papszWarpOptions, "YSCALE", CPLSPrintf("%.17g", yscale_));
  options->pfnTransformer = offset_transform;
  options->pTransformerArg = &transformer;

  GDALWarpOperation operation;
  CPLErr err = operation.Initialize(options);
  if (err == CE_None) err = operation.ChunkAndWarpImage(0, 0, static_cast<int>(w.width), static_cast<int>(w.height));
  options->pTransformerArg = nullptr;
  GDALDestroyWarpOptions(options);
  GDALDestroyGenImgProjTransformer(transformer.inner);
  check_read(trap, err, role_ + ": reading '" + path_.string() + "' failed");

  std::vector<double> warped(static_cast<size_t>(w.cells()));
  if (dst->GetRasterBand(1)->RasterIO(GF_Read, 0, 0, static_cast<int>(w.width), static_cast<int>(w.height), warped.data(),
                                      static_cast<int>(w.width), static_cast<int>(w.height), GDT_Float64, 0, 0,
                                      nullptr) != CE_None)
    throw std::runtime_error("reading the warped raster failed: " + last_gdal_error());  // in memory: not a bad input
  return warped;
}

}  // namespace minerisk
