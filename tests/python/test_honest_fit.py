"""fit never lets a training cell see its own label: layers built from the finds or the cleared
land are cross-fitted (each training cell's value from the labels outside its own fold), the
cross-validation rebuilds them without the held-out fold, and separation is reported."""
import json
import shutil
import tomllib

import numpy as np
import pytest
from osgeo import gdal, ogr

from conftest import run_minerisk, scenario_text

DISTANCE_TO_FINDS_ONLY = """
[model.evidence.to_finds]
feature = "vector_distance"
path = "{gpkg}"
layer = "finds"
weight = -1.0
transform = "log1p"
"""


def zones_raster(path, region, zone_of):
    """A zone raster on the region's grid: zone_of(rows, cols) gives each cell's zone."""
    dem = gdal.Open(str(region / "dem.tif"))
    ds = gdal.GetDriverByName("GTiff").Create(str(path), dem.RasterXSize, dem.RasterYSize, 1, gdal.GDT_Float32)
    ds.SetGeoTransform(dem.GetGeoTransform())
    ds.SetProjection(dem.GetProjection())
    rows, cols = np.mgrid[0:dem.RasterYSize, 0:dem.RasterXSize]
    ds.GetRasterBand(1).WriteArray(zone_of(rows, cols).astype(np.float32))
    ds = None
    return path


def fit(scenario, folder, *options):
    report, design = folder / "fit.json", folder / "design.csv"
    r = run_minerisk("fit", scenario, "-o", folder / "fitted.toml", "--report", report, "--design", design,
                     "--overwrite", *options)
    assert r.returncode == 0, r.stderr
    return json.loads(report.read_text()), np.genfromtxt(design, delimiter=",", names=True), r


