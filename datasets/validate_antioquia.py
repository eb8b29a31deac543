#!/usr/bin/python3
"""Leave-one-municipality-out validation of minerisk on a RELand-format grid (by default the real
grid of eastern Antioquia), beside baselines measured on the same cells and folds.

Used as a user of minerisk would: for each municipality in turn, the known positive and negative
cells of the *other* municipalities become finds and cleared-without-finds land; minerisk builds
its evidence layers from them (density of finds and of cleared land, distances to both, slope and
ruggedness of the grid's elevation) together with the grid's own feature columns, fits the weights
(`minerisk fit`), and predicts the held-out municipality (`minerisk run`). Nothing built from
labels sees the held-out municipality. The held-out predictions of all municipalities are pooled
into ROC-AUC and PR-AUC. The same folds give three baselines, pooled the same way:
  - the no-fit nearest-label rule: log1p(metres to the nearest training negative)
    - log1p(metres to the nearest training positive);
  - scikit-learn logistic regression (StandardScaler, C=1) on the feature columns;
  - scikit-learn HistGradientBoostingClassifier (200 iterations, rate 0.05) on the same columns.
The RELand study's figures are printed too, but only when the CSV is the one they were measured
on (same SHA-256).

    /usr/bin/python3 datasets/validate_antioquia.py [--csv GRID.csv] [--columns-from MANIFEST.json]
        [--exclude-victim-counts] [--minerisk build/engine/minerisk] [--keep DIR]
"""
import argparse
import json
import os
import subprocess
import sys
import tempfile
import warnings

import numpy as np
from osgeo import gdal, ogr, osr
from sklearn.ensemble import HistGradientBoostingClassifier
from sklearn.exceptions import ConvergenceWarning
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import average_precision_score, roc_auc_score
from sklearn.neighbors import BallTree
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler
from threadpoolctl import threadpool_limits

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import import_antioquia  # noqa: E402

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

# One-hot groups of the RELand format. A region without a category has no column for it: the
# category is absent there, which is exactly what a column of zeros says.
ONE_HOT_PREFIXES = ("Vocacion_", "CLIMA_", "TIPO_RELIE_")
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
EARTH_RADIUS_M = 6371008.8  # mean radius: the nearest-label rule's distances are great-circle metres

# The evidence layers minerisk builds besides the grid's columns, in scenario order (templates below).
MODEL_LAYERS = ("find_density", "cleared_density", "distance_to_finds", "distance_to_cleared", "slope", "ruggedness")
# When `minerisk fit --zones` cross-fits label layers over zones, set this to True: training cells
# then get their label layers from the other municipalities only (issue 13).
CROSS_FIT_OVER_MUNICIPALITIES = False


class UsageError(Exception):
    """A problem with the options or the inputs: one line, exit code 2."""


# ---------------------------------------------------------------------------------------------
# The imported grid


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


# ---------------------------------------------------------------------------------------------
# Which columns the models use


class ColumnPlan:
    """The columns the models read, in order, and how the region differs from the reference."""

    def __init__(self, used, filled_with_zero=(), ignored=()):
        self.used = list(used)
        self.filled_with_zero = list(filled_with_zero)  # the reference's one-hot columns absent here
        self.ignored = list(ignored)  # this region's columns the reference lacks


def is_one_hot(column):
    return column.startswith(ONE_HOT_PREFIXES)


def plan_columns(region_columns, reference_columns=None):
    """Without a reference, the region's own columns. With one, the reference's columns: one-hot
    ones absent here are filled with 0, any other absent one is refused, extra ones are ignored."""
    if reference_columns is None:
        return ColumnPlan(region_columns)
    present = set(region_columns)
    absent = [column for column in reference_columns if column not in present]
    not_fillable = [column for column in absent if not is_one_hot(column)]
    if not_fillable:
        raise UsageError(f"column {not_fillable[0]!r} of the reference is absent from this region's CSV and is not "
                         f"one-hot ({', '.join(p + '*' for p in ONE_HOT_PREFIXES)}), so it has no safe fill; add it to "
                         f"the CSV or use a reference without it ({len(not_fillable)} such column(s))")
    reference = set(reference_columns)
    return ColumnPlan(reference_columns, filled_with_zero=absent,
                      ignored=[column for column in region_columns if column not in reference])


