#pragma once
// Vector layers read with OGR, checked, and transformed into the grid's CRS.
#include <functional>
#include <vector>

#include <ogrsf_frmts.h>

#include "minerisk/engine/grid.hpp"
#include "minerisk/engine/scenario.hpp"
#include "minerisk/kernels/line_distance.hpp"
#include "minerisk/kernels/point_density.hpp"
#include "minerisk/kernels/polygon_coverage.hpp"

namespace minerisk {

/// Every checked error names `role` (the scenario section, e.g. "front_lines"), the file and
/// the layer. A layer must: open, exist (or be the file's only layer), have a CRS, hold at
/// least one feature after the `where` filter, hold only geometries of the expected type, and
/// lie within reach of the grid (not farther from it than the grid's own width or height,
/// which catches a wrong CRS without rejecting a front line just beyond the region).

/// Line layer as straight segments (curves are linearised). `line_keys`, when given, receives
/// per segment the key of the line it belongs to: feature id * 65536 + part number.
std::vector<kernels::Segment> load_segments(const VectorInputSpec& spec, const Grid& grid, const std::string& role,
                                            std::vector<int64_t>* line_keys = nullptr);

/// Any layer as what a distance needs: points as zero-length segments, lines and polygon
/// boundaries as segments, and the polygons themselves (inside them the distance is 0).
struct Geometries {
  std::vector<kernels::Segment> segments;
  std::vector<kernels::Polygon> polygons;
  /// The feature (its place in the layer) each segment and polygon comes from: a polygon's
  /// outline segments share its feature, so fit's cross-fitting can leave a label out whole.
  std::vector<int64_t> segment_feature, polygon_feature;
};
Geometries load_geometries(const VectorInputSpec& spec, const Grid& grid, const std::string& role);

/// What a loader does with a feature that has no geometry (null or empty): skip it (it marks no
/// place), or refuse it (UserError naming it) where each feature is counted, as true items are.
/// The refusal's advice: leave it out with the input's filter (--where), or, for an input that
/// takes none (`refuse_unfiltered`), with a copy made by ogr2ogr -where.
enum class WithoutGeometry { skip, refuse, refuse_unfiltered };

/// Point layer as weighted points; the weight is `value_field` (null: the default value).
std::vector<kernels::WeightedPoint> load_points(const VectorInputSpec& spec, const Grid& grid, const std::string& role,
                                                WithoutGeometry without_geometry = WithoutGeometry::skip);

/// Polygon layer with `value_field` as each polygon's value, checked to lie in [0, 1]. Each
/// polygon's `record` is the index of the feature it comes from, in reading order.
/// When `line_buffer_m` > 0, line features are accepted too and buffered by that many metres.
std::vector<kernels::Polygon> load_polygons(const VectorInputSpec& spec, const Grid& grid, const std::string& role,
                                            double line_buffer_m = 0.0);

/// Every polygon feature of a layer, checked as the loaders above check theirs, with its
/// geometry in the grid's CRS and the feature itself (for its attributes). A feature without a
/// geometry is refused (UserError naming it), where the loaders skip it: the caller keeps a
/// row per feature.
void visit_polygon_features(const VectorInputSpec& spec, const Grid& grid, const std::string& role,
                            const std::function<void(OGRGeometry&, OGRFeature&)>& visit);

/// The longitude `lon` moved by whole turns of 360 degrees to lie nearest `anchor` (unchanged
/// when within 180 of it): how a geographic grid's features and points are brought to its
/// longitudes, so -179.99 lies on a grid from 179.9 to 180.1 as 180.01.
double nearest_turn(double lon, double anchor);

/// The layer `spec` names in `ds`, or its only layer when it names none. Refused (UserError
/// naming `role` and the file) when the name is not one of its layers (with the nearest, and the
/// layers it has), or when none is named and it holds several; the advice fits the role: a
/// scenario's `layer = "..."`, a tool's --layer, an option's PATH:LAYER.
OGRLayer& chosen_layer(GDALDataset& ds, const VectorInputSpec& spec, const std::string& role);

/// Sets `where` (OGR SQL, as ogr2ogr -where) as the attribute filter of `layer` of `ds`. Returns
/// "" when set, else why not: OGR's own message, or, for a GeoPackage or SQLite file, a ';'
/// with more after it (their SQLite runs the part before it and silently drops the rest; OGR's
/// own SQL, for every other format, refuses a ';' itself).
std::string set_where_filter(GDALDataset& ds, OGRLayer& layer, const std::string& where);

}  // namespace minerisk
