"""minerisk fit, evaluate and explain, end to end, against scikit-learn and hand computations."""
import json

import h5py
import numpy as np
import pytest
from osgeo import gdal, ogr

from conftest import run_minerisk, scenario_text, EVIDENCE_STEP

import sklearn  # noqa: E402  (installed by scripts/setup)
from sklearn.linear_model import LogisticRegression  # noqa: E402
from sklearn.metrics import average_precision_score, roc_auc_score  # noqa: E402

FIT = "\n[fit]\nblock_size = 1500\nbackground_ratio = 2\nl2 = 1.0\n"


@pytest.fixture(scope="module")
def fitted(region, tmp_path_factory):
    folder = tmp_path_factory.mktemp("fit")
    scenario = folder / "scenario.toml"
    scenario.write_text(scenario_text(region) + FIT)
    out = folder / "fitted.toml"
    r = run_minerisk("fit", scenario, "-o", out, "--report", folder / "fit.json", "--design", folder / "design.csv")
    assert r.returncode == 0, r.stderr
    return folder


def test_fit_writes_a_scenario_that_runs(fitted):
    text = (fitted / "fitted.toml").read_text()
    assert text.startswith("# Fitted by minerisk fit")
    r = run_minerisk("run", fitted / "fitted.toml", "-o", fitted / "fitted.nc", "-q")
    assert r.returncode == 0, r.stderr
    report = json.loads((fitted / "fit.json").read_text())
    names = [c["name"] for c in report["coefficients"]]
    assert names[0] == "intercept" and set(names[1:]) == {"slope", "front_lines", "finds", "records"}
    assert report["cross_validation"]["folds"] == 5
    assert 0 < report["cross_validation"]["roc_auc"] < 1
    assert any(w["layer"] == "records" for w in report["weights_of_evidence"])


def test_coefficients_equal_scikit_learn(fitted):
    design = np.genfromtxt(fitted / "design.csv", delimiter=",", names=True)
    names = [n for n in design.dtype.names if n not in ("row", "col", "label")]
    X = np.column_stack([design[n] for n in names])
    y = design["label"]
    # fit standardises each layer over the training cells (population sd, as StandardScaler),
    # penalises the standardised weights, and maps them back to the layers' own scale.
    mean, sd = X.mean(axis=0), X.std(axis=0)
    model = LogisticRegression(C=1.0, solver="newton-cg", tol=1e-12, max_iter=10000).fit((X - mean) / sd, y)
    report = json.loads((fitted / "fit.json").read_text())
    coefficients = {c["name"]: c for c in report["coefficients"]}
    standardised = dict(zip(names, model.coef_[0]), intercept=model.intercept_[0])
    original = dict(zip(names, model.coef_[0] / sd), intercept=model.intercept_[0] - np.sum(model.coef_[0] * mean / sd))
    for name in standardised:
        assert coefficients[name]["standardised_weight"] == pytest.approx(standardised[name], rel=1e-4, abs=1e-8), name
        assert coefficients[name]["weight"] == pytest.approx(original[name], rel=1e-4, abs=1e-8), name


def test_evaluate_matches_scikit_learn_metrics(region, fitted):
    grid = fitted / "fitted.nc"
    report = fitted / "evaluation.json"
    r = run_minerisk("evaluate", grid, "--truth", region / "region.gpkg", "--layer", "finds", "--count-field", "count",
                     "-o", report)
    assert r.returncode == 0, r.stderr
    result = json.loads(report.read_text())
    assert gdal.Open(str(report.with_suffix(".png"))).GetDriver().ShortName == "PNG"
    # The same metrics from the file and the points, with scikit-learn.
    with h5py.File(grid, "r") as f:
        p = f["probability"][:]
        gt = [float(v) for v in f["crs"].attrs["GeoTransform"].decode().split()]
    items = np.zeros_like(p, dtype=float)
    finds_ds = ogr.Open(str(region / "region.gpkg"))  # kept alive: GDAL 3.6 frees the layer with it
    for feature in finds_ds.GetLayerByName("finds"):
        x, y = feature.GetGeometryRef().GetX(), feature.GetGeometryRef().GetY()
        col, row = int(np.floor((x - gt[0]) / gt[1])), int(np.floor((y - gt[3]) / gt[5]))
        if 0 <= row < p.shape[0] and 0 <= col < p.shape[1]:
            items[row, col] += feature.GetField("count")
    valid = np.isfinite(p)
    scores, truth = p[valid].astype(float), items[valid]
    assert result["roc_auc"] == pytest.approx(roc_auc_score(truth > 0, scores), abs=1e-9)
    assert result["pr_auc"] == pytest.approx(average_precision_score(truth > 0, scores), abs=1e-9)
    assert result["true_items"] == truth.sum()
    # Capture at 10 % of the area, by hand: the items in the top tenth of the cells.
    order = np.argsort(-scores, kind="stable")
    top = order[: int(round(0.1 * scores.size))]
    assert result["capture_at_area"]["10%"] == pytest.approx(truth[top].sum() / truth.sum(), abs=2e-3)


