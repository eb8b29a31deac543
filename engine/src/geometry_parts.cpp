#include "geometry_parts.hpp"

#include <cmath>
#include <memory>

#include "minerisk/engine/vector_inputs.hpp"

namespace minerisk::geometry_parts {

// Longitudes shifted by whole turns to lie nearest `centre` (a point, a ring's first vertex) or
// nearest the previous vertex (every later vertex of a line or ring), so a geographic grid
// across the 180th meridian sees the features near it where they are: a line from 179.95 to
// -179.95 stays 0.1 degrees long instead of crossing the globe. Features far from the 180th
// meridian and the grid's centre are not changed at all, so every other result is as before.
void unwrap_longitudes(OGRGeometry& g, double centre) {
  const OGRwkbGeometryType flat = wkbFlatten(g.getGeometryType());
  if (flat == wkbPoint) {
    OGRPoint& p = *g.toPoint();
    p.setX(nearest_turn(p.getX(), centre));
  } else if (OGR_GT_IsSubClassOf(flat, wkbCurvePolygon)) {
    for (OGRCurve* ring : *g.toCurvePolygon()) unwrap_longitudes(*ring, centre);
  } else if (OGR_GT_IsSubClassOf(flat, wkbGeometryCollection)) {
    for (OGRGeometry* part : *g.toGeometryCollection()) unwrap_longitudes(*part, centre);
  } else if (flat == wkbCompoundCurve) {
    // Its parts join end to start: each continues from where the last one ended.
    double anchor = centre;
    for (OGRCurve* part : *g.toCompoundCurve()) {
      unwrap_longitudes(*part, anchor);
      if (!part->IsEmpty()) anchor = part->toSimpleCurve()->getX(part->toSimpleCurve()->getNumPoints() - 1);
    }
  } else if (OGR_GT_IsCurve(flat)) {  // line strings, rings, circular strings
    OGRSimpleCurve& line = *g.toSimpleCurve();
    double anchor = centre;
    for (int i = 0; i < line.getNumPoints(); ++i) {
      const double lon = nearest_turn(line.getX(i), anchor);
      if (lon != line.getX(i)) line.setPoint(i, lon, line.getY(i), line.getZ(i));
      anchor = lon;
    }
  }
}

// True when every vertex is finite. OGR reads a NaN vertex of a GeoPackage line as it is, and
// an envelope skips it (comparisons with NaN are false), so each vertex is tested.
bool finite_vertices(const OGRGeometry& g) {
  const OGRwkbGeometryType flat = wkbFlatten(g.getGeometryType());
  if (flat == wkbPoint) return std::isfinite(g.toPoint()->getX()) && std::isfinite(g.toPoint()->getY());
  if (OGR_GT_IsSubClassOf(flat, wkbCurvePolygon)) {
    for (const OGRCurve* ring : *g.toCurvePolygon())
      if (!finite_vertices(*ring)) return false;
  } else if (OGR_GT_IsSubClassOf(flat, wkbGeometryCollection)) {
    for (const OGRGeometry* part : *g.toGeometryCollection())
      if (!finite_vertices(*part)) return false;
  } else if (flat == wkbCompoundCurve) {
    for (const OGRCurve* part : *g.toCompoundCurve())
      if (!finite_vertices(*part)) return false;
  } else if (OGR_GT_IsCurve(flat)) {
    const OGRSimpleCurve& line = *g.toSimpleCurve();
    for (int i = 0; i < line.getNumPoints(); ++i)
      if (!std::isfinite(line.getX(i)) || !std::isfinite(line.getY(i))) return false;
  }
  return true;
}

void add_segments(const OGRGeometry& g, std::vector<kernels::Segment>& out, LineKeys& lk) {
  const OGRwkbGeometryType flat = wkbFlatten(g.getGeometryType());
  if (flat == wkbLineString) {
    const auto& line = *g.toLineString();
    const size_t first = out.size();
    for (int i = 0; i + 1 < line.getNumPoints(); ++i)
      out.push_back({line.getX(i), line.getY(i), line.getX(i + 1), line.getY(i + 1)});
    kernels::link_polyline(out, first, out.size() - first, line.get_IsClosed() && out.size() - first > 1);
    // Unsigned arithmetic: a large feature id wraps instead of overflowing.
    if (lk.keys) lk.keys->resize(out.size(), static_cast<int64_t>(static_cast<uint64_t>(lk.fid) * 65536u + static_cast<uint64_t>(lk.part)));
    ++lk.part;
  } else if (flat == wkbPolygon) {
    for (const OGRLinearRing* ring : *g.toPolygon()) add_segments(*ring, out, lk);  // rings are closed
  } else if (OGR_GT_IsSubClassOf(flat, wkbGeometryCollection)) {
    for (const OGRGeometry* part : *g.toGeometryCollection()) add_segments(*part, out, lk);
  } else if (OGR_GT_IsCurve(flat) || OGR_GT_IsSurface(flat)) {
    std::unique_ptr<OGRGeometry> linear(g.getLinearGeometry());
    if (linear && wkbFlatten(linear->getGeometryType()) != flat) add_segments(*linear, out, lk);
  }
}

void add_segments(const OGRGeometry& g, std::vector<kernels::Segment>& out) {
  LineKeys none;
  add_segments(g, out, none);
}

void add_points_as_segments(const OGRGeometry& g, std::vector<kernels::Segment>& out) {
  const OGRwkbGeometryType flat = wkbFlatten(g.getGeometryType());
  if (flat == wkbPoint) {
    const OGRPoint& p = *g.toPoint();
    out.push_back({p.getX(), p.getY(), p.getX(), p.getY()});
  } else if (OGR_GT_IsSubClassOf(flat, wkbGeometryCollection)) {
    for (const OGRGeometry* part : *g.toGeometryCollection()) add_points_as_segments(*part, out);
  }
}

void add_polygons(const OGRGeometry& g, double value, std::vector<kernels::Polygon>& out, int64_t record) {
  const OGRwkbGeometryType flat = wkbFlatten(g.getGeometryType());
  if (flat == wkbPolygon) {
    kernels::Polygon p;
    p.value = value;
    p.record = record;
    for (const OGRLinearRing* ring : *g.toPolygon()) {
      std::vector<std::array<double, 2>> points;
      for (const OGRPoint& pt : *ring) points.push_back({pt.getX(), pt.getY()});
      p.rings.push_back(std::move(points));
    }
    out.push_back(std::move(p));
  } else if (OGR_GT_IsSubClassOf(flat, wkbGeometryCollection)) {
    for (const OGRGeometry* part : *g.toGeometryCollection()) add_polygons(*part, value, out, record);
  } else if (OGR_GT_IsSurface(flat)) {
    std::unique_ptr<OGRGeometry> linear(g.getLinearGeometry());
    if (linear && wkbFlatten(linear->getGeometryType()) != flat) add_polygons(*linear, value, out, record);
  }
}

}  // namespace minerisk::geometry_parts
