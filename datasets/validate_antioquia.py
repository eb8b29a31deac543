#!/usr/bin/python3
"""Leave-one-municipality-out validation of minerisk on a RELand-format grid (by default the real
grid of eastern Antioquia), beside baselines measured on the same cells and folds.

Used as a user of minerisk would: for each municipality in turn, the known positive and negative
cells of the *other* municipalities become finds and cleared-without-finds land; minerisk builds
its evidence layers from them (by default the `spatial` model: whether the nearest surveyed cell
held a find, the share of finds among the surveyed cells around, and the victim counts; see
MODELS), fits the weights (`minerisk fit --zones`, which builds each training cell's label layers
from the other training municipalities only), and predicts the held-out municipality (`minerisk
run`). Nothing built from labels sees the held-out municipality. The held-out predictions of all municipalities are pooled
into ROC-AUC and PR-AUC. The same folds give three baselines, pooled the same way:
  - the no-fit nearest-label rule: log1p(metres to the nearest training negative)
    - log1p(metres to the nearest training positive);
  - scikit-learn logistic regression (StandardScaler, C=1) on the feature columns;
  - scikit-learn HistGradientBoostingClassifier (200 iterations, rate 0.05) on the same columns.
The RELand study's figures are printed too, but only when the CSV is the one they were measured
on (same SHA-256).

    /usr/bin/python3 datasets/validate_antioquia.py [--csv GRID.csv] [--columns-from MANIFEST.json]
        [--model spatial|all] [--knots N] [--exclude-victim-counts] [--minerisk build/engine/minerisk] [--keep DIR]
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
from antioquia_baselines import Cells, baseline_fold  # noqa: E402
from antioquia_columns import model_inputs, plan_columns, report_columns  # noqa: E402,F401
from antioquia_grid import Grid, UsageError, read, read_manifest, write_like  # noqa: E402,F401

gdal.UseExceptions()
ogr.UseExceptions()
REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

# The RELand study's tabular models, ROC-AUC / PR-AUC in percent, from
# ../shared/data/reland-antioquia/README.md. They were measured on that antioquia_grid.csv only
# (3,165,472 bytes), so they are keyed by its SHA-256 and shown for no other file.
STUDY_BASELINES = {
    "1abfec404900b0e24cb6785ee11b96d8291f9e55dc8dad7545b817804f2aabef": {
        "RELand study, scikit-learn logistic regression": (59.2, 39.8),
        "RELand study, gradient boosting": (67.4, 37.2),
    },
}

# Victim counts by event type per municipality: constant within a municipality, so through them a
# model can learn which municipality a cell is in. `--exclude-victim-counts` leaves them out.
VICTIM_COUNT_COLUMNS = (
    "No. Víctimas por Declaración", "No. Sujetos Atención ",
    "Acto terrorista, Atentados, Combates, Enfrentamientos, Hostigamientos", "Amenaza",
    "Delitos contra la Libertad y la Integridad sexual en desarrollo del conflicto Armado",
    "Desaparición forzada", "Desplazamiento Forzado", "Homicidio, Masacre",
    "Vincuación de Niños, Niñas y Adolescentes a actividades relacionadas con grupos armados", "Secuestro",
    "Tortura", "Abandono o Despojo Forzado de Tierras", "Perdida de Bienes Muebles o Inmuebles ",
    "Lesiones Personales Fisicas", "Lesiones Personales Psicologicas", "Confinamiento", "SIN INFORMACION ",
)
DEM_COLUMN = "elevation"  # minerisk's terrain; its slope and ruggedness are layers, not the raw column
BANDWIDTH_M = 2000.0  # about two cells of the 1 km lattice

# The models minerisk fits, by `--model`: the evidence layers it builds (templates below) and which
# of the grid's columns join them.
# - "spatial" (the default): the spatial evidence of the training labels, whether the nearest
#   surveyed cell holds a find (find_contrast: log(1 + km to the nearest cell without finds) -
#   log(1 + km to the nearest find)) and the share of finds among the surveyed cells within a few
#   km (find_share), plus the victim counts (unless --exclude-victim-counts). Few layers, each
#   with a physical meaning, fitted with a strong penalty (l2 = 100 on standardised layers).
# - "all": the label densities and distances, slope and ruggedness and every grid column (l2 = 1),
#   the model this script fitted before issue 13.
MODELS = {
    "spatial": {"layers": ("find_contrast", "find_share"), "columns": "victims", "l2": 100.0},
    "all": {"layers": ("find_density", "cleared_density", "distance_to_finds", "distance_to_cleared", "slope",
                       "ruggedness", "find_share"), "columns": "all", "l2": 1.0},
}
# `minerisk fit --zones` cross-fits the label layers over the municipalities: a training cell gets
# them from the labels of the other municipalities only, as the held-out one does (issue 13).
CROSS_FIT_OVER_MUNICIPALITIES = True


# ---------------------------------------------------------------------------------------------
# The minerisk scenario of one fold


def informative_layers(inputs, training, exclude, columns="all"):
    """(input, transform) for the inputs that vary over the training cells (constant ones cannot
    be fitted), minus the DEM column and the excluded ones, in file-name order: log1p for counts
    and distances (long-tailed, never negative), linear for the rest (one-hot classes, wealth index).
    `columns`: "all" of them, or only the "victims" counts."""
    layers = []
    for item in sorted(inputs, key=lambda item: item.stem + ".tif"):
        if item.name == DEM_COLUMN or item.name in exclude:
            continue
        if columns == "victims" and item.name not in VICTIM_COUNT_COLUMNS:
            continue
        v = read(item.path)[0][training]
        if np.nanmax(v) > np.nanmin(v):
            layers.append((item, "log1p" if np.nanmin(v) >= 0 and np.nanmax(v) > 1 else "linear"))
    return layers


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
    ds.StartTransaction()  # one commit for all features: GeoPackage commits each one otherwise
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
    ds.CommitTransaction()
    ds = None


EVIDENCE_TEMPLATES = {
    "find_density": '''feature = "find_density"
bandwidth = {bandwidth}
weight = 0
transform = "log1p"''',
    "cleared_density": '''feature = "find_density"
where = "kind = 'negative'"
bandwidth = {bandwidth}
weight = 0
transform = "log1p"''',
    "distance_to_finds": '''feature = "vector_distance"
path = "{labels}"
layer = "labels"
where = "kind = 'find'"
weight = 0
transform = "log1p"
effect = "decreasing"''',
    "distance_to_cleared": '''feature = "vector_distance"
path = "{labels}"
layer = "labels"
where = "kind = 'negative'"
weight = 0
transform = "log1p"
effect = "increasing"''',
    "find_contrast": '''feature = "find_contrast"
others = "kind = 'negative'"
weight = 0
effect = "increasing"''',
    "find_share": '''feature = "find_share"
others = "kind = 'negative'"
bandwidth = {bandwidth}
weight = 0
effect = "increasing"''',
    "slope": '''feature = "slope"
weight = 0''',
    "ruggedness": '''feature = "ruggedness"
weight = 0''',
}


def evidence_table(key, body):
    return f"\n[model.evidence.{key}]\n{body}\n"


def scenario(dem, labels_gpkg, grid_layers, model_layers):
    """The fold's scenario: `model_layers` from the training labels and the DEM, then one raster
    layer per grid input, all weights 0 for `minerisk fit` to set."""
    tables = [evidence_table(name, EVIDENCE_TEMPLATES[name].format(bandwidth=BANDWIDTH_M, labels=labels_gpkg))
              for name in model_layers]
    for item, transform in grid_layers:
        tables.append(evidence_table("grid_" + item.stem.lower(),
                                     f'feature = "raster"\npath = "{item.path}"\nweight = 0\ntransform = "{transform}"'))
    return f'''title = "Antioquia, leave one municipality out"

[terrain]
dem = "{dem}"

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
{"".join(tables)}'''


class Fold:
    """The files of one held-out municipality's run."""

    def __init__(self, work, code, zones):
        self.folder = os.path.join(work, f"fold_{code:02d}")
        os.makedirs(self.folder, exist_ok=True)
        self.labels = os.path.join(self.folder, "labels.gpkg")
        self.scenario = os.path.join(self.folder, "scenario.toml")
        self.fitted = os.path.join(self.folder, "fitted.toml")
        self.grid = os.path.join(self.folder, "grid.nc")
        self.held_labels = os.path.join(self.folder, "held_out_labels.tif")
        self.evaluation = os.path.join(self.folder, "evaluation.json")
        self.zones = zones  # the municipality raster