def report_columns(plan):
    """One line per column that differs from the reference, to stderr."""
    for column in plan.filled_with_zero:
        print(f"validate_antioquia: column {column!r} is absent here: one-hot, so filled with 0 "
              f"(category absent in this region)", file=sys.stderr)
    for column in plan.ignored:
        print(f"validate_antioquia: column {column!r} is not in the reference: ignored", file=sys.stderr)


class Input:
    """One raster the models read: a feature column (blanks filled) or a column's blank flag."""

    def __init__(self, name, stem, path):
        self.name = name  # the CSV column, or '<column> is blank'
        self.stem = stem  # file-name stem, which names the minerisk layer
        self.path = path


def model_inputs(grid, plan, work):
    """The rasters for the plan's columns, written into work/columns where the import's own file
    will not do: a column with blanks gets a copy with them filled (minerisk and logistic regression
    take no NaN) plus its flag raster as an input of its own; an absent one-hot column gets zeros."""
    folder = os.path.join(work, "columns")
    os.makedirs(folder, exist_ok=True)
    inputs = []
    for column in plan.used:
        stem = import_antioquia.file_stem(column)
        if column in plan.filled_with_zero:
            path = os.path.join(folder, stem + ".tif")
            write_like(path, grid.label_path, np.where(grid.inside(), 0.0, np.nan))
            inputs.append(Input(column, stem, path))
        elif column in grid.blanks:
            path = os.path.join(folder, stem + ".tif")
            write_like(path, grid.label_path, blanks_filled(read(grid.files[column])[0], grid.inside()))
            inputs.append(Input(column, stem, path))
            flag = os.path.join(grid.folder, grid.blanks[column]["flag"])
            inputs.append(Input(f"{column} is blank", os.path.splitext(os.path.basename(flag))[0], flag))
        else:
            inputs.append(Input(column, stem, grid.files[column]))
    return inputs


def blanks_filled(values, inside):
    """Blank cells inside the municipalities take the median of the given ones. It reads features,
    never labels, so no label can leak through it; the flag raster keeps the fact of the blank."""
    given = values[inside & np.isfinite(values)]
    fill = float(np.median(given)) if given.size else 0.0
    return np.where(inside & np.isnan(values), fill, values)


# ---------------------------------------------------------------------------------------------
# The minerisk scenario of one fold


def informative_layers(inputs, training, exclude):
    """(input, transform) for the inputs that vary over the training cells (constant ones cannot
    be fitted), minus the DEM column and the excluded ones, in file-name order: log1p for counts
    and distances (long-tailed, never negative), linear for the rest (one-hot classes, wealth index)."""
    layers = []
    for item in sorted(inputs, key=lambda item: item.stem + ".tif"):
        if item.name == DEM_COLUMN or item.name in exclude:
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
transform = "log1p"''',
    "distance_to_cleared": '''feature = "vector_distance"
path = "{labels}"
layer = "labels"
where = "kind = 'negative'"
weight = 0
transform = "log1p"''',
    "slope": '''feature = "slope"
weight = 0''',
    "ruggedness": '''feature = "ruggedness"