def test_explain_adds_up_to_the_cell_probability(fitted):
    grid = fitted / "fitted.nc"
    with h5py.File(grid, "r") as f:
        p = f["probability"][:]
        gt = [float(v) for v in f["crs"].attrs["GeoTransform"].decode().split()]
    row, col = np.unravel_index(np.nanargmax(p), p.shape)
    x, y = gt[0] + (col + 0.5) * gt[1], gt[3] + (row + 0.5) * gt[5]
    r = run_minerisk("explain", grid, x, y, "--json")
    assert r.returncode == 0, r.stderr
    e = json.loads(r.stdout)
    assert (e["row"], e["col"]) == (row, col)
    assert e["probability"] == pytest.approx(float(p[row, col]), rel=1e-6)
    assert e["probability_rank"] > 0.99
    total = e["intercept"] + sum(layer["contribution"] for layer in e["layers"])
    assert total == pytest.approx(e["log_odds"], abs=1e-6)
    # The file's evidence is packed: each layer within half a step of its computed value.
    p_cell = e["probability"]
    assert 1 / (1 + np.exp(-total)) == pytest.approx(
        p_cell, abs=1e-5 + p_cell * (1 - p_cell) * len(e["layers"]) * EVIDENCE_STEP / 2)
    table = run_minerisk("explain", grid, x, y)
    assert "rank in region" in table.stdout and "front_lines" in table.stdout


def test_explain_ranks_are_the_share_of_cells_below(fitted):
    """The rank is the share of the region's cells with data strictly below the cell's, as the README
    says; ties were counted half, so a contribution of 0 that most of the region shares (no record)
    ranked 44 % with no cell below it. Checked on the stored values (packed integers keep order)."""
    grid, evidence = fitted / "fitted.nc", fitted / "fitted_evidence.nc"
    with h5py.File(grid, "r") as f:
        p = f["probability"][:]
        gt = [float(v) for v in f["crs"].attrs["GeoTransform"].decode().split()]
    with h5py.File(evidence, "r") as f:
        stored = {name: f[name][:] for name in ("records", "front_lines", "slope")}
    row, col = np.argwhere(stored["records"] == 0)[0]  # a cell outside every record
    e = json.loads(run_minerisk("explain", grid, gt[0] + (col + 0.5) * gt[1], gt[3] + (row + 0.5) * gt[5], "--json").stdout)
    valid = ~np.isnan(p)
    assert e["probability_rank"] == pytest.approx((p[valid] < p[row, col]).mean(), abs=1e-12)
    ranks = {layer["layer"]: layer["rank"] for layer in e["layers"]}
    for name, values in stored.items():
        data = values[values != -32768]
        assert ranks[name] == pytest.approx((data < values[row, col]).mean(), abs=1e-12), name
    assert ranks["records"] == 0 and (stored["records"] == 0).mean() > 0.5


def labels_raster(path, region, fill):
    dem = gdal.Open(str(region / "dem.tif"))
    ds = gdal.GetDriverByName("GTiff").Create(str(path), dem.RasterXSize, dem.RasterYSize, 1, gdal.GDT_Float32)
    ds.SetGeoTransform(dem.GetGeoTransform())
    ds.SetProjection(dem.GetProjection())
    ds.GetRasterBand(1).WriteArray(fill(dem.RasterYSize, dem.RasterXSize))
    ds = None
    return path