def fit_arguments(fold, model):
    # The held-out municipality is scored here, so fit's own cross-validation is not needed.
    arguments = ["fit", fold.scenario, "-o", fold.fitted, "-q", "--l2", model["l2"], "--no-cross-validation",
                 "--knots", model["knots"]]
    if CROSS_FIT_OVER_MUNICIPALITIES:
        arguments += ["--zones", fold.zones]
    return arguments


def minerisk(binary, *args):
    result = subprocess.run([binary, *map(str, args)], capture_output=True, text=True)
    if result.returncode != 0:
        sys.exit(f"validate_antioquia: minerisk {args[0]} failed: {result.stderr.strip()}")
    return result.stdout


def minerisk_fold(binary, grid, inputs, fold, code, exclude, model):
    """minerisk's probability over the grid, fitted without municipality `code`; also the number of
    evidence layers and the municipality's own ROC-AUC by `minerisk evaluate` (None with one class)."""
    training = grid.labelled() & (grid.municipality != code)
    layers = informative_layers(inputs, training, exclude, model["columns"])
    write_labels(fold.labels, grid.label, grid.municipality, grid.geotransform, code)
    with open(fold.scenario, "w") as f:
        f.write(scenario(grid.files[DEM_COLUMN], fold.labels, layers, model["layers"]))
    minerisk(binary, *fit_arguments(fold, model))
    minerisk(binary, "run", fold.fitted, "-o", fold.grid, "-q", "--no-picture")
    ds = gdal.Open(f"NETCDF:{fold.grid}:probability")
    probability = ds.GetRasterBand(1).ReadAsArray().astype(np.float64)
    held = grid.labelled() & (grid.municipality == code)
    write_like(fold.held_labels, grid.label_path, np.where(held, grid.label, np.nan))
    own = None
    if 0 < grid.label[held].sum() < held.sum():
        minerisk(binary, "evaluate", fold.grid, "--truth", fold.held_labels, "-o", fold.evaluation)
        with open(fold.evaluation) as f:
            own = json.load(f)["roc_auc"]
    return probability, len(layers) + len(model["layers"]), own


