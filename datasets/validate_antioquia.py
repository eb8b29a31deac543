#!/usr/bin/python3
"""Leave-one-municipality-out validation of minerisk on the real RELand grid of eastern Antioquia.

Used as a user of minerisk would: for each municipality in turn, the known positive and negative
cells of the *other* municipalities become finds and cleared-without-finds land; minerisk builds
its evidence layers from them (density of finds and of cleared land, distances to both, slope and
ruggedness of the grid's elevation) together with the grid's own features, fits the weights
(`minerisk fit`), and predicts the held-out municipality (`minerisk run`). Nothing built from
labels sees the held-out municipality. The held-out predictions of all 19 are pooled into ROC-AUC
and PR-AUC, printed beside the RELand study's tabular models on the same data.

    /usr/bin/python3 datasets/validate_antioquia.py [--minerisk build/engine/minerisk] [--keep DIR]
"""
import argparse
import json
import os
import subprocess
import sys
import tempfile

import numpy as np
from osgeo import gdal, ogr, osr
from sklearn.metrics import average_precision_score, roc_auc_score

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import import_antioquia  # noqa: E402

gdal.UseExceptions()
ogr.UseExceptions()
REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
# ROC-AUC / PR-AUC in percent, from ../shared/data/reland-antioquia/README.md (same data).
BASELINES = {"scikit-learn logistic regression": (59.2, 39.8), "gradient boosting": (67.4, 37.2)}
BANDWIDTH_M = 2000.0  # about two cells of the 1 km lattice


def read(path):
    ds = gdal.Open(path)
    return ds.GetRasterBand(1).ReadAsArray().astype(np.float64), ds.GetGeoTransform()


def informative_features(grid_dir, training):
    """The grid's feature rasters that vary over the training cells (constant ones cannot be fitted),
    each with its transform: log1p for counts and distances (long-tailed, never negative), linear
    for the rest (one-hot classes, the wealth index)."""
    names = []
    for name in sorted(os.listdir(os.path.join(grid_dir, "features"))):
        values, _ = read(os.path.join(grid_dir, "features", name))
        v = values[training]
        if name != "elevation.tif" and np.nanmax(v) > np.nanmin(v):
            names.append((name, "log1p" if np.nanmin(v) >= 0 and np.nanmax(v) > 1 else "linear"))
    return names


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


def write_labels(path, label, municipality, geotransform, held_out):
    """Training finds (points) and cleared land (cell squares), outside the held-out municipality."""
    srs = osr.SpatialReference()
    srs.ImportFromEPSG(4326)
    ds = ogr.GetDriverByName("GPKG").CreateDataSource(path)
    points = ds.CreateLayer("labels", srs, ogr.wkbPoint)
    points.CreateField(ogr.FieldDefn("kind", ogr.OFTString))
    squares = ds.CreateLayer("cleared", srs, ogr.wkbPolygon)
    squares.CreateField(ogr.FieldDefn("pod", ogr.OFTReal))
    x0, dx, _, y0, _, dy = geotransform
    rows, cols = np.nonzero(np.isfinite(label) & (municipality != held_out) & (municipality > 0))
    for r, c in zip(rows, cols):
        x, y = x0 + (c + 0.5) * dx, y0 + (r + 0.5) * dy
        f = ogr.Feature(points.GetLayerDefn())
        f.SetGeometry(ogr.CreateGeometryFromWkt(f"POINT ({x!r} {y!r})"))
        f.SetField("kind", "find" if label[r, c] == 1 else "negative")
        points.CreateFeature(f)
        if label[r, c] == 0:
            h, k = 0.45 * dx, -0.45 * dy  # a square inside the cell: its centre is covered
            s = ogr.Feature(squares.GetLayerDefn())
            s.SetGeometry(ogr.CreateGeometryFromWkt(
                f"POLYGON (({x - h!r} {y - k!r}, {x + h!r} {y - k!r}, {x + h!r} {y + k!r}, {x - h!r} {y + k!r}, "
                f"{x - h!r} {y - k!r}))"))
            s.SetField("pod", 0.9)
            squares.CreateFeature(s)
    ds = None


def scenario(grid_dir, labels_gpkg, features):
    layers = [f'''
[model.evidence.find_density]
feature = "find_density"
bandwidth = {BANDWIDTH_M}
weight = 0
transform = "log1p"

[model.evidence.cleared_density]
feature = "find_density"
where = "kind = 'negative'"
bandwidth = {BANDWIDTH_M}
weight = 0
transform = "log1p"

[model.evidence.distance_to_finds]
feature = "vector_distance"
path = "{labels_gpkg}"
layer = "labels"
where = "kind = 'find'"
weight = 0
transform = "log1p"

[model.evidence.distance_to_cleared]
feature = "vector_distance"
path = "{labels_gpkg}"
layer = "labels"
where = "kind = 'negative'"
weight = 0
transform = "log1p"

[model.evidence.slope]
feature = "slope"
weight = 0

[model.evidence.ruggedness]
feature = "ruggedness"
weight = 0
''']
    for name, transform in features:
        key = "grid_" + os.path.splitext(name)[0].lower()
        layers.append(f'''
[model.evidence.{key}]
feature = "raster"
path = "{os.path.join(grid_dir, "features", name)}"
weight = 0
transform = "{transform}"
''')
    return f'''title = "Antioquia, leave one municipality out"

[terrain]
dem = "{os.path.join(grid_dir, "features", "elevation.tif")}"

[finds]
path = "{labels_gpkg}"
layer = "labels"
where = "kind = 'find'"

[cleared]
path = "{labels_gpkg}"
layer = "cleared"
pod_field = "pod"

[model]
intercept = 0
{"".join(layers)}'''


