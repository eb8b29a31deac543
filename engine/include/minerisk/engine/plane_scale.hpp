#pragma once
// How far a projected grid's plane is from true lengths and areas at the grid's centre, and the
// notes that say so. Distances, densities and slopes are measured in the plane, and hectares
// counted in it: both true in UTM, neither in Web Mercator (which a planner's basemap may have
// put the grid in); an equal-area CRS keeps hectares but not lengths far from its standard
// lines. Said, not refused.
#include <string>

#include "minerisk/engine/grid.hpp"
#include "minerisk/kernels/grid_frame.hpp"

namespace minerisk {

/// How many times a projected grid's plane counts the true area at its centre, measured on the
/// WGS 84 ellipsoid over ten cells by ten (1 for a geographic grid, whose cell areas are taken
/// on the ellipsoid): about 1.0004 in UTM, 1.70 in Web Mercator at 40 degrees, 1 in an
/// equal-area CRS. NaN when the centre cannot be transformed to longitude and latitude.
double area_exaggeration(const Grid& grid);

/// How many times a projected grid's plane counts true lengths at its centre, east-west (x) and
/// north-south (y), measured on the WGS 84 ellipsoid over ten cells: 1 and 1 in UTM near its
/// central meridian, about 1.31 both ways in Web Mercator at 40 degrees, unequal in an equal-area CRS
/// away from its standard lines. 1 for a geographic grid (its distances are taken on the
/// ellipsoid); NaN when the centre cannot be transformed to longitude and latitude.
kernels::MetricScale length_exaggeration(const Grid& grid);

/// The two notes, from the measurements above, worded and thresholded side by side so they stay
/// in step; each starts "note: ".
/// For run and update's distances: "" when lengths both ways are true to 1 %.
std::string length_scale_note(const Grid& grid);
/// For areas' hectares: "" when the area is true to 2 %.
std::string area_scale_note(const Grid& grid);

}  // namespace minerisk
