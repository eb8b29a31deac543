#include "map_view.hpp"

#include <algorithm>
#include <cmath>

#include "minerisk/engine/errors.hpp"
#include "minerisk/engine/vector_inputs.hpp"

namespace minerisk::render {

kernels::GridFrame MapView::pixel_frame(int halo) const {
  kernels::GridFrame f = grid.frame;
  const double pw = grid.frame.cell_width() * static_cast<double>(block);
  const double ph = grid.frame.cell_height() * static_cast<double>(block);
  f.geotransform = {xmin - halo * pw, pw, 0, ymax + halo * ph, 0, -ph};
  f.width = width_px + 2 * halo;
  f.height = height_px + 2 * halo;
  return f;
}

kernels::Window cells_of_extent(const Grid& grid, const std::vector<double>& extent) {
  if (extent.empty()) return {0, 0, grid.width(), grid.height()};
  const auto b = grid.bounds();
  const auto bounds_text = number_text(b[0]) + " " + number_text(b[1]) + " " + number_text(b[2]) + " " + number_text(b[3]);
  if (extent.size() != 4 || !std::all_of(extent.begin(), extent.end(), [](double v) { return std::isfinite(v); }) ||
      extent[0] >= extent[2] || extent[1] >= extent[3])
    throw UserError("--extent takes four numbers XMIN YMIN XMAX YMAX in the grid's CRS, with XMIN < XMAX and YMIN < "
                    "YMAX (the grid covers " + bounds_text + ")");
  const auto& gt = grid.frame.geotransform;
  // On a geographic grid, longitudes a whole turn away are the same place (as explain takes
  // them): -180.01 to -179.98 lies on a grid from 179.95 to 180.05.
  const double turn = grid.frame.geographic ? nearest_turn(extent[0], (b[0] + b[2]) / 2) - extent[0] : 0;
  const double x0 = extent[0] + turn, x1 = extent[2] + turn;
  const double c0 = std::floor((x0 - gt[0]) / gt[1]), c1 = std::ceil((x1 - gt[0]) / gt[1]);
  const double r0 = std::floor((gt[3] - extent[3]) / -gt[5]), r1 = std::ceil((gt[3] - extent[1]) / -gt[5]);
  const double col0 = std::max(0.0, c0), col1 = std::min(static_cast<double>(grid.width()), c1);
  const double row0 = std::max(0.0, r0), row1 = std::min(static_cast<double>(grid.height()), r1);
  if (col0 >= col1 || row0 >= row1)
    throw UserError("--extent " + number_text(extent[0]) + " " + number_text(extent[1]) + " " + number_text(extent[2]) +
                    " " + number_text(extent[3]) + " misses the grid, which covers " + bounds_text +
                    " (in the grid's CRS)");
  return {static_cast<int64_t>(col0), static_cast<int64_t>(row0), static_cast<int64_t>(col1 - col0),
          static_cast<int64_t>(row1 - row0)};
}

double display_aspect(const Grid& grid, const kernels::Window& cells) {
  const double w = static_cast<double>(cells.width) * grid.frame.cell_width();
  const double h = static_cast<double>(cells.height) * grid.frame.cell_height();
  if (!grid.frame.geographic) return w / h;
  const double middle = grid.frame.geotransform[3] -
                        (static_cast<double>(cells.row0) + static_cast<double>(cells.height) / 2) * grid.frame.cell_height();
  return w * std::max(0.01, std::cos(middle * M_PI / 180)) / h;
}

MapView fit_view(const Grid& grid, const kernels::Window& cells, double x, double y, double w, double h, double dpi) {
  MapView v;
  v.grid = grid;
  v.cells = cells;
  const double aspect = display_aspect(grid, cells);
  v.frame_w = std::min(w, h * aspect);
  v.frame_h = v.frame_w / aspect;
  v.frame_x = x + (w - v.frame_w) / 2;
  v.frame_y = y + (h - v.frame_h) / 2;
  const auto& gt = grid.frame.geotransform;
  v.xmin = gt[0] + static_cast<double>(cells.col0) * gt[1];
  v.xmax = gt[0] + static_cast<double>(cells.col0 + cells.width) * gt[1];
  v.ymax = gt[3] + static_cast<double>(cells.row0) * gt[5];
  v.ymin = gt[3] + static_cast<double>(cells.row0 + cells.height) * gt[5];
  // Pixels no finer than the page shows: a 120 M-cell grid on an A3 page at 150 dpi is read
  // into about 2000 x 2000 pixels of 6 x 6 cells.
  // The block is the larger of what the width and the height need: a tall strip of a grid, or
  // one of short cells, must not give more pixel rows than the page shows.
  const double pixels_across = std::max(1.0, v.frame_w / 72.0 * dpi), pixels_down = std::max(1.0, v.frame_h / 72.0 * dpi);
  v.block = std::max<int64_t>({1, static_cast<int64_t>(std::ceil(static_cast<double>(cells.width) / pixels_across)),
                               static_cast<int64_t>(std::ceil(static_cast<double>(cells.height) / pixels_down))});
  v.width_px = static_cast<int>((cells.width + v.block - 1) / v.block);
  v.height_px = static_cast<int>((cells.height + v.block - 1) / v.block);
  return v;
}

}  // namespace minerisk::render
