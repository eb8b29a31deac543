#include "areas_polygons.hpp"

#include <cstdio>

#include "areas_delineate.hpp"
#include "areas_inputs.hpp"
#include "grid_context.hpp"
#include "minerisk/engine/errors.hpp"
#include "minerisk/engine/vector_inputs.hpp"

namespace minerisk::ops {
namespace {

// A field's value as text, as it is written back into the areas' own columns: a real with the
// 17 digits that give it back bit for bit (OGR's text of a real keeps 15: 0.30000000000000004
// became 0.3, and the largest double infinity), anything else as OGR writes it.
std::string field_text(OGRFeature& feature, int i) {
  if (feature.GetFieldDefnRef(i)->GetType() != OFTReal) return feature.GetFieldAsString(i);
  char text[32];
  std::snprintf(text, sizeof text, "%.17g", feature.GetFieldAsDouble(i));
  return text;
}

}  // namespace

GivenPolygons read_given_polygons(const std::string& name, const std::string& where, const Grid& grid) {
  VectorInputSpec spec = vector_spec(name, "--polygons");
  spec.where = where;
  GivenPolygons given;
  given.path = spec.path;
  bool first = true;
  visit_polygon_features(spec, grid, "--polygons", [&](OGRGeometry& geometry, OGRFeature& feature) {
    const OGRFeatureDefn* defn = feature.GetDefnRef();
    if (first) {
      // The feature's id first: the key an IMSMA export (or any GeoPackage) joins back on.
      given.fields.push_back({"fid", OFTInteger64});
      for (int i = 0; i < defn->GetFieldCount(); ++i)
        given.fields.push_back({defn->GetFieldDefn(i)->GetNameRef(), defn->GetFieldDefn(i)->GetType()});
      first = false;
    }
    GivenPolygon p;
    // Curves as the straight segments the coverage kernel reads.
    p.shape.reset(geometry.hasCurveGeometry() ? geometry.getLinearGeometry() : geometry.clone());
    p.null.push_back(false);
    p.values.push_back(std::to_string(feature.GetFID()));
    for (int i = 0; i < defn->GetFieldCount(); ++i) {
      const bool null = !feature.IsFieldSetAndNotNull(i);
      p.null.push_back(null);
      p.values.emplace_back(null ? "" : field_text(feature, i));
    }
    given.polygons.push_back(std::move(p));
  });
  // A hand-drawn polygon may cross itself: made valid (GEOS) rather than refused, as QGIS's
  // "Fix geometries" would. After the read: GEOS reports the crossing as a GDAL warning, which
  // the reader's check would take for a damaged file.
  for (size_t k = 0; k < given.polygons.size(); ++k) {
    auto& shape = given.polygons[k].shape;
    if (shape->IsValid()) continue;
    std::unique_ptr<OGRGeometry> valid(shape->MakeValid());
    if (!valid)
      throw UserError("--polygons: feature " + given.polygons[k].values[0] + " of '" + spec.path.string() +
                      "' has a geometry GEOS cannot repair; fix it (QGIS: Fix geometries)");
    // What remains is its polygons (a repair may leave a collapsed line beside them).
    auto polygons = std::make_unique<OGRMultiPolygon>();
    for (auto& part : polygon_parts(valid.get())) polygons->addGeometryDirectly(part.release());
    shape = std::move(polygons);
  }
  CPLErrorReset();  // the warnings IsValid raised are answered
  return given;
}

}  // namespace minerisk::ops

