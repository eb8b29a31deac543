#include "areas_polygons.hpp"

#include "areas_delineate.hpp"
#include "areas_figures.hpp"
#include "areas_inputs.hpp"
#include "minerisk/engine/gdal_support.hpp"
#include "minerisk/engine/errors.hpp"
#include "minerisk/engine/vector_inputs.hpp"

namespace minerisk::ops {

GivenPolygons read_given_polygons(const std::string& name, const std::string& where, const Grid& grid) {
  VectorInputSpec spec = vector_spec(name, "--polygons");
  spec.where = where;
  GivenPolygons given;
  given.path = spec.path;
  bool first = true;
  visit_polygon_features(spec, grid, "--polygons", [&](OGRGeometry& geometry, OGRFeature& feature) {
    const OGRFeatureDefn* defn = feature.GetDefnRef();
    if (first) {
      for (int i = 0; i < defn->GetFieldCount(); ++i)
        given.fields.push_back({defn->GetFieldDefn(i)->GetNameRef(), defn->GetFieldDefn(i)->GetType()});
      first = false;
    }
    GivenPolygon p;
    p.shape.reset(geometry.clone());
    for (int i = 0; i < defn->GetFieldCount(); ++i) {
      const bool null = !feature.IsFieldSetAndNotNull(i);
      p.null.push_back(null);
      p.values.emplace_back(null ? "" : feature.GetFieldAsString(i));
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
      throw UserError("--polygons: feature " + std::to_string(k + 1) + " of '" + spec.path.string() +
                      "' has a geometry GEOS cannot repair; fix it (QGIS: Fix geometries)");
    shape = std::move(valid);
  }
  CPLErrorReset();  // the warnings IsValid raised are answered
  return given;
}

}  // namespace minerisk::ops

namespace minerisk::ops {

void add_releases(std::vector<AreaFigures>& table, const GivenPolygons& given, const OGRGeometry& hazard,
                  const AreaInputs& in, AreasSummary& summary, const Control& control) {
  const Grid& grid = in.reader.grid();
  std::vector<std::unique_ptr<OGRGeometry>> releases;
  std::vector<const OGRGeometry*> shapes;
  for (const GivenPolygon& p : given.polygons) {
    std::unique_ptr<OGRGeometry> outside(p.shape->Difference(&hazard));
    if (!outside) throw std::runtime_error("areas: GEOS could not subtract the hazard region: " + last_gdal_error());
    // Only parts a team can be sent to: at least the minimum mapping unit.
    auto parts = polygon_parts(outside.get(), grid, summary.min_area_ha);
    auto multi = std::make_unique<OGRMultiPolygon>();
    for (auto& part : parts) multi->addGeometry(part.get());
    releases.push_back(std::move(multi));
    shapes.push_back(releases.back().get());
  }
  const std::vector<kernels::AreaTally> tallies = tally_areas(shapes, in, control, nullptr);
  summary.release_ha = 0, summary.release_expected_ha = 0;
  for (size_t i = 0; i < table.size(); ++i) {
    AreaFigures& f = table[i];
    f.release_ha = tallies[i].area_m2 / 1e4;
    f.release_expected_ha = tallies[i].expected_m2 / 1e4;
    summary.release_ha += f.release_ha, summary.release_expected_ha += f.release_expected_ha;
    if (shapes[i]->IsEmpty()) continue;
    f.release_wkb.resize(static_cast<size_t>(shapes[i]->WkbSize()));
    shapes[i]->exportToWkb(wkbNDR, reinterpret_cast<unsigned char*>(f.release_wkb.data()), wkbVariantIso);
  }
}

}  // namespace minerisk::ops