@pytest.mark.parametrize("case,fill,message", [
    ("no positives", lambda h, w: np.zeros((h, w)), "no positive training cells"),
    ("no negatives", lambda h, w: np.ones((h, w)), "no negative training cells"),
])
def test_fit_refuses_labels_of_one_class(region, tmp_path, write_scenario, case, fill, message):
    labels = labels_raster(tmp_path / "labels.tif", region, fill)
    s = write_scenario(scenario_text(region) + f'\n[fit]\nlabels = "{labels}"\n')
    r = run_minerisk("fit", s, "-o", tmp_path / "fitted.toml")
    assert r.returncode == 2, (case, r.stderr)
    assert message in r.stderr and r.stderr.strip().count("\n") == 0
    assert not (tmp_path / "fitted.toml").exists()


def test_fit_refuses_a_constant_layer(region, tmp_path, write_scenario):
    constant = labels_raster(tmp_path / "constant.tif", region, lambda h, w: np.full((h, w), 3.0))
    evidence = f'''
[model.evidence.slope]
feature = "slope"
weight = -0.04

[model.evidence.flat]
feature = "raster"
path = "{constant}"
weight = 1.0
'''
    s = write_scenario(scenario_text(region, evidence=evidence) + FIT)
    r = run_minerisk("fit", s, "-o", tmp_path / "fitted.toml")
    assert r.returncode == 2, r.stderr
    assert "'model.evidence.flat' is constant" in r.stderr


def test_fit_refuses_a_singular_design_naming_the_layer(region, tmp_path, write_scenario):
    evidence = '''
[model.evidence.slope]
feature = "slope"
weight = -0.04

[model.evidence.slope_again]
feature = "slope"
weight = 1.0
'''
    s = write_scenario(scenario_text(region, evidence=evidence) + FIT.replace("l2 = 1.0", "l2 = 0"))
    r = run_minerisk("fit", s, "-o", tmp_path / "fitted.toml")
    assert r.returncode == 2, r.stderr
    assert "layer 'slope_again' repeats 'slope'" in r.stderr and "l2" in r.stderr


def test_evaluate_refuses_truth_off_the_grid(region, fitted, tmp_path):
    far = tmp_path / "far.gpkg"
    ds = ogr.GetDriverByName("GPKG").CreateDataSource(str(far))
    srs = gdal.Open(str(region / "dem.tif")).GetSpatialRef()
    layer = ds.CreateLayer("devices", srs, ogr.wkbPoint)
    f = ogr.Feature(layer.GetLayerDefn())
    f.SetGeometry(ogr.CreateGeometryFromWkt("POINT (646500 4419000)"))
    layer.CreateFeature(f)
    ds = None
    r = run_minerisk("evaluate", fitted / "fitted.nc", "--truth", far, "-o", tmp_path / "e.json")
    assert r.returncode == 2
    assert "--truth: the one true item lies outside the grid; check the truth's CRS and extent" in r.stderr, r.stderr


def test_evaluate_says_which_true_items_it_leaves_out(region, fitted, tmp_path):
    """Items on a cell without a probability, and beyond the grid, were dropped without a word: the
    capture's denominator was the rest. They are now counted apart, in the JSON and on stdout."""
    dem = gdal.Open(str(region / "dem.tif"))
    gt = dem.GetGeoTransform()
    grid = gdal.GetDriverByName("GTiff").Create(str(tmp_path / "grid.tif"), 20, 10, 1, gdal.GDT_Float32)
    grid.SetGeoTransform(gt)
    grid.SetProjection(dem.GetProjection())
    p = np.linspace(0.01, 0.9, 200, dtype=np.float32).reshape(10, 20)
    p[:, :4] = np.nan  # no data in the first four columns
    grid.GetRasterBand(1).WriteArray(p)
    grid = None
    truth = tmp_path / "truth.gpkg"
    ds = ogr.GetDriverByName("GPKG").CreateDataSource(str(truth))
    layer = ds.CreateLayer("devices", dem.GetSpatialRef(), ogr.wkbPoint)
    layer.CreateField(ogr.FieldDefn("count", ogr.OFTReal))
    # (column, row, count): two scored, one of 2.5 items on no data, one of 4 beyond the grid.
    for col, row, count in ((10, 2, 1), (15, 7, 1), (1, 5, 2.5), (30, 5, 4)):
        f = ogr.Feature(layer.GetLayerDefn())
        f.SetGeometry(ogr.CreateGeometryFromWkt(f"POINT ({gt[0] + (col + 0.5) * gt[1]} {gt[3] + (row + 0.5) * gt[5]})"))
        f["count"] = count
        layer.CreateFeature(f)
    ds = None
    r = run_minerisk("evaluate", tmp_path / "grid.tif", "--truth", truth, "--count-field", "count", "-o", tmp_path / "e.json")
    assert r.returncode == 0, r.stderr
    assert "not scored: 2.5 items on cells without a probability (no data), 4 outside the grid" in r.stdout, r.stdout
    result = json.loads((tmp_path / "e.json").read_text())
    assert (result["true_items"], result["true_items_without_probability"], result["true_items_outside_grid"]) == (2, 2.5, 4)
    # A label raster: its no-data cells say nothing (left out, not counted), and nothing lies beyond the grid.
    labels = np.zeros((10, 20), np.float32)
    labels[2, 10] = labels[5, 1] = 1
    out = gdal.GetDriverByName("GTiff").Create(str(tmp_path / "labels.tif"), 20, 10, 1, gdal.GDT_Float32)
    out.SetGeoTransform(gt)
    out.SetProjection(dem.GetProjection())
    out.GetRasterBand(1).WriteArray(labels)
    out = None
    r = run_minerisk("evaluate", tmp_path / "grid.tif", "--truth", tmp_path / "labels.tif", "-o", tmp_path / "l.json")
    assert r.returncode == 0 and "not scored: 1 items on cells without a probability" in r.stdout, r.stdout + r.stderr
    result = json.loads((tmp_path / "l.json").read_text())
    assert (result["true_items_without_probability"], result["true_items_outside_grid"]) == (1, None)


