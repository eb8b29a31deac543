#!/usr/bin/python3
"""The analyst's chain for hazard areas, as a GIS analyst would script it with GDAL's tools and
Python bindings, shapely and numpy, single-threaded and whole rasters in memory: the same steps
as `minerisk areas` with its defaults (classes at T1 and T2, GDAL's sieve to the minimum mapping
unit in two steps, GDAL's polygonize, each polygon simplified within a cell, closed by two cells
and opened by one, the clearance land cut out of the survey land; survey slivers are dropped
rather than joined to the clearance beside them), then per-area zonal figures by
rasterising the areas (GDAL) and summing with numpy, written to a GeoPackage. bench/compare_areas
times it beside `minerisk areas`.

    bench/areas_chain.py GRID.nc OUT.gpkg [--t1 0.05] [--t2 0.5] [--min-area 0.5]
"""
import argparse
import json
import math

import numpy as np
from osgeo import gdal, ogr, osr
from shapely import wkb
from shapely.ops import unary_union

gdal.UseExceptions()


def mem_raster(array, gt, wkt, dtype=gdal.GDT_Byte):
    ds = gdal.GetDriverByName("MEM").Create("", array.shape[1], array.shape[0], 1, dtype)
    ds.SetGeoTransform(gt)
    ds.SetProjection(wkt)
    ds.GetRasterBand(1).WriteArray(array)
    return ds


def polygons(mask, gt, wkt):
    """gdal_polygonize, 8-connected, of the cells where mask is 1, as shapely polygons."""
    src = mem_raster(mask.astype(np.uint8), gt, wkt)
    out = ogr.GetDriverByName("Memory").CreateDataSource("")
    layer = out.CreateLayer("p", osr.SpatialReference(wkt=wkt), ogr.wkbPolygon)
    layer.CreateField(ogr.FieldDefn("v", ogr.OFTInteger))
    band = src.GetRasterBand(1)
    gdal.Polygonize(band, band, layer, 0, ["8CONNECTED=8"])
    return [wkb.loads(bytes(f.GetGeometryRef().ExportToWkb())) for f in layer]


