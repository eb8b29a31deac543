"""The analyst's chain: the model of a scenario as a GIS analyst would chain it by hand with
GDAL's programs, numpy and scipy, single-threaded, whole rasters in memory. bench/compare_pipeline
times it against `minerisk run` and checks that both give the same probability.

build(scenario, folder) reads the scenario with tomllib and writes into `folder`:
- chain.sh: every step's command in order (`sh chain.sh` reruns the chain by hand);
- combine.py: the numpy/scipy step with the scenario's numbers written in: the find density, the
  model's combine and the deflated netCDF-4 write of the probability.
It returns a Chain: the steps (name, argv, run in `folder`) and the probability file.

What each part of the scenario becomes, mirroring the engine's semantics:
- slope (engine/features/slope.cpp: Horn, degrees, edges extrapolated, a no-data neighbour
  replaced by the centre): `gdaldem slope -compute_edges`, which minerisk matches bit for bit.
- front_line_distance (front_line_distance.cpp: exact metres from each cell centre to the
  nearest segment, wherever the segment lies): the lines burned by `gdal_rasterize -at` (every
  cell a line touches) on the grid grown to hold the lines, then `gdal_proximity.py -distunits
  GEO` (metres between cell centres), cropped. A layer's own `where` replaces the [front_lines]
  filter, as in the engine. Error: at most half a cell's diagonal.
- find_density (find_density.cpp, kernels point_density.hpp: sum of count / (2 pi h^2)
  exp(-d^2 / 2h^2) over the finds within 4 h along x and y, per km2): the finds' counts
  (`count_field`, or [finds] `count` where it is empty) summed per cell by gdal_rasterize -add
  on the grid grown by the kernel's reach (finds just outside the grid count, as in the
  engine), then scipy.ndimage.gaussian_filter(sigma = h / cell, truncate 4, mode constant)
  times 1e6 / cell area, cropped. Error: each find is moved to its cell's centre.
- record_coverage (record_coverage.cpp, kernels polygon_coverage.hpp: 1 - prod(1 - r) over
  the records whose polygon holds the cell's centre, lines buffered by `line_buffer`, r the
  `reliability_field` or [records] `reliability`): gdal_rasterize burns ln(1 - r) of each
  record, summed (-add, float64, the cell-centre rule), and combine.py takes 1 - exp(sum).
- [cleared] (clearance.cpp, kernels/src/combine.cpp: log-odds + log(1 - POD), POD = 1 -
  prod(1 - pod) over the clearances holding the centre, pod the `pod_field` or `pod`): the same
  summed ln(1 - pod), added to the log-odds as it is (a POD of 1 is taken as 1 - 1e-300).
- the combine (kernels/src/combine.cpp, transforms.cpp): intercept + sum of weight x
  transform(feature) in double, logistic; the DEM's no-data is no-data in the probability.
Anything else (other features, `signed`, a [grid] table, a geographic CRS, piecewise or
categorical transforms) is refused with ChainError.
"""
import math
import os
import shlex
import tomllib
from dataclasses import dataclass, field

from osgeo import gdal, ogr, osr

gdal.UseExceptions()
ogr.UseExceptions()

PYTHON = "/usr/bin/python3"
SUPPORTED = ("slope", "front_line_distance", "find_density", "record_coverage")
TRANSFORMS = ("linear", "log1p", "exp_decay", "gaussian", "step")
TRUNCATE = 4.0  # the density kernel's truncation in bandwidths, minerisk's and scipy's default
DEFLATE_LEVEL = 4  # as minerisk's netCDF writer (engine/src/grid_file_writer.cpp)


class ChainError(Exception):
    """The scenario holds something the chain does not do; the message says what."""


@dataclass
class Step:
    name: str
    argv: list


@dataclass
class Chain:
    folder: str
    output: str  # the probability, netCDF-4
    cells: int = 0  # of the grid
    steps: list = field(default_factory=list)
    summary: list = field(default_factory=list)  # one line per step, for the report's notes
    tolerance: float = 1e-5  # the largest difference in probability rasterising can make
    tolerance_terms: list = field(default_factory=list)  # its parts, for the report's notes


