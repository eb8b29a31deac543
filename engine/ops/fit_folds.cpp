#include "fit_folds.hpp"

#include <cmath>
#include <map>

#include "minerisk/engine/band_cells.hpp"
#include "minerisk/engine/errors.hpp"
#include "minerisk/engine/raster_source.hpp"
#include "minerisk/engine/tile_loop.hpp"
#include "minerisk/kernels/tile_plan.hpp"

namespace minerisk::fit_detail {
namespace {
constexpr double kFirstInexactCode = 9007199254740992.0;  // 2^53
}  // namespace

FoldMap::FoldMap(const Grid& grid, const FitOptions& options) : grid_(grid), seed_(options.spec.seed) {
  const FitSpec& spec = options.spec;
  // Both were taken: zones made the folds, and block_size stood in the fitted [fit] unused.
  if (!spec.zones.empty() && spec.block_size > 0)
    throw UserError("fit: zones and block_size are two ways to make the folds, and both are given; keep one (in "
                    "the scenario's [fit], or --zones or --block-size, which each replace the other's [fit] entry)");
  if (!spec.zones.empty()) {
    // The zone of every cell, read in bands of rows in parallel, then numbered in order of first
    // appearance (row-major), so the folds are the same whatever the threads. Held as one int32
    // a cell: cross-fitting asks for the fold of any cell a label touches.
    const RasterSource zones(spec.zones, grid, "fit.zones", Resampling::nearest);
    const TilePlan bands(grid.width(), grid.height(), options.tile_size, TileShape::row_bands);
    std::vector<double> zone(static_cast<size_t>(grid.width() * grid.height()));
    TileLoopOptions loop = options.loop("minerisk fit, zones");
    loop.quiet = true;
    // Codes beyond 2^24 (administrative ids) are told apart as the file stores them, on the grid
    // or warped onto it: as float32, 16777216 and 16777217 were one zone.
    const bool wide = !zones.scaled() && is_wider_than_float(zones.stored_type());
    const bool integer64 = zones.stored_type() == GDT_Int64 || zones.stored_type() == GDT_UInt64;
    for_each_tile(bands.tiles(), loop, [&](const kernels::Window& band) {
      double* into = zone.data() + band.row0 * grid.width();
      if (!wide) {
        const std::vector<float> z = zones.read(band);
        std::copy(z.begin(), z.end(), into);
        return;
      }
      const std::vector<double> z = zones.read_doubles(band);
      std::copy(z.begin(), z.end(), into);
      for (int64_t i = 0; i < band.cells(); ++i)
        // From 2^53 on, a double (as the zones are compared) no longer holds every integer:
        // 64-bit codes 2^60 and 2^60 + 1, or 2^53 and 2^53 + 1, would silently be one zone.
        // (A Float64 raster's codes are doubles already, and compared as stored.)
        if (integer64 && std::abs(into[i]) >= kFirstInexactCode)
          throw UserError("fit.zones: '" + spec.zones.string() + "' holds a zone code of 2^53 or more (about " +
                          exact_number_text(into[i]) +
                          "), where 64-bit codes are no longer told apart; number the zones with smaller codes");
    });
    // A zone is a whole code (a municipality's id): a continuous raster given by mistake (a
    // DEM) made each cell its own zone, and the cross-validation leave-one-cell-out, not spatial.
    for (size_t i = 0; i < zone.size(); ++i)
      if (std::isfinite(zone[i]) && zone[i] != std::floor(zone[i]))
        throw UserError("fit.zones: '" + spec.zones.string() + "' holds " + number_text(zone[i]) + " at row " +
                        std::to_string(i / static_cast<size_t>(grid.width())) + ", column " +
                        std::to_string(i % static_cast<size_t>(grid.width())) +
                        " of the grid, not a whole zone code; give a raster of integer codes, one per zone (e.g. "
                        "gdal_rasterize -a ID of the zones' polygons)");
    std::map<double, int32_t> index;
    zone_fold_.resize(zone.size());
    for (size_t i = 0; i < zone.size(); ++i)
      zone_fold_[i] = std::isnan(zone[i]) ? -1 : index.try_emplace(zone[i], static_cast<int32_t>(index.size())).first->second;
    count_ = static_cast<int>(index.size());
    description_ = std::to_string(count_) + " zones of " + spec.zones.filename().string();
    return;
  }
  if (spec.block_size <= 0) return;
  // Block size in CRS units along x and y; in a geographic CRS, degrees at the grid's middle row.
  const kernels::MetricScale scale = grid.frame.scale_at_row(grid.height() / 2);
  block_x_ = spec.block_size / scale.x, block_y_ = spec.block_size / scale.y;
  count_ = spec.folds;
  char text[96];
  std::snprintf(text, sizeof text, "%d folds of %g m blocks", count_, spec.block_size);
  description_ = text;
}

int64_t FoldMap::of(int64_t row, int64_t col) const {
  if (!zone_fold_.empty()) return zone_fold_[static_cast<size_t>(row * grid_.width() + col)];
  if (count_ == 0) return -1;
  const auto bx = static_cast<int64_t>(std::floor((grid_.frame.centre_x(col) - grid_.frame.geotransform[0]) / block_x_));
  const auto by = static_cast<int64_t>(std::floor((grid_.frame.geotransform[3] - grid_.frame.centre_y(row)) / block_y_));
  // A fixed scramble of the block's coordinates deals neighbouring blocks into different folds.
  uint64_t h = static_cast<uint64_t>(bx) * 0x9E3779B97F4A7C15ULL ^ (static_cast<uint64_t>(by) + seed_) * 0xC2B2AE3D27D4EB4FULL;
  h ^= h >> 31;
  return static_cast<int64_t>(h % static_cast<uint64_t>(count_));
}

int64_t FoldMap::of_cell(size_t cell) const {
  const auto c = static_cast<int64_t>(cell);
  return of(c / grid_.width(), c % grid_.width());
}

features::FoldOfCell FoldMap::function() const {
  return [this](int64_t row, int64_t col) { return of(row, col); };
}

}  // namespace minerisk::fit_detail
