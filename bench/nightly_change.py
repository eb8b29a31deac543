"""The day's change of the nightly benchmark, made to a copy of a region's GeoPackage as an
operator would record it in QGIS: 50 new finds in three clusters (20, 15 and 15 items, spread
over about 100 m), two new clearance polygons (300 x 200 m, POD 0.9) around the first two
clusters, where the finds were made, and one minefield record's reliability revised. Seeded,
so every run of the benchmark makes the same change."""
import random

from osgeo import gdal, ogr

ogr.UseExceptions()
gdal.UseExceptions()

CLUSTERS = (20, 15, 15)


def apply(gpkg, dem, seed=2026):
    """Edits `gpkg` in place (a copy: never a region's own file). Returns what was done, in words."""
    rng = random.Random(seed)
    ds = gdal.Open(str(dem))
    gt = ds.GetGeoTransform()
    width, height = ds.RasterXSize, ds.RasterYSize
    ds = None
    # Cluster centres in the grid's interior (a tenth of it from each edge).
    centres = [(gt[0] + rng.uniform(0.1, 0.9) * width * gt[1], gt[3] + rng.uniform(0.1, 0.9) * height * gt[5])
               for _ in CLUSTERS]
    vectors = ogr.Open(str(gpkg), update=1)
    finds = vectors.GetLayerByName("finds")
    for (cx, cy), count in zip(centres, CLUSTERS):
        for _ in range(count):
            f = ogr.Feature(finds.GetLayerDefn())
            f.SetField("count", 1)
            f.SetGeometry(ogr.CreateGeometryFromWkt(f"POINT ({cx + rng.gauss(0, 50)!r} {cy + rng.gauss(0, 50)!r})"))
            finds.CreateFeature(f)
    cleared = vectors.GetLayerByName("cleared")
    for cx, cy in centres[:2]:
        f = ogr.Feature(cleared.GetLayerDefn())
        f.SetField("pod", 0.9)
        x0, x1, y0, y1 = cx - 150, cx + 150, cy - 100, cy + 100
        f.SetGeometry(ogr.CreateGeometryFromWkt(f"POLYGON (({x0} {y0}, {x1} {y0}, {x1} {y1}, {x0} {y1}, {x0} {y0}))"))
        cleared.CreateFeature(f)
    records = vectors.GetLayerByName("records")
    fids = sorted(f.GetFID() for f in records)
    record = records.GetFeature(rng.choice(fids))
    old = record.GetField("reliability")
    record.SetField("reliability", 0.9)
    records.SetFeature(record)
    vectors = None
    return (f"{sum(CLUSTERS)} finds in {len(CLUSTERS)} clusters, 2 clearance polygons of 6 ha (POD 0.9), "
            f"record {record.GetFID()}'s reliability {old} -> 0.9")
