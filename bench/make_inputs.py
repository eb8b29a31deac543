#!/usr/bin/python3
"""Write the inputs of the peer comparison (bench/compare_peers): a DEM, a mask of line and
point features, a point layer of finds and those finds counted per cell, all on one grid of
10 m cells in EPSG:32638 (UTM 38N).

Deterministic for a seed. The rasters are tiled and uncompressed, so that no tool pays for
decompression. Skips the work when the folder already holds the inputs of the same seed and
size (its inputs.json says so); --force regenerates. Run with Debian's python3:

    /usr/bin/python3 bench/make_inputs.py --out out/bench --size 8192
"""
import argparse
import json
import os
import sys
import time

import numpy as np
from osgeo import gdal, ogr

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), os.pardir, "datasets"))
import generate_sample  # noqa: E402  (make_dem, wiggly_line and srs are reused from the sample region)

gdal.UseExceptions()
ogr.UseExceptions()

CELL = 10.0  # metres
ORIGIN_X, ORIGIN_Y = 600000.0, 4500000.0  # top-left corner, metres
RASTER_OPTIONS = ["TILED=YES", "BLOCKXSIZE=512", "BLOCKYSIZE=512"]  # no COMPRESS: uncompressed

N_LINES = 6
N_SINGLE_CELLS = 2000
N_FINDS = 55_000
NEAR_LINE_SHARE = 0.8  # the rest are uniform over the grid
NEAR_LINE_SD = 300.0  # metres, the spread of the finds around the lines

FILES = ("dem.tif", "mask.tif", "finds.gpkg", "counts.tif")
STAMP = "inputs.json"


class Grid:
    """The common grid: size x size cells of CELL metres, top-left corner at the origin."""

    def __init__(self, size):
        self.size = size
        self.extent = size * CELL
        self.x0, self.y1 = ORIGIN_X, ORIGIN_Y
        self.x1, self.y0 = ORIGIN_X + self.extent, ORIGIN_Y - self.extent

    def geotransform(self):
        return (self.x0, CELL, 0.0, self.y1, 0.0, -CELL)

    def cells(self, x, y):
        """Row and column of each point; either may fall outside [0, size)."""
        return np.floor((self.y1 - y) / CELL).astype(np.int64), np.floor((x - self.x0) / CELL).astype(np.int64)

    def inside(self, x, y):
        row, col = self.cells(x, y)
        return (row >= 0) & (row < self.size) & (col >= 0) & (col < self.size)


def write_raster(path, grid, array, gdal_type, nodata=None):
    ds = gdal.GetDriverByName("GTiff").Create(path, grid.size, grid.size, 1, gdal_type, RASTER_OPTIONS)
    ds.SetGeoTransform(grid.geotransform())
    ds.SetProjection(generate_sample.srs().ExportToWkt())
    band = ds.GetRasterBand(1)
    if nodata is not None:
        band.SetNoDataValue(nodata)
    band.WriteArray(array)
    ds = None  # closes and flushes


def make_lines(rng, grid):
    """N_LINES wiggly polylines crossing the grid, alternately north-south and west-east."""
    lines = []
    for k in range(N_LINES):
        u, v = rng.uniform(0.1, 0.9, 2) * grid.extent
        if k % 2 == 0:
            start, end = (grid.x0 + u, grid.y1), (grid.x0 + v, grid.y0)
        else:
            start, end = (grid.x0, grid.y0 + u), (grid.x1, grid.y0 + v)
        lines.append(generate_sample.wiggly_line(rng, start, end, 200, 0.06 * grid.extent))
    return lines


def make_mask(rng, grid, lines):
    """1 on the cells the lines touch and on N_SINGLE_CELLS random cells, 0 elsewhere."""
    target = gdal.GetDriverByName("MEM").Create("", grid.size, grid.size, 1, gdal.GDT_Byte)
    target.SetGeoTransform(grid.geotransform())
    source = ogr.GetDriverByName("Memory").CreateDataSource("")
    layer = source.CreateLayer("lines", generate_sample.srs(), ogr.wkbLineString)
    for line in lines:
        feature = ogr.Feature(layer.GetLayerDefn())
        feature.SetGeometry(ogr.CreateGeometryFromWkt(generate_sample.line_wkt(line)))
        layer.CreateFeature(feature)
    # ALL_TOUCHED: a line is a 4-connected chain of cells, as a digitised front line would be.
    gdal.RasterizeLayer(target, [1], layer, burn_values=[1], options=["ALL_TOUCHED=TRUE"])
    mask = target.GetRasterBand(1).ReadAsArray()
    rows, cols = rng.integers(0, grid.size, (2, N_SINGLE_CELLS))
    mask[rows, cols] = 1
    return mask


def points_near_lines(rng, lines, n):
    """n points at uniform positions along the lines (a line chosen in proportion to its
    length), moved by a normal offset of NEAR_LINE_SD metres in x and y."""
    arcs = [np.concatenate([[0.0], np.cumsum(np.hypot(*np.diff(line, axis=0).T))]) for line in lines]
    lengths = np.array([arc[-1] for arc in arcs])
    which = rng.choice(len(lines), n, p=lengths / lengths.sum())
    x, y = np.empty(n), np.empty(n)
    for k, (line, arc) in enumerate(zip(lines, arcs)):
        chosen = which == k
        s = rng.uniform(0.0, arc[-1], chosen.sum())
        x[chosen], y[chosen] = np.interp(s, arc, line[:, 0]), np.interp(s, arc, line[:, 1])
    return x + rng.normal(0.0, NEAR_LINE_SD, n), y + rng.normal(0.0, NEAR_LINE_SD, n)