# ---------------------------------------------------------------------------------------------
# The validation


def percent_scores(truth, scores):
    return 100 * roc_auc_score(truth, scores), 100 * average_precision_score(truth, scores)


def parse_arguments(argv):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--minerisk", default=os.path.join(REPO, "build", "engine", "minerisk"))
    parser.add_argument("--csv", default=str(import_antioquia.DEFAULT_CSV),
                        help="a grid CSV in the RELand format (default: the real Antioquia grid)")
    parser.add_argument("--columns-from", metavar="MANIFEST.json",
                        help="use the feature columns of this import manifest (another region's): one-hot ones "
                             "absent here are filled with 0, other absent ones refused, extra ones ignored")
    parser.add_argument("--model", choices=sorted(MODELS), default="spatial",
                        help="the layers minerisk fits: 'spatial' (label distances, share of finds nearby, victim "
                             "counts; default) or 'all' (every grid column too, the model before issue 13)")
    parser.add_argument("--knots", type=int, default=0,
                        help="learn each layer's effect as a curve with this many segments (minerisk fit --knots; "
                             "default 0: one weight per layer)")
    parser.add_argument("--exclude-victim-counts", action="store_true",
                        help="leave the 17 municipality-level victim-count columns out of minerisk's model")
    parser.add_argument("--keep", help="folder to keep the work in (default: a temporary one)")
    return parser.parse_args(argv)


