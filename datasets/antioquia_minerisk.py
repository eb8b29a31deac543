"""minerisk's side of datasets/validate_antioquia.py: the models it fits, the scenario and labels
of one held-out municipality, and running `minerisk fit`, `run` and `evaluate` on them, or
`run --model` with a model fitted elsewhere (a transfer to a region the model has never seen)."""
import json
import os
import subprocess
import sys

import numpy as np
from osgeo import gdal, ogr, osr

from antioquia_columns import Input, blanks_filled, write_zeros
from antioquia_grid import UsageError, read, write_like

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


def dem_path(grid, inputs, work):
    """The terrain: the elevation column with its blank cells filled as the models' columns are (a
    blank left as no-data would make minerisk leave the cell out, labelled or not): the models' own
    copy when they read the column (antioquia_columns.model_inputs wrote it), else one written here."""
    as_read = next((item.path for item in inputs if item.name == DEM_COLUMN), None)
    if as_read:
        return as_read
    if DEM_COLUMN not in grid.blanks:
        return grid.files[DEM_COLUMN]
    path = os.path.join(work, "dem_blanks_filled.tif")
    write_like(path, grid.label_path, blanks_filled(read(grid.files[DEM_COLUMN])[0], grid.inside()))
    return path


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
    training = np.isfinite(label) & (municipality > 0)
    if held_out is not None:  # None: every municipality's labels (a fit on the whole region)
        training &= municipality != held_out
    rows, cols = np.nonzero(training)
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
    arguments = ["fit", fold.scenario, "-o", fold.fitted, "-q", "--overwrite", "--l2", model["l2"],
                 "--no-cross-validation", "--knots", model["knots"]]
    if CROSS_FIT_OVER_MUNICIPALITIES:
        arguments += ["--zones", fold.zones]
    return arguments


def minerisk(binary, *args):
    result = subprocess.run([binary, *map(str, args)], capture_output=True, text=True)
    if result.returncode == 2:  # bad input: minerisk's one line says what, for this region's data
        raise UsageError(f"minerisk {args[0]} refused: {result.stderr.strip()}")
    if result.returncode != 0:
        sys.exit(f"validate_antioquia: minerisk {args[0]} failed: {result.stderr.strip()}")
    return result.stdout


def minerisk_fold(binary, grid, inputs, fold, code, exclude, model):
    """minerisk's probability over the grid, fitted without municipality `code`; also the number of
    evidence layers and the municipality's own ROC-AUC by `minerisk evaluate` (None with one class)."""
    training = grid.labelled() & (grid.municipality != code)
    layers = informative_layers(inputs, training, exclude, model["columns"])
    write_fold_scenario(grid, inputs, fold, code, layers, model["layers"])
    minerisk(binary, *fit_arguments(fold, model))
    minerisk(binary, "run", fold.fitted, "-o", fold.grid, "-q", "--no-picture", "--overwrite")
    probability, own = held_out_scores(binary, grid, fold, code)
    return probability, len(layers) + len(model["layers"]), own


def write_fold_scenario(grid, inputs, fold, code, grid_layers, evidence_names):
    """The fold's labels (all but municipality `code`'s) and its scenario of those layers."""
    write_labels(fold.labels, grid.label, grid.municipality, grid.geotransform, code)
    with open(fold.scenario, "w") as f:
        f.write(scenario(dem_path(grid, inputs, fold.folder), fold.labels, grid_layers, evidence_names))


def held_out_scores(binary, grid, fold, code):
    """The fold's probability grid, and the held-out municipality's own ROC-AUC by `minerisk
    evaluate` against its labels alone (None when it holds one class only)."""
    ds = gdal.Open(f"NETCDF:{fold.grid}:probability")
    probability = ds.GetRasterBand(1).ReadAsArray().astype(np.float64)
    held = grid.labelled() & (grid.municipality == code)
    write_like(fold.held_labels, grid.label_path, np.where(held, grid.label, np.nan))
    own = None
    if 0 < grid.label[held].sum() < held.sum():
        minerisk(binary, "evaluate", fold.grid, "--truth", fold.held_labels, "-o", fold.evaluation, "--overwrite")
        with open(fold.evaluation) as f:
            own = json.load(f)["roc_auc"]
    return probability, own


# ---------------------------------------------------------------------------------------------
# A model fitted on one region, applied to another