def draw_inside(grid, draw, n):
    """n points from draw(k) -> (x, y) that fall inside the grid, redrawing those that fall
    outside (clipping them would pile points up on the edges)."""
    xs, ys, have = [], [], 0
    while have < n:
        x, y = draw(n - have)
        keep = grid.inside(x, y)
        xs.append(x[keep])
        ys.append(y[keep])
        have += keep.sum()
    return np.concatenate(xs), np.concatenate(ys)


def make_finds(rng, grid, lines):
    n_near = round(N_FINDS * NEAR_LINE_SHARE)
    near_x, near_y = draw_inside(grid, lambda k: points_near_lines(rng, lines, k), n_near)
    far_x, far_y = draw_inside(grid, lambda k: (rng.uniform(grid.x0, grid.x1, k), rng.uniform(grid.y0, grid.y1, k)),
                               N_FINDS - n_near)
    return np.concatenate([near_x, far_x]), np.concatenate([near_y, far_y])


def write_finds(path, x, y):
    if os.path.exists(path):
        os.remove(path)
    ds = ogr.GetDriverByName("GPKG").CreateDataSource(path)
    layer = ds.CreateLayer("finds", generate_sample.srs(), ogr.wkbPoint)
    layer.CreateField(ogr.FieldDefn("count", ogr.OFTInteger))
    defn = layer.GetLayerDefn()
    layer.StartTransaction()  # one transaction: per-feature commits would take minutes
    for px, py in zip(x, y):
        point = ogr.Geometry(ogr.wkbPoint)
        point.AddPoint_2D(float(px), float(py))
        feature = ogr.Feature(defn)
        feature.SetGeometry(point)
        feature.SetField("count", 1)
        layer.CreateFeature(feature)
    layer.CommitTransaction()
    ds = None


def count_per_cell(grid, x, y):
    row, col = grid.cells(x, y)
    counts = np.bincount(row * grid.size + col, minlength=grid.size * grid.size)
    return counts.reshape(grid.size, grid.size).astype(np.float32)


def stamp_of(seed, size):
    return {"seed": seed, "size": size, "cell": CELL, "origin": [ORIGIN_X, ORIGIN_Y], "finds": N_FINDS}


def is_current(out, seed, size):
    stamp = os.path.join(out, STAMP)
    if not all(os.path.exists(os.path.join(out, name)) for name in FILES + (STAMP,)):
        return False
    with open(stamp) as f:
        return json.load(f) == stamp_of(seed, size)


def generate(out, seed, size):
    os.makedirs(out, exist_ok=True)
    stamp = os.path.join(out, STAMP)
    if os.path.exists(stamp):
        os.remove(stamp)  # written last, so an interrupted run is never taken as current
    rng = np.random.default_rng(seed)
    grid = Grid(size)
    start = time.perf_counter()

    def report(name, what):
        print(f"  {name:<11} {what:<44} {time.perf_counter() - start:6.1f} s", flush=True)

    write_raster(os.path.join(out, "dem.tif"), grid, generate_sample.make_dem(rng, size, CELL), gdal.GDT_Float32,
                 nodata=-9999.0)
    report("dem.tif", f"{size} x {size} float32, no-data -9999")

    lines = make_lines(rng, grid)
    mask = make_mask(rng, grid, lines)
    write_raster(os.path.join(out, "mask.tif"), grid, mask, gdal.GDT_Byte)
    report("mask.tif", f"Byte, {mask.sum()} feature cells ({100.0 * mask.mean():.2f} %)")
    del mask

    x, y = make_finds(rng, grid, lines)
    write_finds(os.path.join(out, "finds.gpkg"), x, y)
    report("finds.gpkg", f"layer finds, {len(x)} points, count = 1")

    counts = count_per_cell(grid, x, y)
    write_raster(os.path.join(out, "counts.tif"), grid, counts, gdal.GDT_Float32)
    report("counts.tif", f"float32, finds per cell, max {counts.max():g}")

    with open(stamp, "w") as f:
        json.dump(stamp_of(seed, size), f)
    return time.perf_counter() - start


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", default="out/bench", help="folder to write into (default out/bench)")
    parser.add_argument("--seed", type=int, default=11, help="random seed (default 11)")
    parser.add_argument("--size", type=int, default=8192, help="cells along each side (default 8192)")
    parser.add_argument("--force", action="store_true", help="regenerate even if the inputs are current")
    args = parser.parse_args(argv)
    if args.size < 64:
        parser.error("--size must be at least 64")
    if not args.force and is_current(args.out, args.seed, args.size):
        print(f"inputs in {args.out} are current (seed {args.seed}, {args.size} x {args.size}); --force regenerates")
        return 0
    print(f"writing inputs into {args.out} (seed {args.seed}, {args.size} x {args.size} cells of {CELL:g} m):")
    seconds = generate(args.out, args.seed, args.size)
    print(f"inputs written in {seconds:.1f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
