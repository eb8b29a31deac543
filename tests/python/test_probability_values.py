"""The values of a grid read as probabilities, by areas and evaluate alike: an infinity is no
data, as explain and diff take it; a finite value outside [0, 1] (a count, a score, a no-data
value the file does not declare) is refused, where evaluate scored it and areas refused an
infinity."""
import json

import numpy as np
from osgeo import gdal, ogr

from areas_helpers import X0, Y0, bumps, features, run_areas, write_grid
from conftest import run_minerisk
from test_bad_inputs import make_vector

BLOBS = [(15, 20, 0.8, 4.0), (40, 55, 0.6, 5.0)]


def grids(tmp_path, fill):
    """The same probabilities twice: a block of cells and one cell as NaN, and as `fill`."""
    p = bumps(60, 80, BLOBS)
    marked = p.copy()
    for a, value in ((p, np.nan), (marked, fill)):
        a[10:14, 10:30] = value
        a[30, 30] = -value if value == np.inf else value
    return write_grid(tmp_path / "nan.tif", p), write_grid(tmp_path / "marked.tif", marked)


def truth(tmp_path):
    points = [(f"POINT ({X0 + (c + 0.5) * 10} {Y0 - (r + 0.5) * 10})", {}) for r, c in ((15, 20), (40, 55), (12, 15), (50, 5))]
    make_vector(tmp_path / "truth.gpkg", "devices", ogr.wkbPoint, points)
    return tmp_path / "truth.gpkg"


def test_an_infinity_is_no_data_in_areas_and_evaluate(tmp_path):
    nan, inf = grids(tmp_path, np.inf)
    r, by_nan, nan_gpkg = run_areas(nan, tmp_path, name="nan")
    assert r.returncode == 0, r.stderr
    r, by_inf, inf_gpkg = run_areas(inf, tmp_path, name="inf")
    assert r.returncode == 0, r.stderr  # was refused: "holds inf, not a probability"
    assert by_inf["areas"] == by_nan["areas"] and by_inf["land_ha"] == by_nan["land_ha"]
    assert [f["geom"].wkt for f in features(inf_gpkg)] == [f["geom"].wkt for f in features(nan_gpkg)]
    scores = []
    for grid in (nan, inf):
        r = run_minerisk("evaluate", grid, "--truth", truth(tmp_path), "-o", tmp_path / "e.json", "-q", "--overwrite")
        assert r.returncode == 0, r.stderr
        scores.append(json.loads((tmp_path / "e.json").read_text()))
    for key in ("cells", "roc_auc", "true_items", "true_items_without_probability"):
        assert scores[0][key] == scores[1][key], key
    assert scores[1]["true_items_without_probability"] == 1  # the point on the block


def test_an_undeclared_no_data_value_is_refused_with_the_way_to_declare_it(tmp_path):
    _, marked = grids(tmp_path, -9999.0)
    for command in (["areas", marked, "-o", tmp_path / "a.gpkg"], ["evaluate", marked, "--truth", truth(tmp_path)]):
        r = run_minerisk(*command, "-q")
        assert r.returncode == 2 and r.stderr.count("\n") == 1, r.stderr
        assert f"grid '{marked}' holds -9999, not a probability in [0, 1]" in r.stderr, r.stderr
        assert "declare it the file's no-data value (gdal_edit -a_nodata -9999 FILE)" in r.stderr, r.stderr
    assert sorted(p.name for p in tmp_path.iterdir()) == ["marked.tif", "nan.tif", "truth.gpkg"]
    # Declared, it is no data, and both commands take the grid.
    declared = write_grid(tmp_path / "declared.tif", gdal.Open(str(marked)).ReadAsArray(), nodata=-9999)
    r, _, _ = run_areas(declared, tmp_path)
    assert r.returncode == 0, r.stderr
    r = run_minerisk("evaluate", declared, "--truth", truth(tmp_path), "-q", "-o", tmp_path / "e.json")
    assert r.returncode == 0, r.stderr


def test_a_score_beyond_one_is_refused_without_the_no_data_advice(tmp_path):
    _, scaled = grids(tmp_path, 1.5)
    r = run_minerisk("evaluate", scaled, "--truth", truth(tmp_path), "-q")
    assert r.returncode == 2 and "holds 1.5, not a probability in [0, 1]" in r.stderr and "gdal_edit" not in r.stderr, r.stderr


def test_nothing_to_score_is_told_by_its_cause(tmp_path):
    """Each said "no true item falls on a cell of the grid with a probability; check the truth's
    CRS and extent", which sent the user to the CRS of a truth that was fine."""
    nan, _ = grids(tmp_path, np.inf)
    empty = write_grid(tmp_path / "empty.tif", np.full((60, 80), np.nan, np.float32))
    on_no_data = tmp_path / "on_no_data.gpkg"
    make_vector(on_no_data, "devices", ogr.wkbPoint, [(f"POINT ({X0 + 155} {Y0 - 115})", {})])  # row 11, column 15
    labels = write_grid(tmp_path / "labels.tif", np.zeros((60, 80), np.float32))
    none = tmp_path / "none.gpkg"
    make_vector(none, "devices", ogr.wkbPoint, [])
    zero = tmp_path / "zero.gpkg"
    make_vector(zero, "devices", ogr.wkbPoint, [(f"POINT ({X0 + 205} {Y0 - 155})", {"n": 0})], fields=[("n", ogr.OFTReal)])
    for grid, truth_args, says in [
            (empty, [truth(tmp_path)], f"grid '{empty}' has no cell with a probability (all no data)"),
            (nan, [on_no_data], "the one true item on the grid falls on a cell without a probability (no data)"),
            (nan, [labels], f"raster '{labels}' labels no cell positive (> 0)"),
            (nan, [none], "has no features; give a layer with points"),
            (nan, [truth(tmp_path), "--where", "fid > 99"], '(with where = "fid > 99") has no features'),
            (nan, [zero, "--count-field", "n"], "no true item to score: every point's --count-field 'n' is 0")]:
        r = run_minerisk("evaluate", grid, "--truth", *truth_args, "-q", "-o", tmp_path / "e.json")
        assert r.returncode == 2 and says in r.stderr and r.stderr.count("\n") == 1, r.stderr


def test_the_evaluation_report_is_named_json(tmp_path):
    """evaluate -o x.txt wrote JSON under a .txt name, where areas and report hold to theirs."""
    nan, _ = grids(tmp_path, np.inf)
    r = run_minerisk("evaluate", nan, "--truth", truth(tmp_path), "-q", "-o", tmp_path / "x.txt")
    assert r.returncode == 2 and "-o: '" in r.stderr and "is not a .json name" in r.stderr, r.stderr
    assert not (tmp_path / "x.txt").exists() and not (tmp_path / "x.png").exists()
