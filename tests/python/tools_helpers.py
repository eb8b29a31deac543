"""Small helpers for the raster tool tests: writing rasters and vectors, reading results."""
import subprocess

import numpy as np
from osgeo import gdal, ogr, osr

gdal.UseExceptions()
ogr.UseExceptions()


def utm():
    s = osr.SpatialReference()
    s.ImportFromEPSG(32638)
    return s


def write_raster(path, array, geotransform=(500000.0, 10.0, 0.0, 4400000.0, 0.0, -10.0), nodata=None,
                 dtype=gdal.GDT_Float32):
    ds = gdal.GetDriverByName("GTiff").Create(str(path), array.shape[1], array.shape[0], 1, dtype)
    ds.SetGeoTransform(geotransform)
    ds.SetProjection(utm().ExportToWkt())
    band = ds.GetRasterBand(1)
    if nodata is not None:
        band.SetNoDataValue(nodata)
    band.WriteArray(array)
    ds = None
    return path


def read(path):
    """The band as float64 with no-data as NaN."""
    ds = gdal.Open(str(path))
    band = ds.GetRasterBand(1)
    values = band.ReadAsArray().astype(np.float64)
    nodata = band.GetNoDataValue()
    if nodata is not None:
        values[values == nodata] = np.nan
    return values


def peer(*argv):
    subprocess.run([str(a) for a in argv], check=True, capture_output=True)
