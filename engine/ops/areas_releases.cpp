// --reduce: within each given hazard polygon, the land the model's evidence would release.
#include "areas_releases.hpp"

#include "areas_delineate.hpp"
#include "areas_figures.hpp"
#include "minerisk/engine/gdal_support.hpp"

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
  const std::vector<kernels::AreaTally> tallies = tally_areas(shapes, in, control);
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
