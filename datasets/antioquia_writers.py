"""The import's files: the GeoTIFFs (features, flags, label, municipalities), the GeoPackage of
cell points and the municipalities CSV, written into the import's new folder."""
import csv
import errno
import os

import numpy as np
from osgeo import gdal, ogr, osr

gdal.UseExceptions()
ogr.UseExceptions()

FIXED_GPKG_DATE = "2000-01-01T00:00:00.000Z"  # GPKG stamps its tables with the current time otherwise


def wgs84():
    srs = osr.SpatialReference()
    srs.ImportFromEPSG(4326)
    srs.SetAxisMappingStrategy(osr.OAMS_TRADITIONAL_GIS_ORDER)  # points given as (lon, lat)
    return srs


def write_raster(path, array, lattice, nodata, description):
    float_type = array.dtype == np.float32
    # Lossless DEFLATE; the predictor (3 for floats, 2 for integers) makes it compress better.
    options = ["COMPRESS=DEFLATE", f"PREDICTOR={3 if float_type else 2}"]
    data_type = gdal.GDT_Float32 if float_type else gdal.GDT_Int16
    dataset = gdal.GetDriverByName("GTiff").Create(str(path), lattice.width, lattice.height, 1, data_type, options)
    dataset.SetGeoTransform(lattice.geotransform)
    dataset.SetSpatialRef(wgs84())
    band = dataset.GetRasterBand(1)
    band.SetNoDataValue(nodata)
    band.SetDescription(description)
    band.WriteArray(array)
    dataset.FlushCache()  # raises on a write error (a full disk), which closing would only print
    band = dataset = None  # closing writes the file
    if not np.array_equal(gdal.Open(str(path)).ReadAsArray(), array, equal_nan=array.dtype.kind == "f"):
        raise OSError(errno.EIO, os.strerror(errno.EIO) + f": {path.name} does not read back as written")


def write_points(path, table, lattice, codes):
    previous_date = gdal.GetConfigOption("OGR_CURRENT_DATE")
    gdal.SetConfigOption("OGR_CURRENT_DATE", FIXED_GPKG_DATE)
    try:
        dataset = ogr.GetDriverByName("GPKG").CreateDataSource(str(path))
        layer = dataset.CreateLayer("cells", wgs84(), ogr.wkbPoint)
        for name, kind in (("label", ogr.OFTInteger), ("municipality_code", ogr.OFTInteger),
                           ("municipality_name", ogr.OFTString), ("row", ogr.OFTInteger), ("col", ogr.OFTInteger)):
            layer.CreateField(ogr.FieldDefn(name, kind))
        lons, lats = lattice.centre_lon(), lattice.centre_lat()
        layer.StartTransaction()
        for i in range(len(table.label)):
            feature = ogr.Feature(layer.GetLayerDefn())
            feature.SetFID(i + 1)  # the CSV's data row number
            feature["label"] = int(table.label[i])
            feature["municipality_code"] = codes[table.municipality[i]]
            feature["municipality_name"] = table.municipality[i]
            feature["row"], feature["col"] = int(lattice.row[i]), int(lattice.col[i])
            point = ogr.Geometry(ogr.wkbPoint)
            point.AddPoint_2D(float(lons[i]), float(lats[i]))
            feature.SetGeometry(point)
            layer.CreateFeature(feature)
        layer.CommitTransaction()
        layer = dataset = None  # closing writes the file, stamped with the fixed date
    finally:
        gdal.SetConfigOption("OGR_CURRENT_DATE", previous_date)


def write_municipalities(path, codes, table):
    with open(path, "w", encoding="utf-8", newline="") as out:
        writer = csv.writer(out, lineterminator="\n")
        writer.writerow(["code", "name", "cells"])
        for name, code in codes.items():
            writer.writerow([code, name, table.municipality.count(name)])
