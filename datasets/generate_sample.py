#!/usr/bin/env python3
"""Write a small synthetic post-conflict region: a DEM, front lines, finds, cleared areas and
minefield records, plus a scenario.toml that runs it with `minerisk run`.

Deterministic for a seed. The region is plausible, not realistic: the realistic generator with
its hidden truth is its own piece of work (see the datasets issue). Run with Debian's python3:

    /usr/bin/python3 datasets/generate_sample.py --out out/sample --seed 7 --size 1024
"""
import argparse
import math
import os
import sys

import numpy as np
from osgeo import gdal, ogr, osr

gdal.UseExceptions()
ogr.UseExceptions()

EPSG = 32638  # WGS 84 / UTM zone 38N, which covers Karabakh
ORIGIN_X, ORIGIN_Y = 640000.0, 4420000.0  # top-left corner, metres


def fractal_field(rng, size, beta):
    """Random field with a 1/f^beta power spectrum, scaled to [0, 1]."""
    noise = rng.standard_normal((size, size))
    fy = np.fft.fftfreq(size)[:, None]
    fx = np.fft.rfftfreq(size)[None, :]
    f = np.sqrt(fx * fx + fy * fy)
    f[0, 0] = 1.0
    spectrum = np.fft.rfft2(noise) / f ** (beta / 2.0)
    spectrum[0, 0] = 0.0
    field = np.fft.irfft2(spectrum, s=(size, size))
    return (field - field.min()) / (field.max() - field.min())


