#pragma once
// An OGR geometry taken apart into what the kernels draw (segments, points, polygon rings), and
// what is checked or mended in its vertices before that (internal to the engine's vector reading,
// vector_inputs.cpp).
#include <ogr_geometry.h>

#include <cstdint>
#include <vector>

#include "minerisk/kernels/line_distance.hpp"
#include "minerisk/kernels/polygon_coverage.hpp"

namespace minerisk::geometry_parts {

// Longitudes shifted by whole turns to lie near `centre`, so that a geographic grid across the
// 180th meridian sees the features near it where they are (the definition says how).
void unwrap_longitudes(OGRGeometry& g, double centre);

// True when every vertex is finite.
bool finite_vertices(const OGRGeometry& g);

// Names each line part of a feature: the feature's id and the part's number within it.
struct LineKeys {
  std::vector<int64_t>* keys = nullptr;  // per segment; null: not wanted
  GIntBig fid = 0;
  int64_t part = 0;
};

// Every line of `g` (a polygon's rings, a curve made linear) as segments, each keyed in `lk`.
void add_segments(const OGRGeometry& g, std::vector<kernels::Segment>& out, LineKeys& lk);
void add_segments(const OGRGeometry& g, std::vector<kernels::Segment>& out);
// Every point of `g` as a segment of length zero.
void add_points_as_segments(const OGRGeometry& g, std::vector<kernels::Segment>& out);
// Every polygon of `g` (a curved one made linear), with its value and its record's number.
void add_polygons(const OGRGeometry& g, double value, std::vector<kernels::Polygon>& out, int64_t record = -1);

}  // namespace minerisk::geometry_parts
