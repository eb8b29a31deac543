#pragma once
// A QGIS project (.qgs, plain XML) beside a map's outputs, so that a planner double-clicks one
// file and sees everything in place: the probability in the map's land-release colour classes,
// the evidence layers in a hidden group, the scenario's vectors and the hazard areas styled by
// class with their ranks. Every path in it is relative to the project's folder (QGIS's
// "relative paths" setting), so the folder can be moved or sent as a whole. Written for QGIS
// 3.22 and later (Debian's 3.22 and 3.28 read it).
#include <array>
#include <filesystem>
#include <string>
#include <vector>

#include "colour_classes.hpp"
#include "map_composer.hpp"
#include "map_vectors.hpp"

namespace minerisk::render {

/// A raster layer of the project: a GDAL dataset name (a plain file, or a variable of a netCDF
/// file), shown over [min, max] on a viridis-like ramp (the evidence layers).
struct QgisRasterLayer {
  std::filesystem::path file;  // absolute, or relative to the current folder
  std::string variable;        // netCDF variable ("slope"); empty: the file itself
  std::string name;            // as the layer panel shows it
  double min = 0, max = 1;     // the ramp's range (the layer's values)
};

enum class QgisGeometry { point, line, polygon };

/// A vector layer of the project. What it shows (the map's kinds) chooses its symbol: front
/// lines thick dark lines, finds small dark points, cleared land a green outline, records a
/// dashed purple outline, roads thin brown lines, settlements black squares; drawn as markers,
/// lines or outlines by the layer's geometry type.
struct QgisVectorLayer {
  std::filesystem::path file;  // any file OGR reads: a GeoPackage, a shapefile
  std::string layer;           // the file's layer; empty: its only one
  std::string where;           // an OGR SQL filter (the scenario's `where`): QGIS's subset
  std::string name;            // as the layer panel shows it
  ContextKind kind = ContextKind::front_lines;
  QgisGeometry geometry = QgisGeometry::line;  // the layer's geometry type
  std::string crs_wkt;         // the layer's CRS; empty: the project's
};

struct QgisProjectSpec {
  std::string title;
  std::filesystem::path grid;             // the grid file (minerisk run's netCDF-4, or a GeoTIFF)
  std::string variable = "probability";   // its variable; empty for a single raster
  std::string grid_name = "Probability";  // as the layer panel shows it
  std::string crs_wkt;                    // the grid's CRS: the project's
  std::array<double, 4> extent{};         // xmin, ymin, xmax, ymax: the view the project opens on
  ColourClasses classes;                  // the map's classes (log_classes, quantile_classes)
  std::vector<QgisRasterLayer> evidence;  // in the group "Evidence layers", hidden
  std::vector<QgisVectorLayer> vectors;   // drawn in this order, the first on top, over the areas
  std::filesystem::path areas;            // `minerisk areas`' GeoPackage (layer "areas"); empty: none
};

/// The project as QGIS's XML, every path written relative to `project_folder` (the folder the
/// .qgs file will stand in, not a temporary one). std::invalid_argument when a text cannot be
/// held by XML 1.0 (control characters) or the spec has no classes.
std::string qgis_project_xml(const QgisProjectSpec& spec, const std::filesystem::path& project_folder);

/// Writes the project to `path` whole or not at all, through its own OutputSet (an existing
/// file is replaced only with `overwrite`; UserError otherwise). A command that writes other
/// outputs too adds the project to its own OutputSet with qgis_project_xml() instead.
void write_qgis_project(const std::filesystem::path& path, const QgisProjectSpec& spec, bool overwrite = false);

/// The project of a map (ops/map.cpp, `minerisk map --qgis-project`): the map's grid file
/// `grid` and its `variable` (as GridFileReader chose it), its title, classes, context layers
/// and hazard areas (`content`); the CRS and extent from the grid; the evidence layers from its
/// evidence file, each ranged by GDAL's estimate of its minimum and maximum; each vector layer's
/// geometry type and CRS as OGR reads them. A layer that cannot be opened is left out and named
/// in `warnings`, as the map leaves it out. A UserError when the grid cannot be read.
QgisProjectSpec qgis_project_of_map(const std::filesystem::path& grid, const std::string& variable,
                                    const MapContent& content, std::vector<std::string>& warnings);

}  // namespace minerisk::render