def make_dem(rng, size, cell):
    rows, cols = np.mgrid[0:size, 0:size] / float(size)
    # Mountains in the south-west grading to lowland in the north-east, with rough relief.
    base = 450.0 + 900.0 * np.clip(0.55 * (rows + (1.0 - cols)), 0, None) ** 1.5
    relief = 380.0 * fractal_field(rng, size, 3.2)
    dem = (base + relief).astype(np.float32)
    # A few no-data cells in a corner (a reservoir mask), so no-data handling is exercised.
    dem[: size // 32, : size // 32] = -9999.0
    return dem


def wiggly_line(rng, start, end, n, amplitude):
    """A polyline from start to end with a smooth random lateral displacement."""
    t = np.linspace(0.0, 1.0, n)
    sx, sy = start
    ex, ey = end
    dx, dy = ex - sx, ey - sy
    length = math.hypot(dx, dy)
    nx, ny = -dy / length, dx / length
    offset = np.zeros(n)
    for k in range(1, 5):
        offset += rng.normal(0, amplitude / k) * np.sin(math.pi * k * t + rng.uniform(0, math.pi))
    offset *= np.sin(math.pi * t)  # pinned at the ends
    return np.column_stack([sx + t * dx + offset * nx, sy + t * dy + offset * ny])


def distance_to_polyline(px, py, line):
    best = np.full(px.shape, np.inf)
    for (ax, ay), (bx, by) in zip(line[:-1], line[1:]):
        vx, vy = bx - ax, by - ay
        t = np.clip(((px - ax) * vx + (py - ay) * vy) / (vx * vx + vy * vy), 0, 1)
        best = np.minimum(best, np.hypot(px - (ax + t * vx), py - (ay + t * vy)))
    return best


def srs():
    s = osr.SpatialReference()
    s.ImportFromEPSG(EPSG)
    return s


def write_dem(path, dem, cell):
    driver = gdal.GetDriverByName("GTiff")
    ds = driver.Create(path, dem.shape[1], dem.shape[0], 1, gdal.GDT_Float32,
                       ["TILED=YES", "COMPRESS=DEFLATE", "PREDICTOR=3"])
    ds.SetGeoTransform((ORIGIN_X, cell, 0.0, ORIGIN_Y, 0.0, -cell))
    ds.SetProjection(srs().ExportToWkt())
    band = ds.GetRasterBand(1)
    band.SetNoDataValue(-9999.0)
    band.WriteArray(dem)
    ds = None


def create_layer(ds, name, geom_type, fields):
    layer = ds.CreateLayer(name, srs(), geom_type)
    for field_name, field_type in fields:
        layer.CreateField(ogr.FieldDefn(field_name, field_type))
    return layer


def add_feature(layer, geometry_wkt, **attributes):
    feature = ogr.Feature(layer.GetLayerDefn())
    feature.SetGeometry(ogr.CreateGeometryFromWkt(geometry_wkt))
    for key, value in attributes.items():
        feature.SetField(key, value)
    layer.CreateFeature(feature)


def line_wkt(points):
    return "LINESTRING (" + ", ".join(f"{x:.2f} {y:.2f}" for x, y in points) + ")"


def polygon_wkt(points):
    ring = list(points) + [points[0]]
    return "POLYGON ((" + ", ".join(f"{x:.2f} {y:.2f}" for x, y in ring) + "))"


def rotated_rectangle(cx, cy, w, h, angle):
    c, s = math.cos(angle), math.sin(angle)
    corners = [(-w / 2, -h / 2), (w / 2, -h / 2), (w / 2, h / 2), (-w / 2, h / 2)]
    return [(cx + x * c - y * s, cy + x * s + y * c) for x, y in corners]


def generate(out, seed, size, cell):
    rng = np.random.default_rng(seed)
    os.makedirs(out, exist_ok=True)
    extent = size * cell
    x0, y1 = ORIGIN_X, ORIGIN_Y
    y0 = y1 - extent

    dem = make_dem(rng, size, cell)
    write_dem(os.path.join(out, "dem.tif"), dem, cell)

    # Front lines: a line of contact held 1994-2020 running north-south, and a line of the
    # short 2020 war further east.
    contact = wiggly_line(rng, (x0 + 0.42 * extent, y1), (x0 + 0.38 * extent, y0), 60, 0.08 * extent)
    war_2020 = wiggly_line(rng, (x0 + 0.70 * extent, y1), (x0 + 0.62 * extent, y0), 40, 0.05 * extent)

    gpkg = os.path.join(out, "region.gpkg")
    if os.path.exists(gpkg):
        os.remove(gpkg)
    ds = ogr.GetDriverByName("GPKG").CreateDataSource(gpkg)
    lines = create_layer(ds, "front_lines", ogr.wkbLineString,
                         [("name", ogr.OFTString), ("start_date", ogr.OFTString), ("end_date", ogr.OFTString),
                          ("weight", ogr.OFTReal)])
    add_feature(lines, line_wkt(contact), name="line of contact", start_date="1994-05-12", end_date="2020-09-27",
                weight=1.0)
    add_feature(lines, line_wkt(war_2020), name="2020 front", start_date="2020-09-27", end_date="2020-11-10",
                weight=0.5)

    # Finds: concentrated within a few hundred metres of the lines, fewer on steep ground.
    n_candidates = 20000
    px = rng.uniform(x0, x0 + extent, n_candidates)
    py = rng.uniform(y0, y1, n_candidates)
    d_contact = distance_to_polyline(px, py, contact)
    d_war = distance_to_polyline(px, py, war_2020)
    col = np.clip(((px - x0) / cell).astype(int), 0, size - 1)
    row = np.clip(((y1 - py) / cell).astype(int), 0, size - 1)
    gy, gx = np.gradient(dem.astype(np.float64), cell)
    slope = np.degrees(np.arctan(np.hypot(gx, gy)))[row, col]
    intensity = 0.5 * np.exp(-d_contact / 250.0) + 0.2 * np.exp(-d_war / 400.0) + 0.002
    intensity *= np.exp(-np.clip(slope, 0, 60) / 25.0)
    keep = rng.uniform(0, 1, n_candidates) < intensity
    keep &= dem[row, col] > -9000
    finds = create_layer(ds, "finds", ogr.wkbPoint,
                         [("item", ogr.OFTString), ("count", ogr.OFTInteger), ("found_on", ogr.OFTString)])
    items = np.array(["AP mine", "AT mine", "UXO"])
    for x, y, item, count in zip(px[keep], py[keep], rng.choice(items, keep.sum(), p=[0.5, 0.2, 0.3]),
                                 rng.integers(1, 4, keep.sum())):
        add_feature(finds, f"POINT ({x:.2f} {y:.2f})", item=str(item), count=int(count), found_on="2021-06-01")

    # Cleared areas: rectangles along the line of contact, each with its probability of detection.
    cleared = create_layer(ds, "cleared", ogr.wkbPolygon, [("pod", ogr.OFTReal), ("method", ogr.OFTString)])
    for k in range(12):
        i = rng.integers(5, len(contact) - 5)
        cx, cy = contact[i] + rng.normal(0, 150, 2)
        rect = rotated_rectangle(cx, cy, rng.uniform(200, 600), rng.uniform(150, 400), rng.uniform(0, math.pi))
        add_feature(cleared, polygon_wkt(rect), pod=float(rng.uniform(0.7, 0.98)),
                    method=str(rng.choice(["manual", "mechanical", "dogs"])))

    # Minefield records: polygons near the lines, of doubtful reliability.
    records = create_layer(ds, "records", ogr.wkbPolygon, [("reliability", ogr.OFTReal), ("source", ogr.OFTString)])
    for k in range(10):
        line = contact if k % 3 else war_2020
        i = rng.integers(3, len(line) - 3)
        cx, cy = line[i] + rng.normal(0, 300, 2)
        rect = rotated_rectangle(cx, cy, rng.uniform(300, 900), rng.uniform(60, 200), rng.uniform(0, math.pi))
        attrs = {"source": "handed-over map"}
        if k % 4:
            attrs["reliability"] = 0.25
        add_feature(records, polygon_wkt(rect), **attrs)
    ds = None

    with open(os.path.join(out, "scenario.toml"), "w") as f:
        f.write(SCENARIO.format(seed=seed, size=size, cell=cell))
    return int(keep.sum())


SCENARIO = """# Sample region, generated by datasets/generate_sample.py (seed {seed}, {size} x {size} cells of {cell} m).
title = "minerisk sample region (seed {seed})"

[terrain]
dem = "dem.tif"

[front_lines]
path = "region.gpkg"
layer = "front_lines"

[finds]
path = "region.gpkg"
layer = "finds"
count_field = "count"

[cleared]
path = "region.gpkg"
layer = "cleared"
pod_field = "pod"

[records]
path = "region.gpkg"
layer = "records"
reliability_field = "reliability"
reliability = 0.25

[model]
intercept = -5.0

[model.evidence.slope]
feature = "slope"
weight = -0.04
transform = "linear"

[model.evidence.front_lines]
feature = "front_line_distance"
weight = 3.5
transform = {{ type = "exp_decay", length = 400.0 }}

[model.evidence.finds]
feature = "find_density"
bandwidth = 250.0
weight = 0.9
transform = "log1p"

[model.evidence.records]
feature = "record_coverage"
weight = 2.0
transform = "linear"
"""


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", required=True, help="folder to write into (created if needed)")
    parser.add_argument("--seed", type=int, default=7, help="random seed (default 7)")
    parser.add_argument("--size", type=int, default=1024, help="cells along each side (default 1024)")
    parser.add_argument("--cell", type=float, default=10.0, help="cell size in metres (default 10)")
    args = parser.parse_args(argv)
    if args.size < 16:
        parser.error("--size must be at least 16")
    n = generate(args.out, args.seed, args.size, args.cell)
    print(f"sample region: {args.size} x {args.size} cells of {args.cell:g} m, {n} finds, in {args.out}")


if __name__ == "__main__":
    sys.exit(main())