def minerisk(binary, *args):
    result = subprocess.run([binary, *map(str, args)], capture_output=True, text=True)
    if result.returncode != 0:
        sys.exit(f"validate_antioquia: minerisk {args[0]} failed: {result.stderr.strip()}")
    return result.stdout


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--minerisk", default=os.path.join(REPO, "build", "engine", "minerisk"))
    parser.add_argument("--csv", default=str(import_antioquia.DEFAULT_CSV), help="the RELand grid CSV")
    parser.add_argument("--keep", help="folder to keep the work in (default: a temporary one)")
    args = parser.parse_args(argv)
    work = args.keep or tempfile.mkdtemp(prefix="antioquia_")
    os.makedirs(work, exist_ok=True)
    grid_dir = os.path.join(work, "grid")
    import_args = ["--out", grid_dir] + (["--csv", args.csv] if args.csv else [])
    if import_antioquia.main(import_args) not in (0, None):
        return 2
    label, gt = read(os.path.join(grid_dir, "label.tif"))
    municipality, _ = read(os.path.join(grid_dir, "municipality.tif"))
    scores, truth = [], []
    for m in sorted(int(v) for v in np.unique(municipality) if v > 0):
        features = informative_features(grid_dir, np.isfinite(label) & (municipality != m) & (municipality > 0))
        fold = os.path.join(work, f"fold_{m:02d}")
        os.makedirs(fold, exist_ok=True)
        labels_gpkg = os.path.join(fold, "labels.gpkg")
        write_labels(labels_gpkg, label, municipality, gt, m)
        with open(os.path.join(fold, "scenario.toml"), "w") as f:
            f.write(scenario(grid_dir, labels_gpkg, features))
        minerisk(args.minerisk, "fit", os.path.join(fold, "scenario.toml"), "-o", os.path.join(fold, "fitted.toml"), "-q")
        minerisk(args.minerisk, "run", os.path.join(fold, "fitted.toml"), "-o", os.path.join(fold, "grid.nc"), "-q",
                 "--no-picture")
        ds = gdal.Open(f"NETCDF:{os.path.join(fold, 'grid.nc')}:probability")
        probability = ds.GetRasterBand(1).ReadAsArray().astype(np.float64)
        held = (municipality == m) & np.isfinite(label)
        # The municipality's own score, by `minerisk evaluate` against its labels alone.
        held_labels = os.path.join(fold, "held_out_labels.tif")
        write_like(held_labels, os.path.join(grid_dir, "label.tif"), np.where(held, label, np.nan))
        own = None
        if 0 < label[held].sum() < held.sum():
            minerisk(args.minerisk, "evaluate", os.path.join(fold, "grid.nc"), "--truth", held_labels, "-o",
                     os.path.join(fold, "evaluation.json"))
            with open(os.path.join(fold, "evaluation.json")) as f:
                own = json.load(f)["roc_auc"]
        scores.append(probability[held])
        truth.append(label[held])
        note = f", ROC-AUC {100 * own:.1f}" if own is not None else " (one class only: no ROC-AUC of its own)"
        print(f"municipality {m:2d}: {int(held.sum()):4d} labelled cells held out{note}", file=sys.stderr)
    scores, truth = np.concatenate(scores), np.concatenate(truth)
    ok = np.isfinite(scores)
    roc, pr = 100 * roc_auc_score(truth[ok], scores[ok]), 100 * average_precision_score(truth[ok], scores[ok])
    print(f"leave-one-municipality-out, {int(ok.sum())} held-out cells pooled ({int(truth[ok].sum())} positive):")
    print(f"  minerisk (fitted logistic model, up to {len(features) + 6} evidence layers): ROC-AUC {roc:.1f}  PR-AUC {pr:.1f}")
    for name, (r, p) in BASELINES.items():
        print(f"  RELand study, {name}: ROC-AUC {r:.1f}  PR-AUC {p:.1f}")
    with open(os.path.join(work, "validation.json"), "w") as f:
        json.dump({"roc_auc_percent": roc, "pr_auc_percent": pr, "held_out_cells": int(ok.sum()),
                   "baselines_percent": BASELINES}, f, indent=2)
    return 0


if __name__ == "__main__":
    sys.exit(main())