def test_evaluate_against_a_label_raster(region, fitted, tmp_path):
    """Labels on the grid: > 0 positive, 0 negative, no-data and negatives left out."""
    grid = fitted / "fitted.nc"
    with h5py.File(grid, "r") as f:
        p = f["probability"][:]
    rng = np.random.default_rng(9)
    labels = np.where(rng.random(p.shape) < 0.02, 1.0, 0.0)
    labels[rng.random(p.shape) < 0.3] = -1.0  # unknown: left out
    labels_raster(tmp_path / "labels.tif", region, lambda h, w: labels)
    r = run_minerisk("evaluate", grid, "--truth", tmp_path / "labels.tif", "-o", tmp_path / "e.json")
    assert r.returncode == 0, r.stderr
    result = json.loads((tmp_path / "e.json").read_text())
    keep = np.isfinite(p) & (labels >= 0)
    assert result["cells"] == keep.sum()
    # The land left out is counted and said: the shares of the area are of the labelled land.
    unlabelled = (np.isfinite(p) & (labels < 0)).sum()
    assert result["cells_without_label"] == unlabelled > 0
    assert f"not scored: {unlabelled} cells with a probability have no label" in r.stdout, r.stdout
    assert result["roc_auc"] == pytest.approx(roc_auc_score(labels[keep] > 0, p[keep]), abs=1e-9)
    assert result["pr_auc"] == pytest.approx(average_precision_score(labels[keep] > 0, p[keep]), abs=1e-9)


@pytest.mark.parametrize("where", ["item = 'UXO'", "fid IN (SELECT fid FROM finds WHERE item = 'UXO')"])
def test_evaluate_where_scores_only_the_items_it_selects(region, fitted, tmp_path, where):
    """--where (an attribute filter, or a subquery into the GeoPackage, as the README's scores by
    kind of minefield use) gives the report of a truth file holding only those items."""
    source = ogr.Open(str(region / "region.gpkg"))  # kept alive: GDAL 3.6 frees the layer with it
    finds = source.GetLayerByName("finds")
    selected = tmp_path / "uxo.gpkg"
    out = ogr.GetDriverByName("GPKG").CreateDataSource(str(selected))
    layer = out.CreateLayer("finds", finds.GetSpatialRef(), ogr.wkbPoint)
    layer.CreateField(ogr.FieldDefn("count", ogr.OFTInteger))
    kept = 0
    for feature in finds:
        if feature.GetField("item") == "UXO":
            copy = ogr.Feature(layer.GetLayerDefn())
            copy.SetGeometry(feature.GetGeometryRef().Clone())
            copy.SetField("count", feature.GetField("count"))
            layer.CreateFeature(copy)
            kept += 1
    out = None
    assert 0 < kept < finds.GetFeatureCount()
    grid = tmp_path / "grid.nc"
    r = run_minerisk("run", fitted / "fitted.toml", "-o", grid, "--no-picture")
    assert r.returncode == 0, r.stderr
    by_hand, filtered = tmp_path / "by_hand.json", tmp_path / "filtered.json"
    r = run_minerisk("evaluate", grid, "--truth", selected, "--count-field", "count", "-o", by_hand)
    assert r.returncode == 0, r.stderr
    r = run_minerisk("evaluate", grid, "--truth", region / "region.gpkg", "--layer", "finds", "--count-field", "count",
                     "--where", where, "-o", filtered)
    assert r.returncode == 0, r.stderr
    expected, result = json.loads(by_hand.read_text()), json.loads(filtered.read_text())
    for key in ("true_items", "roc_auc", "pr_auc", "capture_at_area"):
        assert result[key] == expected[key], key


