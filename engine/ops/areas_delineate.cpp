#include "areas_delineate.hpp"

#include "areas_generalise.hpp"

#include <algorithm>
#include <cmath>

#include <gdal_alg.h>
#include <gdal_priv.h>
#include <ogrsf_frmts.h>

#include "minerisk/engine/errors.hpp"
#include "minerisk/engine/gdal_support.hpp"
#include "minerisk/engine/ops/areas.hpp"
#include "minerisk/kernels/area_tally.hpp"

namespace minerisk::ops {
namespace {

constexpr uint8_t kNoData = 255;

// A MEM raster of bytes on the grid, georeferenced so that polygons come out in its CRS.
DatasetPtr byte_raster(const Grid& grid, int bands) {
  GDALDriver* mem = GetGDALDriverManager()->GetDriverByName("MEM");
  DatasetPtr ds(mem->Create("", static_cast<int>(grid.width()), static_cast<int>(grid.height()), bands, GDT_Byte, nullptr));
  if (!ds) throw std::runtime_error("areas: cannot make an in-memory raster: " + last_gdal_error());
  std::array<double, 6> gt = grid.frame.geotransform;
  ds->SetGeoTransform(gt.data());
  ds->SetProjection(grid.crs_wkt.c_str());
  return ds;
}

void write_band(GDALDataset& ds, int band, std::vector<uint8_t>& values, const Grid& grid) {
  if (ds.GetRasterBand(band)->RasterIO(GF_Write, 0, 0, static_cast<int>(grid.width()), static_cast<int>(grid.height()),
                                       values.data(), static_cast<int>(grid.width()), static_cast<int>(grid.height()),
                                       GDT_Byte, 0, 0) != CE_None)
    throw std::runtime_error("areas: cannot write an in-memory raster: " + last_gdal_error());
}

void read_band(GDALDataset& ds, int band, std::vector<uint8_t>& values, const Grid& grid) {
  if (ds.GetRasterBand(band)->RasterIO(GF_Read, 0, 0, static_cast<int>(grid.width()), static_cast<int>(grid.height()),
                                       values.data(), static_cast<int>(grid.width()), static_cast<int>(grid.height()),
                                       GDT_Byte, 0, 0) != CE_None)
    throw std::runtime_error("areas: cannot read an in-memory raster: " + last_gdal_error());
}

// Regions of `values` (within `mask`) of fewer than `cells` cells merged into their largest
// neighbour: GDAL's sieve, 8-connected as the polygons.
void sieve(std::vector<uint8_t>& values, std::vector<uint8_t>& mask, const Grid& grid, int cells) {
  DatasetPtr ds = byte_raster(grid, 2);
  write_band(*ds, 1, values, grid);
  write_band(*ds, 2, mask, grid);
  if (GDALSieveFilter(ds->GetRasterBand(1), ds->GetRasterBand(2), ds->GetRasterBand(1), cells, 8, nullptr, nullptr,
                      nullptr) != CE_None)
    throw std::runtime_error("areas: GDAL's sieve failed: " + last_gdal_error());
  read_band(*ds, 1, values, grid);
}

// The land-release class of every cell: 0 below T1, 1 from T1, 2 from T2, kNoData without a
// probability; then no speckle, in two steps, so that hazard land is judged by its whole size:
// first the hazard land (from T1) against the rest, regions under the minimum mapping unit
// merged into their largest neighbour (a small cluster goes, a small hole is filled); then,
// within the hazard land only, clearance against survey, so a small clearance speck becomes
// survey (or a small survey speck clearance) and never leaves the hazard land.
std::vector<uint8_t> sieved_classes(std::span<const float> probability, const Grid& grid,
                                    const DelineationOptions& options) {
  std::vector<uint8_t> classes(probability.size());
  std::transform(probability.begin(), probability.end(), classes.begin(), [&](float p) -> uint8_t {
    if (std::isnan(p)) return kNoData;
    return p >= options.t2 ? 2 : (p >= options.t1 ? 1 : 0);
  });
  const double cell_m2 = kernels::cell_area_m2(grid.frame, grid.height() / 2);
  const double cells = std::ceil(options.min_area_ha * 1e4 / cell_m2);
  if (cells <= 1) return classes;
  const int threshold = static_cast<int>(std::min(cells, 2e9));
  std::vector<uint8_t> hazard(classes.size()), mask(classes.size());
  std::transform(classes.begin(), classes.end(), hazard.begin(), [](uint8_t c) -> uint8_t { return c == 1 || c == 2; });
  std::transform(classes.begin(), classes.end(), mask.begin(), [](uint8_t c) -> uint8_t { return c != kNoData; });
  sieve(hazard, mask, grid, threshold);
  std::vector<uint8_t> split(classes.size());
  for (size_t i = 0; i < classes.size(); ++i) split[i] = classes[i] == 2 ? 2 : 1;  // a filled hole: survey
  sieve(split, hazard, grid, threshold);
  for (size_t i = 0; i < classes.size(); ++i)
    if (classes[i] != kNoData) classes[i] = hazard[i] ? split[i] : 0;
  return classes;
}

// The polygons of the cells where `inside` is 1 (8-connected), as GDAL's polygonize gives them.
std::vector<GeometryPtr> polygonise(std::vector<uint8_t>& inside, const Grid& grid) {
  DatasetPtr raster = byte_raster(grid, 1);
  write_band(*raster, 1, inside, grid);
  GDALDriver* memory = GetGDALDriverManager()->GetDriverByName("Memory");
  DatasetPtr vectors(memory->Create("", 0, 0, 0, GDT_Unknown, nullptr));
  OGRSpatialReference srs = grid.srs();
  OGRLayer* layer = vectors->CreateLayer("regions", &srs, wkbPolygon, nullptr);
  OGRFieldDefn value("value", OFTInteger);
  layer->CreateField(&value);
  char* options[] = {const_cast<char*>("8CONNECTED=8"), nullptr};
  GDALRasterBand* band = raster->GetRasterBand(1);
  // The band is its own mask: only the cells inside become polygons.
  if (GDALPolygonize(band, band, layer, 0, options, nullptr, nullptr) != CE_None)
    throw std::runtime_error("areas: GDAL's polygonize failed: " + last_gdal_error());
  std::vector<GeometryPtr> polygons;
  layer->ResetReading();
  for (OGRFeature* feature; (feature = layer->GetNextFeature()) != nullptr; OGRFeature::DestroyFeature(feature))
    if (OGRGeometry* g = feature->StealGeometry(); g && wkbFlatten(g->getGeometryType()) == wkbPolygon) {
      g->assignSpatialReference(nullptr);
      polygons.emplace_back(g);
    } else {
      delete g;
    }
  return polygons;
}

}  // namespace

double metres_as_crs_units(double metres, const Grid& grid) {
  const kernels::MetricScale scale = grid.frame.scale_at_row(grid.height() / 2);
  return metres / std::sqrt(scale.x * scale.y);
}

double shape_hectares(const OGRGeometry& shape, const Grid& grid) {
  double area = 0;
  if (const auto* surface = dynamic_cast<const OGRSurface*>(&shape)) area = surface->get_Area();
  else if (const auto* multi = dynamic_cast<const OGRMultiSurface*>(&shape)) area = multi->get_Area();
  double scale = grid.frame.linear_unit * grid.frame.linear_unit;
  if (grid.frame.geographic) {
    OGRPoint centre;
    shape.Centroid(&centre);
    const kernels::MetricScale s =
        kernels::metres_per_degree(centre.getY(), grid.frame.semi_major, grid.frame.inverse_flattening);
    scale = s.x * s.y;
  }
  return area * scale / 1e4;
}

std::vector<std::unique_ptr<OGRGeometry>> polygon_parts(const OGRGeometry* geometry) {
  std::vector<std::unique_ptr<OGRGeometry>> parts;
  if (!geometry || geometry->IsEmpty()) return parts;
  if (wkbFlatten(geometry->getGeometryType()) == wkbPolygon) {
    parts.emplace_back(geometry->clone());
  } else if (const auto* collection = dynamic_cast<const OGRGeometryCollection*>(geometry)) {
    for (const OGRGeometry* g : *collection)
      for (auto& p : polygon_parts(g)) parts.push_back(std::move(p));
  }
  return parts;
}

std::vector<std::unique_ptr<OGRGeometry>> polygon_parts(const OGRGeometry* geometry, const Grid& grid,
                                                        double min_area_ha) {
  std::vector<std::unique_ptr<OGRGeometry>> parts = polygon_parts(geometry);
  std::erase_if(parts, [&](const auto& p) { return shape_hectares(*p, grid) < min_area_ha; });
  return parts;
}

Delineation delineate(std::span<const float> probability, const Grid& grid, const DelineationOptions& options,
                      const Control& control) {
  std::vector<uint8_t> classes = sieved_classes(probability, grid, options);
  control.check_cancelled();
  const double smooth = metres_as_crs_units(options.smooth_m, grid);
  // The land from T1 and the land from T2, polygonised side by side (two MEM datasets of their own).
  std::vector<uint8_t> from_t1(classes.size()), from_t2(classes.size());
  std::transform(classes.begin(), classes.end(), from_t1.begin(), [](uint8_t c) -> uint8_t { return c == 1 || c == 2; });
  std::transform(classes.begin(), classes.end(), from_t2.begin(), [](uint8_t c) -> uint8_t { return c == 2; });
  std::vector<std::vector<GeometryPtr>> regions(2);
  TileLoopOptions two = control.loop("");
  two.quiet = true, two.progress = nullptr;  // two jobs: no progress of their own, but --threads holds
  for_each_job(2, two, [&](int64_t k) { regions[static_cast<size_t>(k)] = polygonise(k == 0 ? from_t1 : from_t2, grid); });
  control.check_cancelled();
  regions = generalise_polygons(std::move(regions), grid, smooth, control);
  std::vector<GeometryPtr>& hazard = regions[0];
  const std::vector<GeometryPtr>& high = regions[1];
  control.check_cancelled();
  // The hazard region's parts of at least the unit; clearance inside them; survey the rest.
  std::erase_if(hazard, [&](const GeometryPtr& g) { return shape_hectares(*g, grid) < options.min_area_ha; });
  std::vector<GeometryPtr> clearance, survey;
  split_hazard(hazard, high, grid, options.min_area_ha, clearance, survey, control);
  Delineation d;
  for (auto& p : clearance) d.areas.push_back({kClearance, std::move(p)});
  for (auto& p : survey) d.areas.push_back({kTechnicalSurvey, std::move(p)});
  auto region = std::make_unique<OGRMultiPolygon>();
  for (auto& h : hazard) region->addGeometryDirectly(h.release());
  d.hazard = std::move(region);
  return d;
}

}  // namespace minerisk::ops