@pytest.mark.parametrize("folds", [["--block-size", "1000"], ["--zones", "ZONES"]])
def test_distance_to_finds_alone_is_no_longer_a_perfect_score(region, tmp_path, write_scenario, folds):
    """The leak of issue 13: a find's own cell is at distance 0 from its find, so a fit whose
    folds did not rebuild the distance scored ROC-AUC 1.0 with `--zones`."""
    evidence = DISTANCE_TO_FINDS_ONLY.format(gpkg=region / "region.gpkg")
    s = write_scenario(scenario_text(region, evidence=evidence) + "\n[fit]\nbackground_ratio = 3\n")
    if folds[0] == "--zones":
        folds = ["--zones", zones_raster(tmp_path / "zones.tif", region, lambda r, c: (r // 150) * 4 + c // 150)]
    report, design, _ = fit(s, tmp_path, *folds)
    assert report["cross_fitted_layers"] == ["to_finds"]
    cv = report["cross_validation"]
    assert cv["folds"] >= 4
    assert cv["roc_auc"] < 0.9, cv  # was 1.0: honest, whatever the layer is worth
    # And no training positive sits at distance 0: its own find is never used for it.
    positives = design["to_finds"][design["label"] == 1]
    assert positives.min() > 0
    assert report["separation_warnings"] == []


@pytest.mark.parametrize("layer", ["FINDS", "Finds"])
def test_the_finds_layer_named_in_another_case_is_cross_fitted(region, tmp_path, write_scenario, layer):
    """GeoPackage finds a layer whatever the case of its name: "FINDS" read the finds themselves
    but was not taken for them, so every training find saw itself at 0 m (ROC-AUC 0.998)."""
    evidence = DISTANCE_TO_FINDS_ONLY.format(gpkg=region / "region.gpkg").replace('layer = "finds"', f'layer = "{layer}"')
    s = write_scenario(scenario_text(region, evidence=evidence) + "\n[fit]\nbackground_ratio = 3\n")
    report, design, _ = fit(s, tmp_path, "--block-size", "1000")
    assert report["cross_fitted_layers"] == ["to_finds"]
    assert report["cross_validation"]["roc_auc"] < 0.9
    assert design["to_finds"][design["label"] == 1].min() > 0


def test_a_grid_computed_from_the_finds_is_refused_as_a_layer(region, tmp_path, write_scenario):
    """Yesterday's output as a raster layer saw every find (CV ROC-AUC 0.735 where the honest
    layer gives 0.625); a raster cannot be built out of fold, so fit refuses it. run takes it."""
    grid = tmp_path / "yesterday.nc"
    assert run_minerisk("run", write_scenario(scenario_text(region)), "-o", grid, "-q").returncode == 0
    prior = f"""
[model.evidence.prior]
feature = "raster"
path = 'NETCDF:"{grid}":probability'
weight = 1.0
"""
    s = write_scenario(scenario_text(region, evidence=prior))
    r = run_minerisk("fit", s, "-o", tmp_path / "fitted.toml", "--block-size", "1000")
    assert r.returncode == 2 and r.stderr.count("\n") == 1, r.stderr
    assert "layer 'model.evidence.prior' reads a raster computed by minerisk from" in r.stderr and "region.gpkg" in r.stderr
    assert not (tmp_path / "fitted.toml").exists()
    assert run_minerisk("run", s, "-o", tmp_path / "today.nc", "-q").returncode == 0
    # A grid made from a copy of the finds elsewhere (another machine, a moved folder): the same bytes.
    elsewhere = tmp_path / "elsewhere"
    shutil.copytree(region, elsewhere)
    scenario = write_scenario(scenario_text(elsewhere), "elsewhere.toml")
    assert run_minerisk("run", scenario, "-o", grid, "-q", "--overwrite").returncode == 0
    r = run_minerisk("fit", s, "-o", tmp_path / "fitted.toml", "--block-size", "1000")
    assert r.returncode == 2 and "by path or by bytes" in r.stderr, r.stderr


def finds_and_cells(region, width, geotransform):
    """Each find's (x, y, count) and the row and column of its cell."""
    ds = ogr.Open(str(region / "region.gpkg"))
    finds = []
    for f in ds.GetLayerByName("finds"):
        g = f.GetGeometryRef()
        finds.append((g.GetX(), g.GetY(), f.GetField("count")))
    finds = np.array(finds)
    col = np.floor((finds[:, 0] - geotransform[0]) / geotransform[1]).astype(int)
    row = np.floor((finds[:, 1] - geotransform[3]) / geotransform[5]).astype(int)
    return finds, row, col


def test_out_of_fold_layers_never_see_the_cells_own_zone(region, tmp_path, write_scenario):
    """Brute force on the 600 x 600 region: each training cell's distance to the finds and
    density of finds, from the finds outside its own zone only, equal fit's design."""
    gpkg = region / "region.gpkg"
    evidence = f"""
[model.evidence.to_finds]
feature = "vector_distance"
path = "{gpkg}"
layer = "finds"
weight = -1.0

[model.evidence.density]
feature = "find_density"
bandwidth = 150.0
weight = 1.0

[model.evidence.share]
feature = "find_share"
where = "count = 1"
others = "count > 1"
bandwidth = 150.0
weight = 1.0

[model.evidence.contrast]
feature = "find_contrast"
where = "count = 1"
others = "count > 1"
weight = 1.0

[model.evidence.slope]
feature = "slope"
weight = -0.04
"""
    zone_of = lambda r, c: (r // 200) * 3 + c // 200  # nine zones of 200 x 200 cells  # noqa: E731
    zones = zones_raster(tmp_path / "zones.tif", region, zone_of)
    s = write_scenario(scenario_text(region, evidence=evidence) + "\n[fit]\nbackground_ratio = 1\n")
    report, design, _ = fit(s, tmp_path, "--zones", zones)
    assert sorted(report["cross_fitted_layers"]) == ["contrast", "density", "share", "to_finds"]
    dem = gdal.Open(str(region / "dem.tif"))
    gt = dem.GetGeoTransform()
    finds, find_row, find_col = finds_and_cells(region, dem.RasterXSize, gt)
    find_zone = zone_of(find_row, find_col)
    rows, cols = design["row"].astype(int), design["col"].astype(int)
    assert len(rows) > 200
    h = 150.0
    for i in range(len(rows)):
        x, y = gt[0] + (cols[i] + 0.5) * gt[1], gt[3] + (rows[i] + 0.5) * gt[5]
        other = find_zone != zone_of(rows[i], cols[i])
        dx, dy = finds[other, 0] - x, finds[other, 1] - y
        assert design["to_finds"][i] == pytest.approx(np.hypot(dx, dy).min(), rel=1e-5, abs=1e-3)
        inside = (np.abs(dx) <= 4 * h) & (np.abs(dy) <= 4 * h)  # the kernel's truncation
        kernel = np.where(inside, np.exp(-(dx ** 2 + dy ** 2) / (2 * h * h)), 0.0) * 1e6 / (2 * np.pi * h * h)
        count = finds[other, 2]
        density = (count * kernel).sum()  # items per km2
        assert design["density"][i] == pytest.approx(density, rel=1e-4, abs=1e-6)
        # The share of finds of count 1 among all, with the prior 0.25 at 0.05 sites per km2.
        ones, rest = (count * kernel)[count == 1].sum(), (count * kernel)[count > 1].sum()
        share = (ones + 0.25 * 0.05) / (ones + rest + 0.05)
        assert design["share"][i] == pytest.approx(share, rel=1e-4, abs=1e-6)
        # log(1 + km to the nearest other site) - log(1 + km to the nearest find of count 1).
        metres = np.hypot(dx, dy)
        contrast = np.log1p(metres[count > 1].min() / 1000) - np.log1p(metres[count == 1].min() / 1000)
        assert design["contrast"][i] == pytest.approx(contrast, rel=1e-4, abs=1e-5)
    # Slope is not built from labels: it is the same cell's slope whatever the folds.
    assert "slope" not in report["cross_fitted_layers"]


def test_separation_is_reported_with_the_layer_that_causes_it(region, tmp_path, write_scenario):
    """A raster that is the labels under another name separates the classes perfectly."""
    labels = zones_raster(tmp_path / "labels.tif", region, lambda r, c: ((r // 30 + c // 30) % 2).astype(float))
    leak = zones_raster(tmp_path / "leak.tif", region, lambda r, c: ((r // 30 + c // 30) % 2) * 5.0 + 1.0)
    evidence = f"""
[model.evidence.slope]
feature = "slope"
weight = -0.04

[model.evidence.leak]
feature = "raster"
path = "{leak}"
weight = 1.0
"""
    s = write_scenario(scenario_text(region, evidence=evidence) + f'\n[fit]\nlabels = "{labels}"\n')
    report, _, r = fit(s, tmp_path)
    assert any("'leak' separates the training cells perfectly" in w for w in report["separation_warnings"])
    assert "warning: layer 'leak' separates" in r.stderr
    # The label raster itself as a layer is refused: no fold could hide a cell's own label.
    s = write_scenario(scenario_text(region, evidence=evidence.replace(str(leak), str(labels))) +
                       f'\n[fit]\nlabels = "{labels}"\n', name="own_labels.toml")
    r = run_minerisk("fit", s, "-o", tmp_path / "refused.toml")
    assert r.returncode == 2 and "reads the label raster" in r.stderr
    assert not (tmp_path / "refused.toml").exists()


def test_coefficients_on_both_scales_and_learned_curves(region, tmp_path, write_scenario):
    s = write_scenario(scenario_text(region) + "\n[fit]\nblock_size = 1500\nbackground_ratio = 2\n")
    r = run_minerisk("fit", s, "-o", tmp_path / "fitted.toml", "--report", tmp_path / "fit.json", "--knots", "4",
                     "--curves", tmp_path / "curves.png")
    assert r.returncode == 0, r.stderr
    report = json.loads((tmp_path / "fit.json").read_text())
    assert {c["layer"] for c in report["learned_curves"]} == {"slope", "front_lines", "finds", "records"}
    for c in report["learned_curves"]:
        assert len(c["x"]) == len(c["contribution"]) >= 2 and c["contribution"][0] == 0
        assert np.all(np.diff(c["x"]) > 0)
    names = [c["name"] for c in report["coefficients"]]
    assert "slope:segment 1" in names
    png = gdal.Open(str(tmp_path / "curves.png"))
    assert png.GetDriver().ShortName == "PNG" and png.RasterXSize > 300
    # The fitted scenario holds each curve as a piecewise transform and runs.
    fitted = tomllib.loads((tmp_path / "fitted.toml").read_text())
    for c in report["learned_curves"]:
        layer = fitted["model"]["evidence"][c["layer"]]
        assert layer["weight"] == 1.0
        assert layer["transform"] == {"type": "piecewise", "x": c["x"], "y": c["contribution"]}
    r = run_minerisk("run", tmp_path / "fitted.toml", "-o", tmp_path / "fitted.nc", "-q", "--no-picture")
    assert r.returncode == 0, r.stderr
    r = run_minerisk("fit", s, "-o", tmp_path / "b.toml", "--curves", tmp_path / "c.png")
    assert r.returncode == 2 and "--knots" in r.stderr
    # One segment is a straight line, which a weight already is: refused as the help says.
    for segments in ("1", "51"):
        r = run_minerisk("fit", s, "-o", tmp_path / "b.toml", "--knots", segments)
        assert r.returncode == 2 and f"from 2 to 50, not {segments};" in r.stderr, r.stderr
    assert "--knots INT:0 or 2 - 50" in run_minerisk("fit", "--help").stdout


def test_an_effect_against_the_declared_direction_is_set_to_zero(region, tmp_path, write_scenario):
    """`effect = "increasing"` on slope, whose fitted weight is negative: fit sets it to 0 and
    refits the rest; without the constraint the weight is negative."""
    free = write_scenario(scenario_text(region) + "\n[fit]\nblock_size = 1500\nbackground_ratio = 2\n")
    report, _, _ = fit(free, tmp_path)
    weights = {c["name"]: c["weight"] for c in report["coefficients"]}
    assert weights["slope"] < 0
    text = free.read_text().replace('feature = "slope"\n', 'feature = "slope"\neffect = "increasing"\n')
    constrained = write_scenario(text, name="constrained.toml")
    report, _, _ = fit(constrained, tmp_path)
    coefficients = {c["name"]: c for c in report["coefficients"]}
    assert coefficients["slope"]["weight"] == 0 and coefficients["slope"]["standard_error"] == 0
    assert coefficients["front_lines"]["weight"] != weights["front_lines"]  # the others were refitted
    r = run_minerisk("fit", write_scenario(text.replace('"increasing"', '"upwards"'), name="bad.toml"), "-o",
                     tmp_path / "bad.toml.out.toml")
    assert r.returncode == 2 and "effect" in r.stderr and "increasing" in r.stderr


def write_labels_gpkg(path, srs, finds, polygons):
    """A GeoPackage with a `finds` point layer (count 1) and a `cleared` polygon layer (pod 0.9)."""
    ds = ogr.GetDriverByName("GPKG").CreateDataSource(str(path))
    points = ds.CreateLayer("finds", srs, ogr.wkbPoint)
    points.CreateField(ogr.FieldDefn("count", ogr.OFTInteger))
    for x, y in finds:
        f = ogr.Feature(points.GetLayerDefn())
        f.SetGeometry(ogr.CreateGeometryFromWkt(f"POINT ({x} {y})"))
        f.SetField("count", 1)
        points.CreateFeature(f)
    cleared = ds.CreateLayer("cleared", srs, ogr.wkbPolygon)
    cleared.CreateField(ogr.FieldDefn("pod", ogr.OFTReal))
    for x0, y0, x1, y1 in polygons:
        f = ogr.Feature(cleared.GetLayerDefn())
        f.SetGeometry(ogr.CreateGeometryFromWkt(f"POLYGON (({x0} {y0}, {x1} {y0}, {x1} {y1}, {x0} {y1}, {x0} {y0}))"))
        f.SetField("pod", 0.9)
        cleared.CreateFeature(f)
    ds = None


def test_a_cleared_polygon_crossing_a_zone_is_left_out_whole_outline_included(region, tmp_path, write_scenario):
    """A long cleared rectangle whose corners lie in zones 0 and 2 covers cells of zone 1. For
    zone 1's training cells it is left out whole: neither its interior nor its outline may give
    them a distance to their own cleared land (the review found the outline did, at 5 m)."""
    dem = gdal.Open(str(region / "dem.tif"))
    x0, dx, _, y0, _, dy = dem.GetGeoTransform()
    zone_of = lambda r, c: c // 200  # three stripes of 200 columns  # noqa: E731
    zones = zones_raster(tmp_path / "zones.tif", region, zone_of)
    centre = lambda r, c: (x0 + (c + 0.5) * dx, y0 + (r + 0.5) * dy)  # noqa: E731
    long_one = (*centre(320, 50), *centre(280, 550))  # columns 50 to 550: zones 0, 1 and 2
    squares = [(*centre(40, 20), *centre(20, 40)), (*centre(580, 560), *centre(560, 580))]
    finds = [centre(r, c) for r, c in [(100, 100), (500, 120), (100, 300), (500, 320), (100, 500), (500, 480)]]
    labels = tmp_path / "labels.gpkg"
    write_labels_gpkg(labels, dem.GetSpatialRef(), finds, [long_one] + squares)
    evidence = f"""
[model.evidence.to_cleared]
feature = "vector_distance"
path = "{labels}"
layer = "cleared"
weight = 1.0

[model.evidence.slope]
feature = "slope"
weight = -0.04
"""
    text = scenario_text(region, evidence=evidence).replace(f'path = "{region / "region.gpkg"}"\nlayer = "finds"',
                                                            f'path = "{labels}"\nlayer = "finds"')
    text = text.replace(f'path = "{region / "region.gpkg"}"\nlayer = "cleared"', f'path = "{labels}"\nlayer = "cleared"')
    s = write_scenario(text + "\n[fit]\nbackground_ratio = 0\n")
    report, design, _ = fit(s, tmp_path, "--zones", zones, "--no-cross-validation")
    assert report["cross_fitted_layers"] == ["to_cleared"]
    in_zone_1 = (design["col"] >= 200) & (design["col"] < 400) & (design["label"] == 0)
    assert in_zone_1.sum() > 100  # the rectangle's cells in zone 1 are negatives
    # Their nearest cleared land is then one of the two small squares, hundreds of metres away.
    assert design["to_cleared"][in_zone_1].min() > 1000


def test_another_layer_of_the_finds_file_is_not_built_from_labels(region, tmp_path, write_scenario):
    """The front lines live in the finds' GeoPackage: a distance to them is not a label layer."""
    evidence = f"""
[model.evidence.to_lines]
feature = "vector_distance"
path = "{region / "region.gpkg"}"
layer = "front_lines"
weight = -0.001

[model.evidence.finds]
feature = "find_density"
bandwidth = 250.0
weight = 0.9
transform = "log1p"
"""
    s = write_scenario(scenario_text(region, evidence=evidence) + "\n[fit]\nbackground_ratio = 2\n")
    report, _, _ = fit(s, tmp_path, "--block-size", "1000")
    assert report["cross_fitted_layers"] == ["finds"]


def test_cross_fitting_over_a_single_zone_is_refused(region, tmp_path, write_scenario):
    zones = zones_raster(tmp_path / "one_zone.tif", region, lambda r, c: r * 0 + 1)
    s = write_scenario(scenario_text(region))
    r = run_minerisk("fit", s, "-o", tmp_path / "fitted.toml", "--zones", zones)
    assert r.returncode == 2 and "at least 2 folds" in r.stderr and r.stderr.strip().count("\n") == 0
    # Without label layers the fit is made, and the note gives the reason there is no score (it
    # blamed the classes in each fold).
    only_slope = '\n[model.evidence.slope]\nfeature = "slope"\nweight = -0.04\n'
    s = write_scenario(scenario_text(region, evidence=only_slope) + "\n[fit]\nbackground_ratio = 2\n")
    report, _, r = fit(s, tmp_path, "--zones", zones)
    assert "give fewer than 2 folds, so nothing is held out" in r.stderr and report["cross_validation"]["roc_auc"] is None


def test_a_label_raster_off_the_grid_is_said(region, tmp_path, write_scenario):
    """A coarser label raster is a fair way to train, but it was taken at the cells' centres
    without a word, where evaluate --truth refuses one."""
    fine = zones_raster(tmp_path / "fine.tif", region, lambda r, c: ((r // 40 + c // 40) % 2).astype(float))
    coarse = tmp_path / "coarse.tif"
    gdal.Translate(str(coarse), str(fine), xRes=20, yRes=20, resampleAlg="nearest")
    evidence = '\n[model.evidence.slope]\nfeature = "slope"\nweight = -0.04\n'
    for labels, said in [(fine, False), (coarse, True)]:
        s = write_scenario(scenario_text(region, evidence=evidence) + f'\n[fit]\nlabels = "{labels}"\n')
        report, _, r = fit(s, tmp_path)
        note = f"the label raster {labels} is not on the grid's cells"
        assert (note in r.stderr) == said and any(note in n for n in report["notes"]) == said, r.stderr


def test_records_that_are_the_cleared_land_are_refused(region, tmp_path, write_scenario):
    """[records] pointed at the cleared layer made the records' coverage the negatives' own mask,
    which fit never rebuilds: a weight of -7.9 and no word (a probe)."""
    text = scenario_text(region).replace('layer = "records"\nreliability_field = "reliability"', 'layer = "cleared"')
    assert text.count('layer = "cleared"') == 2
    s = write_scenario(text)
    r = run_minerisk("fit", s, "-o", tmp_path / "fitted.toml")
    assert r.returncode == 2 and r.stderr.count("\n") == 1, r.stderr
    assert "'model.evidence.records' is the coverage of [records], which reads the layer of the scenario's cleared " \
           "land" in r.stderr and "point [records] at the minefield records" in r.stderr
    assert run_minerisk("run", s, "-o", tmp_path / "out.nc", "-q").returncode == 0  # run takes it
    # The same layer of a copy of the GeoPackage.
    import shutil
    shutil.copy(region / "region.gpkg", tmp_path / "copy.gpkg")
    copied = text.replace(f'[records]\npath = "{region / "region.gpkg"}"', f'[records]\npath = "{tmp_path / "copy.gpkg"}"')
    assert copied != text
    r = run_minerisk("fit", write_scenario(copied, name="copy.toml"), "-o", tmp_path / "fitted.toml")
    assert r.returncode == 2 and "is the coverage of [records]" in r.stderr, r.stderr