@dataclass
class Grid:
    width: int
    height: int
    geotransform: tuple
    srs: osr.SpatialReference
    nodata: bool  # whether the DEM declares a no-data value

    def extent(self, pads=(0, 0, 0, 0)):
        """-te xmin ymin xmax ymax for gdal_rasterize, grown by pads = (left, top, right, bottom)
        cells."""
        x0, dx, _, y0, _, dy = self.geotransform
        left, top, right, bottom = pads
        return [repr(x0 - left * dx), repr(y0 + (self.height + bottom) * dy), repr(x0 + (self.width + right) * dx),
                repr(y0 - top * dy)]

    def size(self, pads=(0, 0, 0, 0)):
        left, top, right, bottom = pads
        return [str(self.width + left + right), str(self.height + top + bottom)]

    def crop(self, pads):
        """numpy's slice of the grid within a raster grown by pads."""
        left, top = pads[0], pads[1]
        return f"[{top}:{top + self.height}, {left}:{left + self.width}]"

    def cell(self):
        return self.geotransform[1], -self.geotransform[5]

    def pads_to_cover(self, envelope):
        """Cells to add on each side so that the grid holds `envelope` (OGR's minx, maxx, miny,
        maxy), at most the grid's own size on each side (minerisk refuses layers farther out)."""
        x0, dx, _, y0, _, dy = self.geotransform
        minx, maxx, miny, maxy = envelope
        beyond = ((x0 - minx) / dx, (maxy - y0) / -dy, (maxx - x0) / dx - self.width, (y0 - miny) / -dy - self.height)
        limits = (self.width, self.height, self.width, self.height)
        return tuple(min(max(math.ceil(b), 0), limit) for b, limit in zip(beyond, limits))


def read_grid(dem):
    ds = gdal.Open(dem)
    gt = ds.GetGeoTransform()
    srs = osr.SpatialReference(wkt=ds.GetProjection()) if ds.GetProjection() else None
    if srs is None:
        raise ChainError(f"the DEM {dem} has no CRS")
    if srs.IsGeographic():
        raise ChainError(f"the DEM {dem} is in a geographic CRS; the chain (gdaldem, gdal_proximity) needs metres")
    if gt[2] != 0 or gt[4] != 0 or gt[5] >= 0:
        raise ChainError(f"the DEM {dem} is rotated or south-up; the chain needs a north-up grid")
    return Grid(ds.RasterXSize, ds.RasterYSize, gt, srs, ds.GetRasterBand(1).GetNoDataValue() is not None)


def section(scenario, name, base, value_key=None, default=None):
    """A vector input: (path, layer, where, value field, default value), as engine/src/scenario.cpp
    reads it."""
    table = scenario.get(name)
    if table is None:
        raise ChainError(f"the scenario has no [{name}], which its layers need")
    value_field = table.get(f"{value_key}_field", "") if value_key else ""
    return {"path": os.path.join(base, table["path"]), "layer": table.get("layer", ""), "where": table.get("where", ""),
            "field": value_field, "default": float(table.get(value_key, default)) if value_key else default}


def open_layer(vector, grid, role):
    """The OGR layer's name, geometry column and envelope, checked to be in the grid's CRS."""
    ds = ogr.Open(vector["path"])
    layer = ds.GetLayerByName(vector["layer"]) if vector["layer"] else ds.GetLayer(0)
    if layer is None:
        raise ChainError(f"[{role}]: no layer '{vector['layer']}' in {vector['path']}")
    srs = layer.GetSpatialRef()
    if srs is None or not srs.IsSame(grid.srs):
        raise ChainError(f"[{role}]: layer '{layer.GetName()}' is not in the DEM's CRS; the chain does not reproject")
    return layer.GetName(), layer.GetGeometryColumn() or "GEOMETRY", layer.GetExtent()


def quoted(name):
    return '"' + name.replace('"', '""') + '"'


