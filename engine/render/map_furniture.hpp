#pragma once
// What makes a picture a map: grid coordinates (or a graticule for a geographic grid) along the
// frame, a scale bar, a north arrow and the CRS's name.
#include <string>

#include "drawing.hpp"
#include "map_view.hpp"

namespace minerisk::render {

/// Light grid lines across the frame at a round interval, with their coordinates outside it:
/// eastings and northings in the grid's unit, or degrees and minutes for a geographic grid
/// (longitudes wrapped to -180..180, so a grid across the antimeridian reads 179°E, 180°, 179°W).
void draw_coordinates(const Drawing& page, const MapView& view, double font_size);

/// Ground metres per point of the frame along x, at the view's middle.
double metres_per_point(const MapView& view);

/// A scale bar of a round length with its top-left at (x, y), at most `width` wide, and the
/// scale as a ratio for the page as printed ("1:50 000"). Returns the height used.
double draw_scale_bar(const Drawing& page, const MapView& view, double x, double y, double width, double font_size);

/// The angle, degrees clockwise, from grid north (up) to true north at the view's middle.
double true_north_angle(const MapView& view);

/// A north arrow pointing to true north, centred at x, top at y; returns the height used.
double draw_north_arrow(const Drawing& page, const MapView& view, double x, double y, double size, double font_size);

/// The CRS as a reader names it: "WGS 84 / UTM zone 38N (EPSG:32638)".
std::string crs_label(const MapView& view);

/// A number with thin spaces between thousands: 4 410 000.
std::string grouped(double value);

}  // namespace minerisk::render
