#include "map_rasters.hpp"

#include <gdal_utils.h>
#include <gdal_priv.h>

#include <algorithm>
#include <cmath>

#include <tbb/enumerable_thread_specific.h>

#include "minerisk/engine/errors.hpp"
#include "minerisk/engine/gdal_support.hpp"
#include "minerisk/kernels/terrain.hpp"

namespace minerisk::render {

std::vector<float> probability_overview(const GridFileReader& reader, const std::string& variable, const MapView& view,
                                        const ops::Control& control) {
  std::vector<float> pixels(static_cast<size_t>(view.width_px) * view.height_px, NAN);
  // Bands of whole pixel rows, about 256 cells high: each band writes only its own pixels, so
  // the result is the same for any thread count and order.
  const int64_t rows_per_band = std::max<int64_t>(1, 256 / view.block);
  const int64_t bands = (view.height_px + rows_per_band - 1) / rows_per_band;
  tbb::enumerable_thread_specific<DatasetPtr> handles;
  const kernels::Window& cells = view.cells;
  for_each_job(bands, control.loop("map"), [&](int64_t band) {
    const int64_t first_px = band * rows_per_band, last_px = std::min<int64_t>(view.height_px, first_px + rows_per_band);
    const int64_t row0 = cells.row0 + first_px * view.block;
    const int64_t row1 = std::min(cells.row0 + cells.height, cells.row0 + last_px * view.block);
    const kernels::Window window{cells.col0, row0, cells.width, row1 - row0};
    const std::vector<float> values = reader.read_variable_window(variable, window, handles.local());
    for (int64_t r = 0; r < window.height; ++r) {
      float* out = pixels.data() + (first_px + r / view.block) * view.width_px;
      const float* in = values.data() + r * window.width;
      for (int64_t c = 0; c < window.width; ++c) {
        const float v = in[c];
        float& p = out[c / view.block];
        if (!std::isnan(v) && (std::isnan(p) || v > p)) p = v;
      }
    }
  });
  return pixels;
}

std::vector<float> hillshade_overview(const std::filesystem::path& dem, const MapView& view, int threads) {
  DatasetPtr source = open_raster(dem, "the DEM");
  // The DEM onto the image's pixels and one pixel around (the gradient's 3 x 3 window), in the
  // grid's CRS, averaging; GDAL reads the DEM's overviews when they are coarse enough.
  const kernels::GridFrame frame = view.pixel_frame(1);
  GDALDriver* mem = GetGDALDriverManager()->GetDriverByName("MEM");
  DatasetPtr target(mem->Create("", static_cast<int>(frame.width), static_cast<int>(frame.height), 1, GDT_Float32, nullptr));
  double gt[6];
  std::copy(frame.geotransform.begin(), frame.geotransform.end(), gt);
  target->SetGeoTransform(gt);
  target->SetProjection(view.grid.crs_wkt.c_str());
  target->GetRasterBand(1)->SetNoDataValue(NAN);
  target->GetRasterBand(1)->Fill(NAN);
  const std::string thread_option = "NUM_THREADS=" + (threads > 0 ? std::to_string(threads) : std::string("ALL_CPUS"));
  const char* argv[] = {"-r", "average", "-wo", thread_option.c_str(), "-dstnodata", "nan", nullptr};
  GDALWarpAppOptions* options = GDALWarpAppOptionsNew(const_cast<char**>(argv), nullptr);
  GDALDatasetH sources[] = {GDALDataset::ToHandle(source.get())};
  int failed = 0;
  CPLErrorReset();
  GDALDatasetH done = GDALWarp(nullptr, GDALDataset::ToHandle(target.get()), 1, sources, options, &failed);
  GDALWarpAppOptionsFree(options);
  if (!done || failed) throw UserError("cannot draw the hillshade of " + dem.string() + ": " + last_gdal_error());

  std::vector<float> heights(static_cast<size_t>(frame.width * frame.height));
  if (target->GetRasterBand(1)->RasterIO(GF_Read, 0, 0, static_cast<int>(frame.width), static_cast<int>(frame.height),
                                         heights.data(), static_cast<int>(frame.width), static_cast<int>(frame.height),
                                         GDT_Float32, 0, 0, nullptr) != CE_None)
    throw UserError("cannot read the warped DEM " + dem.string() + ": " + last_gdal_error());

  const kernels::GridFrame image = view.pixel_frame(0);
  const kernels::Window all{0, 0, view.width_px, view.height_px};
  const size_t n = static_cast<size_t>(view.width_px) * view.height_px;
  std::vector<float> slope(n), aspect(n);
  kernels::terrain(heights, all, image, slope, kernels::TerrainMeasure::slope_degrees);
  kernels::terrain(heights, all, image, aspect, kernels::TerrainMeasure::aspect, {kernels::EdgeMode::extrapolate, true, false});
  // Lambert's law with the sun at azimuth 315° and altitude 45° (gdaldem hillshade's default).
  const double zenith = 45 * M_PI / 180, azimuth = 315 * M_PI / 180;
  std::vector<float> shade(n, NAN);
  for (size_t k = 0; k < n; ++k) {
    if (std::isnan(slope[k])) continue;
    const double s = slope[k] * M_PI / 180, a = aspect[k] * M_PI / 180;
    const double lit = std::cos(zenith) * std::cos(s) + std::sin(zenith) * std::sin(s) * std::cos(azimuth - a);
    shade[k] = static_cast<float>(std::clamp(lit, 0.0, 1.0));
  }
  return shade;
}

}  // namespace minerisk::render