weight = 0''',
}


def evidence_table(key, body):
    return f"\n[model.evidence.{key}]\n{body}\n"


def scenario(dem, labels_gpkg, grid_layers):
    """The fold's scenario: MODEL_LAYERS from the training labels and the DEM, then one raster
    layer per grid input, all weights 0 for `minerisk fit` to set."""
    tables = [evidence_table(name, EVIDENCE_TEMPLATES[name].format(bandwidth=BANDWIDTH_M, labels=labels_gpkg))
              for name in MODEL_LAYERS]
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


def fit_arguments(fold):
    arguments = ["fit", fold.scenario, "-o", fold.fitted, "-q"]
    if CROSS_FIT_OVER_MUNICIPALITIES:
        arguments += ["--zones", fold.zones]
    return arguments


def minerisk(binary, *args):
    result = subprocess.run([binary, *map(str, args)], capture_output=True, text=True)
    if result.returncode != 0:
        sys.exit(f"validate_antioquia: minerisk {args[0]} failed: {result.stderr.strip()}")
    return result.stdout


def minerisk_fold(binary, grid, inputs, fold, code, exclude):
    """minerisk's probability over the grid, fitted without municipality `code`; also the number of
    grid layers and the municipality's own ROC-AUC by `minerisk evaluate` (None with one class)."""
    training = grid.labelled() & (grid.municipality != code)
    layers = informative_layers(inputs, training, exclude)
    write_labels(fold.labels, grid.label, grid.municipality, grid.geotransform, code)
    with open(fold.scenario, "w") as f:
        f.write(scenario(grid.files[DEM_COLUMN], fold.labels, layers))
    minerisk(binary, *fit_arguments(fold))
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
    return probability, len(layers), own


# ---------------------------------------------------------------------------------------------
# Baselines on the same folds


def unit_sphere_radians(lon, lat):
    """[latitude, longitude] in radians, the order BallTree's haversine metric takes."""
    return np.radians(np.column_stack([lat, lon]))


def nearest_distance_m(from_lonlat, to_lonlat):
    """Great-circle metres from each `from` point to the nearest `to` point (inf if there is none)."""
    if len(to_lonlat[0]) == 0:
        return np.full(len(from_lonlat[0]), np.inf)
    tree = BallTree(unit_sphere_radians(*to_lonlat), metric="haversine")
    distance, _ = tree.query(unit_sphere_radians(*from_lonlat), k=1)
    return distance[:, 0] * EARTH_RADIUS_M


def nearest_label_scores(train_lonlat, train_label, test_lonlat):
    """The no-fit rule: log1p(m to the nearest training negative) - log1p(m to the nearest positive)."""
    lon, lat = train_lonlat
    positive, negative = train_label == 1, train_label == 0
    to_negative = nearest_distance_m(test_lonlat, (lon[negative], lat[negative]))
    to_positive = nearest_distance_m(test_lonlat, (lon[positive], lat[positive]))
    return np.log1p(to_negative) - np.log1p(to_positive)


def logistic_scores(x_train, y_train, x_test):
    model = make_pipeline(StandardScaler(), LogisticRegression(C=1.0, max_iter=5000))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)  # the ranking is what is scored
        model.fit(x_train, y_train)
    return model.decision_function(x_test)


def boosting_scores(x_train, y_train, x_test):
    model = HistGradientBoostingClassifier(max_iter=200, learning_rate=0.05, random_state=0)
    # One OpenMP thread: on a few thousand rows threads gain little, and on a busy machine their
    # spin-waiting made each fit 8 times slower (7 s instead of 0.9 s, measured on 2 cores).
    with threadpool_limits(1, "openmp"):
        model.fit(x_train, y_train)
    return model.predict_proba(x_test)[:, 1]


class Cells:
    """The labelled cells as a table: label, municipality, centre and one column per input."""

    def __init__(self, grid, inputs):
        self.rows, self.cols = np.nonzero(grid.labelled())
        self.label = grid.label[self.rows, self.cols]
        self.municipality = grid.municipality[self.rows, self.cols]
        self.lonlat = grid.centres(self.rows, self.cols)
        self.x = np.column_stack([read(item.path)[0][self.rows, self.cols] for item in inputs])
        self.names = [item.name for item in inputs]

    def lonlat_of(self, mask):
        return self.lonlat[0][mask], self.lonlat[1][mask]


def baseline_fold(cells, code):
    """{baseline name: scores of municipality `code`'s cells}, trained on the others."""
    train, test = cells.municipality != code, cells.municipality == code
    y = cells.label[train]
    return {
        "nearest-label rule (no fit)": nearest_label_scores(cells.lonlat_of(train), y, cells.lonlat_of(test)),
        "scikit-learn logistic regression": logistic_scores(cells.x[train], y, cells.x[test]),
        "scikit-learn gradient boosting": boosting_scores(cells.x[train], y, cells.x[test]),
    }


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
        probability, layers, own = minerisk_fold(args.minerisk, grid, inputs, fold, code, exclude)
        most_layers = max(most_layers, layers)
        fold_scores = {"minerisk": probability[cells.rows[held], cells.cols[held]], **baseline_fold(cells, code)}
        for name, values in fold_scores.items():
            scores.setdefault(name, np.full(len(cells.label), np.nan))[held] = values
        note = f", ROC-AUC {100 * own:.1f}" if own is not None else " (one class only: no ROC-AUC of its own)"
        print(f"municipality {code:2d}: {int(held.sum()):4d} labelled cells held out{note}", file=sys.stderr)
    return report(work, grid, plan, cells, scores, most_layers, exclude)


def report(work, grid, plan, cells, scores, most_layers, exclude):
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
    print(f"  minerisk (fitted logistic model, up to {most_layers + len(MODEL_LAYERS)} evidence layers{without}): "
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
