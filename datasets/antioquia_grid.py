"""The grid datasets/import_antioquia.py writes, as datasets/validate_antioquia.py reads it:
labels, municipalities and the feature rasters listed in the import's manifest."""
import json
import os

import numpy as np
from osgeo import gdal

gdal.UseExceptions()


class UsageError(Exception):
    """A problem with the options or the inputs: one line, exit code 2."""



def read(path):
    ds = gdal.Open(path)
    return ds.GetRasterBand(1).ReadAsArray().astype(np.float64), ds.GetGeoTransform()


def write_like(path, template, values):
    """A float32 raster on the template's grid, NaN as no-data."""
    src = gdal.Open(template)
    ds = gdal.GetDriverByName("GTiff").Create(path, src.RasterXSize, src.RasterYSize, 1, gdal.GDT_Float32)
    ds.SetGeoTransform(src.GetGeoTransform())
    ds.SetProjection(src.GetProjection())
    band = ds.GetRasterBand(1)
    band.SetNoDataValue(float("nan"))
    band.WriteArray(values.astype(np.float32))
    ds = None


def read_manifest(path, what):
    try:
        with open(path, encoding="utf-8") as f:
            manifest = json.load(f)
    except OSError as error:
        raise UsageError(f"cannot read the {what} {path}: {error.strerror}") from None
    except json.JSONDecodeError as error:
        raise UsageError(f"the {what} {path} is not JSON ({error.msg}, line {error.lineno})") from None
    if not isinstance(manifest, dict) or not isinstance(manifest.get("features"), list):
        raise UsageError(f"the {what} {path} has no 'features' list; give the manifest.json that "
                         f"datasets/import_antioquia.py writes")
    return manifest


class Grid:
    """An import by datasets/import_antioquia.py: labels, municipalities and the feature files."""

    def __init__(self, folder):
        self.folder = folder
        self.manifest = read_manifest(os.path.join(folder, "manifest.json"), "import manifest")
        self.label_path = os.path.join(folder, "label.tif")
        self.municipality_path = os.path.join(folder, "municipality.tif")
        self.label, self.geotransform = read(self.label_path)
        self.municipality, _ = read(self.municipality_path)
        self.files = {entry["column"]: os.path.join(folder, entry["file"]) for entry in self.manifest["features"]}
        self.blanks = {entry["column"]: entry for entry in self.manifest.get("blanks", [])}

    def columns(self):
        return list(self.files)

    def inside(self):
        return self.municipality > 0

    def labelled(self):
        return np.isfinite(self.label) & self.inside()

    def municipality_codes(self):
        return sorted(int(v) for v in np.unique(self.municipality) if v > 0)

    def centres(self, rows, cols):
        """(longitude, latitude) in degrees of the given cells' centres."""
        x0, dx, _, y0, _, dy = self.geotransform
        return x0 + (cols + 0.5) * dx, y0 + (rows + 0.5) * dy