def write_full_model(binary, grid, inputs, work, exclude, model, model_file):
    """Fits on every labelled cell (label layers cross-fitted over the municipalities) and writes
    the portable model file (`minerisk fit --model`), for `--apply-model` on another region."""
    folder = os.path.join(work, "full_fit")
    os.makedirs(folder, exist_ok=True)
    os.makedirs(os.path.dirname(os.path.abspath(model_file)), exist_ok=True)
    labels, scenario_file = os.path.join(folder, "labels.gpkg"), os.path.join(folder, "scenario.toml")
    write_labels(labels, grid.label, grid.municipality, grid.geotransform, held_out=None)
    layers = informative_layers(inputs, grid.labelled(), exclude, model["columns"])
    with open(scenario_file, "w") as f:
        f.write(scenario(dem_path(grid, inputs, folder), labels, layers, model["layers"]))
    minerisk(binary, "fit", scenario_file, "-o", os.path.join(folder, "fitted.toml"), "--model", model_file, "-q",
             "--l2", model["l2"], "--no-cross-validation", "--knots", model["knots"], "--zones", grid.municipality_path)


def absent_blank_flags(names, by_layer, grid, fold):
    """{layer: Input} of zeros for each blank flag of the model ('grid_<column>_missing' or
    '_blank') whose column this region has with no blank cell: the flag says 'not blank' in
    every cell, which is what a region without blanks means."""
    flags = {}
    for name in names:
        for suffix in ("_missing", "_blank"):
            column = name[: -len(suffix)]
            if not (name.startswith("grid_") and name.endswith(suffix) and name not in by_layer and column in by_layer):
                continue
            if by_layer[column].name in grid.blanks:
                continue  # the column has blanks here, so its flag exists under its own name: not this one
            path = os.path.join(fold.folder, name + ".tif")
            write_zeros(path, grid)
            flags[name] = Input(f"{by_layer[column].name} is blank", name[len("grid_"):], path)
            # Said, since a column of the training region could also bear such a name.
            print(f"validate_antioquia: the model's layer {name!r} is read as the blank flag of column "
                  f"{by_layer[column].name!r}, which has no blank here: 0 in every cell", file=sys.stderr)
    return flags


def model_layer_names(model_file):
    """The evidence layers a model file holds, in its order; minerisk run --model checks the rest."""
    import tomllib
    try:
        with open(model_file, "rb") as f:
            evidence = tomllib.load(f)["model"]["evidence"]
        if isinstance(evidence, dict) and evidence:
            return list(evidence)
        why = "its [model.evidence] holds no layer"
    except OSError as error:
        why = error.strerror
    except tomllib.TOMLDecodeError as error:
        why = f"not valid TOML: {error}"
    except (KeyError, TypeError):
        why = "it has no [model.evidence] tables"
    raise UsageError(f"--apply-model {model_file} is not a model file ({why}); give the file --write-model "
                     f"(minerisk fit --model) wrote")


def applied_fold(binary, grid, inputs, fold, code, model_file):
    """minerisk's probability over the grid from a model fitted on another region: the label layers
    from this region's labels outside municipality `code`, the weights and transforms from the
    model file (`minerisk run --model`); and the municipality's own ROC-AUC."""
    names = model_layer_names(model_file)
    by_layer = {"grid_" + item.stem.lower(): item for item in inputs}
    by_layer.update(absent_blank_flags(names, by_layer, grid, fold))
    missing = [name for name in names if (name not in by_layer if name.startswith("grid_")
                                          else name not in EVIDENCE_TEMPLATES)]
    if missing:
        name = missing[0]
        what = (f"a grid column: its file name in the training region's import, lower-cased, is "
                f"{name[len('grid_'):]!r}"
                if name.startswith("grid_") else "an evidence layer this script does not build")
        raise UsageError(f"the model {model_file} has layer {name!r} ({what}), which this region cannot build; "
                         f"apply it to a region with the same columns, or give --columns-from the training "
                         f"region's manifest.json if the column is a one-hot category absent here")
    grid_layers = [(by_layer[name], "linear") for name in names if name.startswith("grid_")]  # transforms: the model's
    write_fold_scenario(grid, inputs, fold, code, grid_layers, [name for name in names if not name.startswith("grid_")])
    minerisk(binary, "run", fold.scenario, "--model", model_file, "-o", fold.grid, "-q", "--no-picture", "--overwrite")
    probability, own = held_out_scores(binary, grid, fold, code)
    return probability, len(names), own