def validate(args):
    work = args.keep or tempfile.mkdtemp(prefix="antioquia_")
    os.makedirs(work, exist_ok=True)
    reference = read_manifest(args.columns_from, "reference manifest") if args.columns_from else None
    grid_dir = os.path.join(work, "grid")
    if import_antioquia.main(["--out", grid_dir, "--csv", args.csv]) not in (0, None):
        return 2
    grid = Grid(grid_dir)
    plan = plan_columns(grid.columns(), [e["column"] for e in reference["features"]] if reference else None)
    if DEM_COLUMN not in grid.files:
        raise UsageError(f"the grid has no {DEM_COLUMN!r} column; minerisk needs it as the terrain (DEM)")
    report_columns(plan)
    exclude = set(VICTIM_COUNT_COLUMNS) if args.exclude_victim_counts else set()
    inputs = model_inputs(grid, plan, work)
    cells = Cells(grid, inputs)

    scores = {}  # model name -> scores of cells, in Cells order
    most_layers = 0
    for code in grid.municipality_codes():
        held = cells.municipality == code
        fold = Fold(work, code, grid.municipality_path)
        model = dict(MODELS[args.model], knots=args.knots)
        probability, layers, own = minerisk_fold(args.minerisk, grid, inputs, fold, code, exclude, model)
        most_layers = max(most_layers, layers)
        fold_scores = {"minerisk": probability[cells.rows[held], cells.cols[held]], **baseline_fold(cells, code)}
        for name, values in fold_scores.items():
            scores.setdefault(name, np.full(len(cells.label), np.nan))[held] = values
        note = f", ROC-AUC {100 * own:.1f}" if own is not None else " (one class only: no ROC-AUC of its own)"
        print(f"municipality {code:2d}: {int(held.sum()):4d} labelled cells held out{note}", file=sys.stderr)
    return report(work, grid, plan, cells, scores, most_layers, exclude, args.model)


def report(work, grid, plan, cells, scores, most_layers, exclude, model):
    # Every model is scored on the same cells: those all of them score (minerisk leaves no-data
    # where the DEM has none).
    ok = np.logical_and.reduce([np.isfinite(values) for values in scores.values()])
    truth = cells.label[ok]
    measured = {name: percent_scores(truth, values[ok]) for name, values in scores.items()}
    roc, pr = measured.pop("minerisk")
    excluded = sorted(exclude & set(plan.used))
    print(f"leave-one-municipality-out, {int(ok.sum())} held-out cells pooled ({int(truth.sum())} positive), "
          f"every model on the same cells and folds:")
    without = f", without the {len(excluded)} victim-count columns" if excluded else ""
    print(f"  minerisk ('{model}' model, label layers cross-fitted, up to {most_layers} evidence layers{without}): "
          f"ROC-AUC {roc:.1f}  PR-AUC {pr:.1f}")
    for name, (r, p) in measured.items():
        # The tabular models read every input: the columns and the blank flags (no exclusion).
        inputs = f" on {cells.x.shape[1]} inputs" if name.startswith("scikit") else ""
        print(f"  {name}{inputs}: ROC-AUC {r:.1f}  PR-AUC {p:.1f}")
    study = STUDY_BASELINES.get(grid.manifest["source"]["sha256"])
    for name, (r, p) in (study or {}).items():
        print(f"  {name} (published for this CSV, same cells): ROC-AUC {r:.1f}  PR-AUC {p:.1f}")
    for line in not_better_lines(roc, pr, measured):
        print(line)
    result = {
        "source": grid.manifest["source"],
        "model": model, "model_layers": list(MODELS[model]["layers"]), "l2": MODELS[model]["l2"],
        "roc_auc_percent": roc, "pr_auc_percent": pr,
        "held_out_cells": int(ok.sum()), "positive_cells": int(truth.sum()),
        "victim_count_columns_excluded": excluded,
        "baselines_percent": {name: {"roc_auc": r, "pr_auc": p} for name, (r, p) in measured.items()},
        "columns": {"used": plan.used, "tabular_inputs": cells.names, "filled_with_zero": plan.filled_with_zero, "ignored": plan.ignored,
                    "blank_cells": {column: entry["cells"] for column, entry in grid.blanks.items()}},
    }
    if study:
        result["study_baselines_percent"] = {name: {"roc_auc": r, "pr_auc": p} for name, (r, p) in study.items()}
    with open(os.path.join(work, "validation.json"), "w") as f:
        json.dump(result, f, indent=2, ensure_ascii=False)
    return 0


def not_better_lines(roc, pr, measured):
    """A line per metric on which minerisk does not beat the best baseline measured in this run."""
    lines = []
    for metric, mine, index in (("ROC-AUC", roc, 0), ("PR-AUC", pr, 1)):
        best = max(measured, key=lambda name: measured[name][index])
        if mine <= measured[best][index]:
            lines.append(f"minerisk does no better than the best baseline on {metric}: {best} "
                         f"{measured[best][index]:.1f} against minerisk's {mine:.1f}")
    return lines


def main(argv=None):
    args = parse_arguments(argv)
    try:
        return validate(args)
    except UsageError as error:
        print(f"validate_antioquia: {error}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
