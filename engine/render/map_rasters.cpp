#include "map_rasters.hpp"

#include <gdal_utils.h>
#include <gdal_priv.h>

#include <algorithm>
#include <cmath>
#include <functional>
#include <mutex>

#include <tbb/enumerable_thread_specific.h>

#include "minerisk/engine/errors.hpp"
#include "minerisk/engine/gdal_support.hpp"
#include "minerisk/engine/raster_source.hpp"
#include "minerisk/kernels/terrain.hpp"
#include "../ops/probability_values.hpp"

namespace minerisk::render {

namespace {

// The view's cells reduced to pixels of block x block cells, with `halo` pixels more on every
// side, by each pixel's maximum or mean (NaN ignored; NaN where a block has no value). Read in
// bands of whole pixel rows through `read` (a window of cells, which may reach past the grid)
// in parallel; each band writes only its own pixels, so the result is the same for any thread
// count and order.
std::vector<float> reduce_blocks(const MapView& view, int halo, bool mean,
                                 const std::function<std::vector<float>(const kernels::Window&)>& read,
                                 const ops::Control& control) {
  const int64_t width = view.width_px + 2 * halo, height = view.height_px + 2 * halo, block = view.block;
  const int64_t col0 = view.cells.col0 - halo * block, row0 = view.cells.row0 - halo * block;
  const int64_t cols = std::min(width * block, view.cells.width + 2 * halo * block);
  const int64_t last_row = view.cells.row0 + view.cells.height + halo * block;
  std::vector<float> pixels(static_cast<size_t>(width * height), NAN);
  // Bands of about --tile-size rows of cells (whole pixel rows).
  const int64_t rows_per_band = std::max<int64_t>(1, control.tile_size / block);
  const int64_t bands = (height + rows_per_band - 1) / rows_per_band;
  for_each_job(bands, control.loop("minerisk map"), [&](int64_t band) {
    const int64_t first_px = band * rows_per_band, end_px = std::min(height, first_px + rows_per_band);
    const int64_t r0 = row0 + first_px * block, r1 = std::min(last_row, row0 + end_px * block);
    if (r1 <= r0) return;
    const kernels::Window window{col0, r0, cols, r1 - r0};
    const std::vector<float> values = read(window);
    std::vector<double> sums(mean ? static_cast<size_t>((end_px - first_px) * width) : 0);
    std::vector<int64_t> counts(sums.size());
    for (int64_t r = 0; r < window.height; ++r) {
      const int64_t pixel_row = r / block;
      float* out = pixels.data() + (first_px + pixel_row) * width;
      const float* in = values.data() + r * window.width;
      for (int64_t c = 0; c < window.width; ++c) {
        const float v = in[c];
        if (std::isnan(v)) continue;
        if (mean) {
          sums[static_cast<size_t>(pixel_row * width + c / block)] += v;
          ++counts[static_cast<size_t>(pixel_row * width + c / block)];
        } else if (float& p = out[c / block]; std::isnan(p) || v > p) {
          p = v;
        }
      }
    }
    for (size_t k = 0; k < sums.size(); ++k)
      if (counts[k] > 0) pixels[static_cast<size_t>(first_px * width) + k] = static_cast<float>(sums[k] / counts[k]);
  });
  return pixels;
}

// The DEM onto the image's pixels and `halo` around, in the grid's CRS, averaging, by GDAL's
// warper (which reads the DEM's overviews when they are coarse enough): for a DEM that is not
// on the grid.
std::vector<float> warped_heights(const std::filesystem::path& dem, const MapView& view, int halo, int threads) {
  DatasetPtr source = open_raster(dem, "the DEM");
  const kernels::GridFrame frame = view.pixel_frame(halo);
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
  return heights;
}

}  // namespace

std::vector<float> probability_overview(const GridFileReader& reader, const std::string& variable, const MapView& view,
                                        const ops::Control& control, ProbabilityHistogram* histogram) {
  tbb::enumerable_thread_specific<DatasetPtr> handles;
  std::mutex merging;
  return reduce_blocks(view, 0, false, [&](const kernels::Window& w) {
    std::vector<float> values = reader.read_variable_window(variable, w, handles.local());
    // An infinity is no data, as everywhere a grid is read as probabilities: drawn as no data,
    // not in the last class.
    ops::infinities_as_no_data(values);
    if (histogram) {
      // Counted per band, then added: integer sums, the same in any order.
      ProbabilityHistogram band(histogram->t1, histogram->t2);
      for (float v : values) band.add(v);
      const std::lock_guard lock(merging);
      histogram->merge(band);
    }
    return values;
  }, control);
}

std::vector<float> hillshade_overview(const std::filesystem::path& dem, const MapView& view, const ops::Control& control) {
  // A DEM on the grid (the usual case: the scenario's grid is often the DEM's) is averaged
  // block by block in parallel like the probability; any other is warped by GDAL.
  const RasterSource source(dem, view.grid, "the DEM");
  const std::vector<float> heights =
      source.aligned() ? reduce_blocks(view, 1, true, [&](const kernels::Window& w) { return source.read(w); }, control)
                       : warped_heights(dem, view, 1, control.threads);
  // gdaldem hillshade's light (azimuth 315°, altitude 45°), 0 to 1.
  const kernels::Window all{0, 0, view.width_px, view.height_px};
  std::vector<float> shade(static_cast<size_t>(view.width_px) * view.height_px);
  kernels::hillshade(heights, all, view.pixel_frame(0), shade, kernels::HillshadeOptions{});
  return shade;
}

}  // namespace minerisk::render
