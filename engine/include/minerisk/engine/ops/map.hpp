#pragma once
// `minerisk map GRID.nc -o MAP.pdf|png`: a map a planner can print and brief from. The
// probability in land-release colour classes over a hillshade of the DEM; the scenario's front
// lines, finds, cleared land and records; roads and settlements when given; the hazard areas
// with their ranks; grid coordinates, scale bar, north arrow, CRS, legend, title, dates,
// provenance and disclaimer. Drawn by Cairo and Pango (engine/render): one path for PNG and PDF.
#include <cmath>
#include <array>
#include <filesystem>
#include <map>
#include <string>
#include <vector>

#include "minerisk/engine/ops/control.hpp"

namespace minerisk::ops {

struct MapOptions {
  std::string variable;            // the grid's variable (default: probability, or a sweep's mean)
  std::filesystem::path areas;     // hazard areas from `minerisk areas` (layer "areas"), drawn ranked
  std::vector<double> extent;      // xmin ymin xmax ymax in the grid's CRS; empty: the whole grid
  std::string size = "A3";         // A0-A5, letter, legal, tabloid, or WIDTHxHEIGHT in mm ("420x297")
  std::string orientation;         // "portrait", "landscape"; empty: whichever shows the map larger
  double dpi = 150;                // a PNG's, and a PDF's raster layers'
  std::string title;               // default: the scenario's title (or the grid's)
  std::string breaks = "log";      // "log" or "quantile"
  // Land-release thresholds. NaN: those the --areas were classed at (minerisk areas records
  // them), else 0.05 and 0.5 as `minerisk areas`; a given one that differs from the areas' is refused.
  double t1 = NAN, t2 = NAN;
  std::filesystem::path dem;       // hillshade: default the scenario's DEM
  bool hillshade = true;           // false: no hillshade
  std::vector<std::string> roads;        // PATH or PATH:LAYER, drawn as roads
  std::vector<std::string> settlements;  // PATH or PATH:LAYER, drawn as places with their names
  bool context = true;             // false: leave the scenario's vectors out
  std::string disclaimer;          // default: the standard one (map_texts.cpp)
  std::filesystem::path qgis_project;  // also write a QGIS project (.qgs) of the same content
};

struct MapResult {
  std::filesystem::path output, qgis_project;
  std::string format;                   // "png" or "pdf"
  double page_width_mm = 0, page_height_mm = 0;
  int width_px = 0, height_px = 0;      // PNG only
  int64_t cells_per_pixel = 1;          // the overview's reduction of the grid
  std::vector<std::string> layers;      // what was drawn, in order
  std::vector<std::string> warnings;    // context that could not be drawn, and why
  size_t areas = 0;                     // hazard areas drawn
  std::map<std::string, double> seconds;  // read, hillshade, draw, write
};

/// Draws the map of `grid` to `output` (.pdf or .png, by its extension). Bad input is a
/// UserError; the output is written whole or not at all (OutputSet).
MapResult map(const std::filesystem::path& grid, const std::filesystem::path& output, const MapOptions& options,
              const Control& control);

/// The same map as PNG bytes (for the HTML report), at options.dpi; what could not be drawn
/// (also written on the map) into `warnings` when given.
std::string map_png(const std::filesystem::path& grid, const MapOptions& options, const Control& control,
                    std::vector<std::string>* warnings = nullptr);

}  // namespace minerisk::ops
