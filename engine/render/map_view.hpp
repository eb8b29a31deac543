#pragma once
// Where the grid lands on the page: the cells shown, the map frame in points, and the image's
// pixels, each a square block of cells (the overview the map is drawn from).
#include <vector>

#include "minerisk/engine/grid.hpp"

namespace minerisk::render {

struct MapView {
  Grid grid;                  // the whole grid
  kernels::Window cells;      // the cells shown
  int64_t block = 1;          // cells per image pixel, along each side
  int width_px = 0, height_px = 0;                  // the image: ceil(cells / block)
  double frame_x = 0, frame_y = 0, frame_w = 0, frame_h = 0;  // the map frame, points
  double xmin = 0, ymin = 0, xmax = 0, ymax = 0;    // the shown cells' edges, grid CRS

  double page_x(double x) const { return frame_x + (x - xmin) / (xmax - xmin) * frame_w; }
  double page_y(double y) const { return frame_y + (ymax - y) / (ymax - ymin) * frame_h; }
  double world_x(double px) const { return xmin + (px - frame_x) / frame_w * (xmax - xmin); }
  double world_y(double py) const { return ymax - (py - frame_y) / frame_h * (ymax - ymin); }
  /// Points per CRS unit along x (the same along y, but for a geographic grid's cos(latitude)).
  double points_per_unit_x() const { return frame_w / (xmax - xmin); }
  /// The image's pixels as a grid frame (for the hillshade), with `halo` pixels around.
  kernels::GridFrame pixel_frame(int halo = 0) const;
};

/// The cells inside `extent` (xmin ymin xmax ymax in the grid's CRS; empty: all of them). A
/// UserError when the extent is malformed or misses the grid.
kernels::Window cells_of_extent(const Grid& grid, const std::vector<double>& extent);

/// The shown cells' width over their height as they appear: for a geographic grid, a degree of
/// longitude is shortened by the cosine of the middle latitude, so shapes look as on the ground.
double display_aspect(const Grid& grid, const kernels::Window& cells);

/// The largest frame of the cells' display aspect inside the box (x, y, w, h), and the block
/// that gives image pixels no finer than `dpi` dots per inch on it.
MapView fit_view(const Grid& grid, const kernels::Window& cells, double x, double y, double w, double h, double dpi);

}  // namespace minerisk::render