def test_fit_without_a_penalty_names_the_repeated_layer(region, tmp_path, write_scenario):
    # The height and 3 x the height carry the same information: l2 = 0 cannot weigh them apart.
    tripled = tmp_path / "tripled.tif"
    gdal.Translate(str(tripled), str(region / "dem.tif"), scaleParams=[[0, 1, 0, 3]])
    evidence = f'''
[model.evidence.height]
feature = "raster"
path = "{region / 'dem.tif'}"
weight = 0.01

[model.evidence.height_tripled]
feature = "raster"
path = "{tripled}"
weight = 0.01
'''
    s = write_scenario(scenario_text(region, evidence=evidence) + FIT.replace("l2 = 1.0", "l2 = 0"))
    r = run_minerisk("fit", s, "-o", tmp_path / "fitted.toml")
    assert r.returncode == 2, r.stderr
    assert "layer 'height_tripled' repeats 'height'" in r.stderr, r.stderr
    assert r.stderr.strip().count("\n") == 0


@pytest.mark.parametrize("l2, says", [("0", "without a penalty its weight grows without bound; set [fit] l2 (--l2) "
                                              "larger than 0"),
                                       ("1e-300", "a penalty too small to hold it; set [fit] l2 (--l2) larger than "
                                                  "1e-300")])
def test_fit_without_a_penalty_names_the_separating_layer(region, tmp_path, write_scenario, l2, says):
    labels = labels_raster(tmp_path / "labels.tif", region,
                           lambda h, w: np.where(np.arange(h).reshape(-1, 1) < h // 3, 1.0, 0.0) * np.ones((h, w)))
    north = labels_raster(tmp_path / "north.tif", region, lambda h, w: -np.arange(h).reshape(-1, 1) * np.ones((h, w)))
    evidence = f'''
[model.evidence.slope]
feature = "slope"
weight = -0.04

[model.evidence.north]
feature = "raster"
path = "{north}"
weight = 0.01
'''
    s = write_scenario(scenario_text(region, evidence=evidence) +
                       f'\n[fit]\nlabels = "{labels}"\nblock_size = 1500\nl2 = {l2}\n')
    r = run_minerisk("fit", s, "-o", tmp_path / "fitted.toml")
    assert r.returncode == 2, r.stderr
    assert "layer 'north' separates the training cells perfectly" in r.stderr, r.stderr
    assert says in r.stderr and r.stderr.strip().count("\n") == 0


def test_a_class_without_weights_of_evidence_is_named(region, tmp_path):
    """A class no training find lies in (slope above 60 degrees) has no finite W+: it was left out
    of the weights-of-evidence table without a word, as if the layer were not classed."""
    steep = '\n[model.evidence.steep]\nfeature = "slope"\nweight = 1.0\ntransform = { type = "step", threshold = 60.0 }\n'
    scenario = tmp_path / "scenario.toml"
    scenario.write_text(scenario_text(region) + steep + FIT)
    r = run_minerisk("fit", scenario, "-o", tmp_path / "fitted.toml", "--report", tmp_path / "fit.json")
    assert r.returncode == 0, r.stderr
    says = "weights of evidence: 'steep' (no training find lies in it) is left out of the table, having no finite W+"
    assert says in r.stderr, r.stderr
    report = json.loads((tmp_path / "fit.json").read_text())
    assert not any(w["layer"] == "steep" for w in report["weights_of_evidence"])
    assert any(n.startswith(says) for n in report["notes"])
