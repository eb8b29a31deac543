"""Land cover, cell by cell, from elevation, slope, a patchiness field, rivers and settlements:
forest on the mid-mountain slopes, cropland on the gentle lowland, pasture elsewhere and on the
high meadows, bare rock on cliffs and summits, water in the rivers, built-up land in the
settlements."""
import numpy as np
from osgeo import gdal, ogr, osr
from shapely.geometry import LineString, Polygon

from .grid import EPSG
from .infrastructure import footprint

FOREST, GRASSLAND, CROPLAND, SETTLEMENT, WATER, BARE = 1, 2, 3, 4, 5, 6  # the classes' values


def burn_mask(rng, grid, rivers, settlements):
    """A Byte raster of the whole grid: SETTLEMENT inside the built-up areas, WATER on the rivers
    (buffered to their width; water wins where both), 0 elsewhere. GDAL's rasteriser does the
    120 million cells of the largest region in a second or two."""
    srs = osr.SpatialReference()
    srs.ImportFromEPSG(EPSG)
    source = ogr.GetDriverByName("Memory").CreateDataSource("")
    layer = source.CreateLayer("mask", srs, ogr.wkbPolygon)
    layer.CreateField(ogr.FieldDefn("value", ogr.OFTInteger))
    shapes = [(Polygon(footprint(rng, s)), SETTLEMENT) for s in settlements]
    shapes += [(LineString(r.xy).buffer(r.width / 2), WATER) for r in rivers]
    for shape, value in shapes:
        feature = ogr.Feature(layer.GetLayerDefn())
        feature.SetField("value", value)
        feature.SetGeometry(ogr.CreateGeometryFromWkb(shape.wkb))
        layer.CreateFeature(feature)
    target = gdal.GetDriverByName("MEM").Create("", grid.size, grid.size, 1, gdal.GDT_Byte)
    target.SetGeoTransform(grid.geotransform)
    target.SetProjection(srs.ExportToWkt())
    gdal.RasterizeLayer(target, [1], layer, options=["ATTRIBUTE=value"])
    return target.GetRasterBand(1).ReadAsArray()


def classify(z, slope, patches, mask, treeline):
    """Land-cover classes of a block of cells. `patches` (unit-std noise at kilometre scale)
    moves the class boundaries about so the classes come in irregular patches."""
    out = np.full(z.shape, GRASSLAND, np.uint8)
    forest = (z > 500.0 + 150.0 * patches) & (z < treeline + 150.0 * patches) & (slope > 6.0 + 4.0 * patches)
    out[forest & (patches > -0.6)] = FOREST
    out[(z < 900.0) & (slope < 6.0) & (patches < 0.9)] = CROPLAND
    out[(slope > 38.0) | (z > treeline + 700.0 + 150.0 * patches)] = BARE
    out[mask == SETTLEMENT] = SETTLEMENT
    out[mask == WATER] = WATER
    return out