def generalise(shapes, cell, smooth):
    out = []
    for s in shapes:
        g = s.buffer(0).simplify(cell, preserve_topology=True)
        g = g.buffer(smooth, 8).buffer(-1.5 * smooth, 8).buffer(0.5 * smooth, 8).simplify(cell / 4, preserve_topology=True)
        out.append(g)
    merged = unary_union(out)
    return list(getattr(merged, "geoms", [merged]))


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("grid")
    parser.add_argument("output")
    parser.add_argument("--t1", type=float, default=0.05)
    parser.add_argument("--t2", type=float, default=0.5)
    parser.add_argument("--min-area", type=float, default=0.5)
    args = parser.parse_args()
    ds = gdal.Open(args.grid)
    gt, wkt = ds.GetGeoTransform(), ds.GetProjection()
    p = ds.ReadAsArray().astype(np.float32)
    cell_m2 = abs(gt[1] * gt[5])
    classes = np.where(np.isnan(p), 255, np.where(p >= args.t2, 2, np.where(p >= args.t1, 1, 0))).astype(np.uint8)
    # gdal_sieve.py, twice: the hazard land against the rest, then clearance against survey within it.
    cells = math.ceil(args.min_area * 1e4 / cell_m2)
    hazard = mem_raster(((classes == 1) | (classes == 2)).astype(np.uint8), gt, wkt)
    valid = mem_raster((classes != 255).astype(np.uint8), gt, wkt)
    gdal.SieveFilter(hazard.GetRasterBand(1), valid.GetRasterBand(1), hazard.GetRasterBand(1), cells, 8)
    split = mem_raster(np.where(classes == 2, 2, 1).astype(np.uint8), gt, wkt)
    gdal.SieveFilter(split.GetRasterBand(1), hazard.GetRasterBand(1), split.GetRasterBand(1), cells, 8)
    inside = hazard.GetRasterBand(1).ReadAsArray() == 1
    classes = np.where(classes == 255, 255, np.where(inside, split.GetRasterBand(1).ReadAsArray(), 0)).astype(np.uint8)
    cell = min(gt[1], -gt[5])
    min_m2 = args.min_area * 1e4
    hazard = [g for g in generalise(polygons((classes == 1) | (classes == 2), gt, wkt), cell, 2 * cell)
              if g.area >= min_m2]
    high = unary_union(generalise(polygons(classes == 2, gt, wkt), cell, 2 * cell))
    areas = []
    for h in hazard:
        cut = h.intersection(high)
        kept = [c for c in getattr(cut, "geoms", [cut]) if c.geom_type == "Polygon" and c.area >= min_m2]
        areas += [("clearance", c) for c in kept]
        rest = h.difference(unary_union(kept)) if kept else h
        areas += [("technical_survey", r) for r in getattr(rest, "geoms", [rest])
                  if r.geom_type == "Polygon" and r.area >= min_m2]
    # Zonal figures: each area's id burnt into a raster (GDAL), then sums by id (numpy).
    out = ogr.GetDriverByName("GPKG").CreateDataSource(args.output)
    layer = out.CreateLayer("areas", osr.SpatialReference(wkt=wkt), ogr.wkbPolygon)
    for name, kind in (("id", ogr.OFTInteger), ("class", ogr.OFTString), ("area_ha", ogr.OFTReal),
                       ("expected_ha", ogr.OFTReal), ("mean_p", ogr.OFTReal), ("max_p", ogr.OFTReal)):
        layer.CreateField(ogr.FieldDefn(name, kind))
    ids = mem_raster(np.zeros(p.shape, np.int32), gt, wkt, gdal.GDT_Int32)
    mem = ogr.GetDriverByName("Memory").CreateDataSource("")
    burn = mem.CreateLayer("b", osr.SpatialReference(wkt=wkt), ogr.wkbPolygon)
    burn.CreateField(ogr.FieldDefn("id", ogr.OFTInteger))
    for k, (_, g) in enumerate(areas, start=1):
        f = ogr.Feature(burn.GetLayerDefn())
        f.SetField("id", k)
        f.SetGeometry(ogr.CreateGeometryFromWkb(g.wkb))
        burn.CreateFeature(f)
    gdal.RasterizeLayer(ids, [1], burn, options=["ATTRIBUTE=id"])
    zone = ids.GetRasterBand(1).ReadAsArray().ravel()
    values = p.ravel()
    ok = ~np.isnan(values)
    count = np.bincount(zone[ok], minlength=len(areas) + 1)
    total = np.bincount(zone[ok], weights=values[ok].astype(np.float64), minlength=len(areas) + 1)
    largest = np.full(len(areas) + 1, -np.inf)
    np.maximum.at(largest, zone[ok], values[ok])
    out.StartTransaction()
    for k, (name, g) in enumerate(areas, start=1):
        f = ogr.Feature(layer.GetLayerDefn())
        f.SetField("id", k)
        f.SetField("class", name)
        f.SetField("area_ha", count[k] * cell_m2 / 1e4)
        f.SetField("expected_ha", total[k] * cell_m2 / 1e4)
        f.SetField("mean_p", total[k] / count[k] if count[k] else float("nan"))
        f.SetField("max_p", float(largest[k]))
        f.SetGeometry(ogr.CreateGeometryFromWkb(g.wkb))
        layer.CreateFeature(f)
    out.CommitTransaction()
    out = None
    print(json.dumps({"areas": len(areas), "areas_expected_ha": float(total[1:].sum() * cell_m2 / 1e4),
                      "areas_ha": float(count[1:].sum() * cell_m2 / 1e4)}))


if __name__ == "__main__":
    main()