def value_sql(vector, grid, role, value, buffer_m=None):
    """gdal_rasterize arguments burning `value` (SQL of the feature's value `v`) of each feature,
    summed (-add); line features buffered by buffer_m if given (records)."""
    layer, geom, _ = open_layer(vector, grid, role)
    v = f"COALESCE({quoted(vector['field'])}, {vector['default']!r})" if vector["field"] else repr(vector["default"])
    g = quoted(geom)
    if buffer_m is not None:
        g = f"CASE WHEN GeometryType({g}) LIKE '%LINESTRING%' THEN ST_Buffer({g}, {buffer_m!r}) ELSE {g} END"
    where = f" WHERE ({vector['where']})" if vector["where"] else ""
    sql = f"SELECT {g} AS geom, {value.format(v=v)} AS burn FROM {quoted(layer)}{where}"
    return ["-dialect", "SQLite", "-sql", sql, "-a", "burn", "-add", "-init", "0"]


def transform_of(name, spec):
    """(kind, parameters) of a layer's transform, as engine/src/scenario_schema.cpp reads it."""
    t = spec.get("transform", "linear")
    t = {"type": t} if isinstance(t, str) else dict(t)
    kind = t.pop("type", None)
    if kind not in TRANSFORMS:
        raise ChainError(f"model.evidence.{name}: transform '{kind}' is not one the chain does "
                         f"({', '.join(TRANSFORMS)})")
    defaults = {"exp_decay": {"length": 1.0}, "gaussian": {"centre": 0.0, "width": 1.0}, "step": {"threshold": 0.0}}
    return kind, {**defaults.get(kind, {}), **{k: float(v) for k, v in t.items()}}


def transformed(kind, p, x):
    """numpy source for the transform of the array named x."""
    return {"linear": x,
            "log1p": f"np.log1p({x})",
            "exp_decay": f"np.exp(-{x} / {p.get('length')!r})",
            "gaussian": f"np.exp(-0.5 * (({x} - {p.get('centre')!r}) / {p.get('width')!r}) ** 2)",
            "step": f"np.where(np.isnan({x}), np.nan, {x} >= {p.get('threshold')!r})"}[kind]


def add_tolerance(chain, name, feature, kind, params, weight, grid):
    """Adds the layer's bound on the log-odds error of the chain's rasterising to chain.tolerance,
    in probability (the logistic's slope is at most 1/4). Each cell centre is within half a cell
    diagonal (d) of what the chain burns: a front line touching its cell (-at), a find snapped to
    its cell's centre. A distance is then off by at most d, so the term by at most |w| d max|t'|.
    A find moved by d changes its kernel by a factor within exp(+-(r d / h^2 + d^2 / 2h^2)), r at
    most 4 sqrt(2) h inside the truncation square: log1p of the density moves by at most the
    exponent. Slope (gdaldem, bit for bit), records and clearance (the same cell-centre rule)
    add nothing beyond float rounding."""
    d = 0.5 * math.hypot(*grid.cell())
    slope_of = {"linear": 1.0, "log1p": 1.0, "exp_decay": 1.0 / params.get("length", 1.0),
                "gaussian": math.exp(-0.5) / params.get("width", 1.0), "step": math.inf}
    if feature == "front_line_distance":
        bound = abs(weight) * slope_of[kind] * d
        why = f"|w| d max|t'| = {abs(weight):g} x {d:.2f} m x {slope_of[kind]:.3g}"
    elif feature == "find_density":
        h = params["bandwidth"]
        if kind == "log1p":
            bound, why = abs(weight) * (4 * math.sqrt(2) * d / h + d * d / (2 * h * h)), \
                f"|w| (4 sqrt(2) d / h + d^2 / 2h^2), h = {h:g} m"
        else:
            bound, why = math.inf, f"{kind} of a density: no bound; give --tolerance"
    else:
        return
    chain.tolerance += 0.25 * bound
    chain.tolerance_terms.append(f"{name}: {0.25 * bound:.3g} ({why}, / 4)")


COMBINE_HEAD = '''#!/usr/bin/python3
"""The combine of {title}, as an analyst writes it by hand: read the rasters chain.sh made,
smooth the finds, add up the model's terms, write the probability. Generated by
bench/compare_pipeline from {scenario}."""
import numpy as np
from osgeo import gdal
from scipy import ndimage, special

gdal.UseExceptions()


def read(path):
    """Band 1, whole, with its no-data as NaN."""
    ds = gdal.Open(path)
    band = ds.GetRasterBand(1)
    data = band.ReadAsArray()
    nodata = band.GetNoDataValue()
    if nodata is not None:
        data[data == nodata] = np.nan
    return data


log_odds = np.full(({height}, {width}), {intercept!r})  # double, as minerisk sums the terms
'''

