"""Files: tiled, compressed GeoTIFFs written strip by strip, GeoPackages of the vector layers,
the scenario and the summary. Everything is byte-identical for a seed: GeoTIFFs carry no
timestamp, and GeoPackages take theirs from OGR_CURRENT_DATE, fixed here."""
import json
import os

from osgeo import gdal, ogr, osr

from .grid import EPSG

gdal.UseExceptions()
ogr.UseExceptions()
FIXED_DATE = "2000-01-01T00:00:00Z"
TIFF_OPTIONS = ["TILED=YES", "BLOCKXSIZE=512", "BLOCKYSIZE=512", "COMPRESS=ZSTD", "ZSTD_LEVEL=3",
                "NUM_THREADS=2", "BIGTIFF=IF_SAFER"]
STRIP = 512  # rows per write: one row of tiles, so each tile is compressed once


def srs():
    s = osr.SpatialReference()
    s.ImportFromEPSG(EPSG)
    return s


def create_geotiff(path, grid, data_type, predictor, nodata=None):
    options = TIFF_OPTIONS + [f"PREDICTOR={predictor}"]
    ds = gdal.GetDriverByName("GTiff").Create(path, grid.size, grid.size, 1, data_type, options)
    ds.SetGeoTransform(grid.geotransform)
    ds.SetProjection(srs().ExportToWkt())
    if nodata is not None:
        ds.GetRasterBand(1).SetNoDataValue(nodata)
    return ds


def write_strips(ds, rows_of, size, on_strip=None):
    """Writes rows_of(r0, r1) for every strip of STRIP rows into band 1."""
    band = ds.GetRasterBand(1)
    for r0 in range(0, size, STRIP):
        band.WriteArray(rows_of(r0, min(r0 + STRIP, size)), 0, r0)
        if on_strip:
            on_strip()


def field_type(value):
    if isinstance(value, bool):
        return ogr.OFTInteger, ogr.OFSTBoolean
    if isinstance(value, int):
        return ogr.OFTInteger, ogr.OFSTNone
    if isinstance(value, float):
        return ogr.OFTReal, ogr.OFSTNone
    if len(value) == 10 and value[4] == "-" and value[7] == "-":
        return ogr.OFTDate, ogr.OFSTNone
    return ogr.OFTString, ogr.OFSTNone


class GeoPackage:
    """A GeoPackage written layer by layer, each in one transaction (much faster than a commit
    per feature)."""

    def __init__(self, path):
        gdal.SetConfigOption("OGR_CURRENT_DATE", FIXED_DATE)
        if os.path.exists(path):
            os.remove(path)
        self.ds = ogr.GetDriverByName("GPKG").CreateDataSource(path)

    def layer(self, name, geometry_type, fields, rows):
        """rows: (wkb bytes or (x, y) for points, {field: value}). `fields` gives field names and
        an example value of each, from which the type is taken."""
        layer = self.ds.CreateLayer(name, srs(), geometry_type)
        for field_name, example in fields.items():
            kind, subtype = field_type(example)
            definition = ogr.FieldDefn(field_name, kind)
            definition.SetSubType(subtype)
            layer.CreateField(definition)
        defn = layer.GetLayerDefn()
        indices = {field_name: defn.GetFieldIndex(field_name) for field_name in fields}
        layer.StartTransaction()
        for geometry, values in rows:
            feature = ogr.Feature(defn)
            if isinstance(geometry, tuple):
                point = ogr.Geometry(ogr.wkbPoint)
                point.AddPoint_2D(*geometry)
                feature.SetGeometryDirectly(point)
            else:
                feature.SetGeometryDirectly(ogr.CreateGeometryFromWkb(geometry))
            for field_name, value in values.items():
                feature.SetField(indices[field_name], value)
            layer.CreateFeature(feature)
        layer.CommitTransaction()

    def close(self):
        self.ds = None
        gdal.SetConfigOption("OGR_CURRENT_DATE", None)


def write_json(path, data):
    with open(path, "w") as f:
        json.dump(data, f, indent=2)
        f.write("\n")


SCENARIO_HEAD = """# {title}
# Written by datasets/generate_region.py. The truth (truth.gpkg) is deliberately not referenced.
title = "{title}"

[terrain]
dem = "dem.tif"

[front_lines]
path = "region.gpkg"
layer = "front_lines"
"""

# Optional inputs: minerisk refuses an empty layer, so a section (and the evidence that needs it)
# is written only when its layer has features, which a very small region may lack.
SCENARIO_INPUTS = {
    "finds": """
[finds]
path = "region.gpkg"
layer = "finds"
count_field = "count"
""",
    "cleared": """
[cleared]
path = "region.gpkg"
layer = "cleared"
pod_field = "pod"
""",
    "records": """
[records]
path = "region.gpkg"
layer = "records"
reliability_field = "reliability"
reliability = {reliability}
""",
}

SCENARIO_MODEL = """
[model]
intercept = -5.5                    # log-odds far from everything: p = 0.4 %

[model.evidence.slope]              # fewer mines on steep ground (none above {max_slope:g} degrees)
feature = "slope"
weight = -0.05
transform = "linear"

[model.evidence.front_lines]        # belts lie within a few hundred metres of the lines
feature = "front_line_distance"
weight = 3.0
transform = {{ type = "exp_decay", length = 500.0 }}
"""

SCENARIO_EVIDENCE = {
    "finds": """
[model.evidence.finds]              # finds cluster in the fields they came from
feature = "find_density"
bandwidth = 200.0
weight = 0.8
transform = "log1p"
""",
    "records": """
[model.evidence.records]            # a record is right about a quarter of the time
feature = "record_coverage"
weight = 3.0
transform = "linear"
""",
}


def write_scenario(path, title, reliability, max_slope, present):
    """The scenario over the region's files; `present` names the optional layers that have
    features ("finds", "cleared", "records")."""
    parts = [SCENARIO_HEAD.format(title=title)]
    parts += [SCENARIO_INPUTS[k].format(reliability=reliability) for k in SCENARIO_INPUTS if k in present]
    parts.append(SCENARIO_MODEL.format(max_slope=max_slope))
    parts += [SCENARIO_EVIDENCE[k] for k in SCENARIO_EVIDENCE if k in present]
    with open(path, "w") as f:
        f.write("".join(parts))
