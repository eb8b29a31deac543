"""Small grids and layers for the map tests, and how a person's tools read a map: pdftoppm,
pdftotext and pdfinfo (Debian's poppler-utils), and GDAL for the PNG's pixels."""
import pathlib
import subprocess

import numpy as np
from osgeo import gdal, ogr, osr

gdal.UseExceptions()

# The ends of the map's colour ramp (ColorBrewer YlOrRd's first anchor and the dark end): the
# lowest class and the highest.
LOWEST = (255, 255, 204)
HIGHEST = (90, 0, 40)


def write_grid(path, values, geotransform, epsg=32638):
    """A float32 GeoTIFF grid with NaN as no data."""
    values = np.asarray(values, dtype=np.float32)
    ds = gdal.GetDriverByName("GTiff").Create(str(path), values.shape[1], values.shape[0], 1, gdal.GDT_Float32,
                                              ["COMPRESS=DEFLATE", "TILED=YES"])
    ds.SetGeoTransform(geotransform)
    srs = osr.SpatialReference()
    srs.ImportFromEPSG(epsg)
    ds.SetProjection(srs.ExportToWkt())
    band = ds.GetRasterBand(1)
    band.SetNoDataValue(float("nan"))
    band.WriteArray(values)
    ds = None
    return path


def write_points(path, layer_name, points, epsg, names=None):
    """A GeoPackage point layer with a 'name' field."""
    ds = ogr.GetDriverByName("GPKG").CreateDataSource(str(path))
    srs = osr.SpatialReference()
    srs.ImportFromEPSG(epsg)
    srs.SetAxisMappingStrategy(osr.OAMS_TRADITIONAL_GIS_ORDER)
    layer = ds.CreateLayer(layer_name, srs, ogr.wkbPoint)
    layer.CreateField(ogr.FieldDefn("name", ogr.OFTString))
    for k, (x, y) in enumerate(points):
        f = ogr.Feature(layer.GetLayerDefn())
        if names:
            f.SetField("name", names[k])
        f.SetGeometry(ogr.CreateGeometryFromWkt(f"POINT ({x} {y})"))
        layer.CreateFeature(f)
    ds = None
    return path


def pixels(png):
    """A PNG's pixels as (rows, cols, 3) uint8."""
    ds = gdal.Open(str(png))
    array = ds.ReadAsArray()
    return np.moveaxis(array[:3], 0, -1)


def pdf_to_png(pdf, out_prefix, dpi=60):
    """The PDF's first page rendered by pdftoppm, as a person's viewer would show it."""
    subprocess.run(["pdftoppm", "-r", str(dpi), "-png", "-singlefile", str(pdf), str(out_prefix)], check=True,
                   capture_output=True)
    return pathlib.Path(f"{out_prefix}.png")


def pdf_text(pdf):
    return subprocess.run(["pdftotext", "-layout", str(pdf), "-"], check=True, capture_output=True, text=True).stdout


def pdf_words(pdf):
    """Each word pdftotext finds, with its box: [(text, xmin, ymin, xmax, ymax)] in points."""
    html = subprocess.run(["pdftotext", "-bbox", str(pdf), "-"], check=True, capture_output=True, text=True).stdout
    import re
    words = []
    for m in re.finditer(r'<word xMin="([\d.]+)" yMin="([\d.]+)" xMax="([\d.]+)" yMax="([\d.]+)">([^<]*)</word>', html):
        import html as html_module
        words.append((html_module.unescape(m.group(5)), *map(float, m.group(1, 2, 3, 4))))
    return words


def pdf_info(pdf):
    text = subprocess.run(["pdfinfo", str(pdf)], check=True, capture_output=True, text=True).stdout
    return dict(line.split(":", 1) for line in text.splitlines() if ":" in line)


def mask_of(image, colour, tolerance=0):
    return np.all(np.abs(image.astype(int) - np.array(colour)) <= tolerance, axis=-1)