COMBINE_TAIL = '''
probability = special.expit(log_odds).astype(np.float32)
out = gdal.GetDriverByName("netCDF").Create("{output}", {width}, {height}, 1, gdal.GDT_Float32,
                                            ["FORMAT=NC4", "COMPRESS=DEFLATE", "ZLEVEL={level}"])
out.SetGeoTransform({geotransform!r})
out.SetProjection({wkt!r})
band = out.GetRasterBand(1)
band.SetNoDataValue(float("nan"))
band.WriteArray(probability)
out = None
'''


def build(scenario_path, folder):
    """Writes chain.sh and combine.py for the scenario into `folder` and returns the Chain."""
    scenario_path = os.path.abspath(scenario_path)
    base = os.path.dirname(scenario_path)
    with open(scenario_path, "rb") as f:
        scenario = tomllib.load(f)
    if "grid" in scenario:
        raise ChainError("[grid]: the chain works on the DEM's own grid; a scenario with [grid] is not supported")
    dem = os.path.join(base, scenario["terrain"]["dem"])
    grid = read_grid(dem)
    model = scenario["model"]
    chain = Chain(folder, "chain_probability.nc", grid.width * grid.height)
    code = [COMBINE_HEAD.format(title=scenario.get("title", "the scenario"), scenario=scenario_path, width=grid.width,
                                height=grid.height, intercept=float(model["intercept"]))]
    rasterise = ["gdal_rasterize", "-q", "-te", *grid.extent(), "-ts", *grid.size()]
    done = {}  # a raster made once, whichever layers read it

    def once(key, make):
        if key not in done:
            done[key] = make()
        return done[key]

    def slope():
        chain.steps.append(Step("gdaldem slope", ["gdaldem", "slope", "-q", "-compute_edges", dem, "slope.tif"]))
        chain.summary.append("`gdaldem slope -compute_edges` on the DEM")
        return "slope.tif"

    def distance(where):
        k = len(done)
        lines = section(scenario, "front_lines", base)
        layer, _, envelope = open_layer(lines, grid, "front_lines")
        where = where or lines["where"]  # a layer's own filter replaces the section's, as in the engine
        pads = grid.pads_to_cover(envelope)  # the lines' parts outside the grid are near its edge cells
        burn = ["gdal_rasterize", "-q", "-te", *grid.extent(pads), "-ts", *grid.size(pads), "-burn", "1", "-at",
                "-ot", "Byte", "-init", "0", "-l", layer] + (["-where", where] if where else [])
        chain.steps.append(Step("gdal_rasterize front lines", burn + [lines["path"], f"lines_{k}.tif"]))
        chain.steps.append(Step("gdal_proximity", ["gdal_proximity.py", "-q", "-distunits", "GEO", "-ot", "Float32",
                                                   f"lines_{k}.tif", f"distance_{k}.tif"]))
        chain.summary.append("front lines burned by `gdal_rasterize -at` (every cell a line touches) on the grid "
                             f"grown to hold them ({'/'.join(map(str, pads))} cells left/top/right/bottom), "
                             "metres to them by `gdal_proximity.py -distunits GEO`")
        return f"distance_{k}.tif", pads

    def counts(where, bandwidth):
        k = len(done)
        finds = section(scenario, "finds", base, "count", 1.0)
        finds["where"] = where or finds["where"]
        pad = math.ceil(TRUNCATE * bandwidth / min(grid.cell()))  # finds this far outside still count
        pads = (pad,) * 4
        burn = ["gdal_rasterize", "-q", "-te", *grid.extent(pads), "-ts", *grid.size(pads), "-ot", "Float32"]
        chain.steps.append(Step("gdal_rasterize finds", burn + value_sql(finds, grid, "finds", "{v}") +
                                [finds["path"], f"counts_{k}.tif"]))
        chain.summary.append(f"finds' counts summed per cell by `gdal_rasterize -add` on the grid grown by {pad} "
                             "cells, smoothed by `scipy.ndimage.gaussian_filter` in combine.py")
        return f"counts_{k}.tif", pads

    def log_miss(role, value_key, default, buffer_m=None):
        vector = section(scenario, role, base, value_key, default)
        burn = rasterise + ["-ot", "Float64"] + value_sql(vector, grid, role, "ln(max(1.0 - {v}, 1e-300))", buffer_m)
        chain.steps.append(Step(f"gdal_rasterize {role}", burn + [vector["path"], f"{role}_log_miss.tif"]))
        chain.summary.append(f"{role}: ln(1 - {value_key}) of each polygon summed per cell by `gdal_rasterize -add`"
                             + (f" (lines buffered by {buffer_m:g} m)" if buffer_m else ""))
        return f"{role}_log_miss.tif"

    cell_x, cell_y = grid.cell()
    for name, spec in model.get("evidence", {}).items():
        feature = spec.get("feature")
        if feature not in SUPPORTED:
            raise ChainError(f"model.evidence.{name}: feature '{feature}' is not one the chain does "
                             f"({', '.join(SUPPORTED)})")
        if spec.get("signed"):
            raise ChainError(f"model.evidence.{name}: signed distances are not in the chain")
        unknown = set(spec) - {"feature", "weight", "transform", "effect", "bandwidth", "where", "signed"}
        if unknown:
            raise ChainError(f"model.evidence.{name}: key(s) {', '.join(sorted(unknown))} are not in the chain")
        kind, params = transform_of(name, spec)
        weight = float(spec["weight"])
        where = spec.get("where")
        code.append(f"\n# {name}: {feature}, weight {weight!r}, transform {kind} {params or ''}".rstrip())
        if feature == "slope":
            x = f'read("{once("slope", slope)}")'
        elif feature == "front_line_distance":
            path, pads = once(("distance", where), lambda: distance(where))
            x = f'read("{path}"){grid.crop(pads)}'
        elif feature == "find_density":
            h = float(spec["bandwidth"])
            path, pads = once(("counts", where, h), lambda: counts(where, h))
            code.append(f'density = ndimage.gaussian_filter(read("{path}"), sigma=({h / cell_y!r}, {h / cell_x!r}), '
                        f'mode="constant", truncate={TRUNCATE!r})')
            code.append(f"density = density{grid.crop(pads)} * {1e6 / (cell_x * cell_y)!r}  # per km2")
            x = "density"
        else:  # record_coverage
            buffer_m = float(scenario.get("records", {}).get("line_buffer", 25.0))
            path = once("records", lambda: log_miss("records", "reliability", 0.25, buffer_m))
            code.append(f'coverage = -np.expm1(read("{path}"))')
            x = "coverage"
        code.append(f"log_odds += {weight!r} * {transformed(kind, params, x)}")
        params["bandwidth"] = float(spec.get("bandwidth", 0))
        add_tolerance(chain, name, feature, kind, params, weight, grid)
    if "cleared" in scenario:
        code.append("\n# [cleared]: p(1 - POD) / (1 - p POD), i.e. log-odds + log(1 - POD)")
        code.append(f'log_odds += read("{log_miss("cleared", "pod", 0.9)}")')
    if grid.nodata and "slope" not in done:
        code.append(f'\nlog_odds[np.isnan(read("{dem}"))] = np.nan  # the DEM\'s no-data')
    code.append(COMBINE_TAIL.format(output=chain.output, width=grid.width, height=grid.height, level=DEFLATE_LEVEL,
                                    geotransform=tuple(grid.geotransform), wkt=grid.srs.ExportToWkt()))
    with open(os.path.join(folder, "combine.py"), "w") as f:
        f.write("\n".join(code))
    chain.steps.append(Step("combine.py (numpy, scipy, netCDF write)", [PYTHON, "combine.py"]))
    chain.summary.append(f"combine.py: the terms added in double, scipy's expit, the probability written by GDAL's "
                         f"netCDF driver (FORMAT=NC4, COMPRESS=DEFLATE, ZLEVEL={DEFLATE_LEVEL})")
    with open(os.path.join(folder, "chain.sh"), "w") as f:
        f.write("#!/bin/sh\n# The analyst's chain, written by bench/compare_pipeline.\nset -e\n")
        f.write('cd "$(dirname "$0")"\n')
        f.write("".join(shlex.join(step.argv) + "\n" for step in chain.steps))
    return chain
