"""Regressions for the structural defects issue 10 fixed, and the layout rules it set.

- A sweep's front-line displacement reaches every front-line layer, its own `where` included.
- Record validity is drawn per record: the parts of a multi-part record stand or fall together.
- A perturbation that changes no layer, or a key that does not apply, is refused.
- fit gives the same result for any tile size (it used to be fixed at 512).
- No source file is over 400 lines; the evidence keys are listed in one place.
"""
import subprocess

import h5py
import numpy as np
import pytest
from osgeo import ogr, osr

from conftest import ROOT, run_minerisk

ogr.UseExceptions()


def absolute_scenario(region, tmp_path, text_extra="", replace=None):
    text = (region / "scenario.toml").read_text().replace('"dem.tif"', f'"{region / "dem.tif"}"') \
        .replace('"region.gpkg"', f'"{region / "region.gpkg"}"')
    for old, new in (replace or {}).items():
        assert old in text, old
        text = text.replace(old, new)
    path = tmp_path / "scenario.toml"
    path.write_text(text + text_extra)
    return path


def sweep(tmp_path, scenario, body):
    path = tmp_path / "sweep.toml"
    path.write_text(f'base = "{scenario}"\n' + body)
    out = tmp_path / "s.nc"
    r = run_minerisk("sweep", path, "-o", out, "-q")
    return r, out


def test_displacement_reaches_a_front_line_layer_with_its_own_filter(region, tmp_path):
    # The only front-line layer selects one line by its own `where`: it used to be left in place.
    scenario = absolute_scenario(region, tmp_path, replace={
        'feature = "front_line_distance"': 'feature = "front_line_distance"\nwhere = "name = \'line of contact\'"'})
    r, out = sweep(tmp_path, scenario, "samples = 4\nstack = true\n[uncertainty]\nfront_line_sd = 150.0\n")
    assert r.returncode == 0, r.stderr
    with h5py.File(out, "r") as f:
        assert np.nanmax(f["sd"][:]) > 0.01  # the displaced lines move the probability


def test_a_line_moves_alike_in_a_filtered_and_an_unfiltered_layer(region, tmp_path):
    # A filter that keeps every line must give the very same displaced distances as no filter.
    body = "samples = 3\nseed = 11\nstack = true\n[uncertainty]\nfront_line_sd = 120.0\n"
    stacks = []
    for name, where in (("plain", ""), ("filtered", 'where = "weight > 0"\n')):
        folder = tmp_path / name
        folder.mkdir()
        scenario = absolute_scenario(region, folder, replace={
            'feature = "front_line_distance"': 'feature = "front_line_distance"\n' + where})
        r, out = sweep(folder, scenario, body)
        assert r.returncode == 0, r.stderr
        with h5py.File(out, "r") as f:
            stacks.append(f["probability_stack"][:])
    assert np.nanmax(np.nanstd(stacks[0], axis=0)) > 0.01  # the lines did move
    assert stacks[0].tobytes() == stacks[1].tobytes()


def multipart_records(tmp_path, region):
    """A records layer of one two-part record (reliability 0.5), far-apart squares."""
    path = tmp_path / "records.gpkg"
    srs = osr.SpatialReference()
    srs.ImportFromEPSG(32638)
    ds = ogr.GetDriverByName("GPKG").CreateDataSource(str(path))
    layer = ds.CreateLayer("records", srs, ogr.wkbMultiPolygon)
    layer.CreateField(ogr.FieldDefn("reliability", ogr.OFTReal))
    x0, y0 = 640000.0, 4420000.0

    def square(x, y, s=300.0):
        return f"(({x} {y}, {x + s} {y}, {x + s} {y - s}, {x} {y - s}, {x} {y}))"

    feature = ogr.Feature(layer.GetLayerDefn())
    feature.SetField("reliability", 0.5)
    feature.SetGeometry(ogr.CreateGeometryFromWkt(
        f"MULTIPOLYGON({square(x0 + 1000, y0 - 1000)}, {square(x0 + 4000, y0 - 4000)})"))
    layer.CreateFeature(feature)
    ds = None
    return path, (x0 + 1150, y0 - 1150), (x0 + 4150, y0 - 4150)


def test_record_validity_is_drawn_per_record_not_per_part(region, tmp_path):
    records, a, b = multipart_records(tmp_path, region)
    scenario = absolute_scenario(region, tmp_path, replace={
        f'path = "{region / "region.gpkg"}"\nlayer = "records"': f'path = "{records}"\nlayer = "records"'})
    r, out = sweep(tmp_path, scenario, "samples = 24\nseed = 3\nstack = true\n[uncertainty]\nrecord_validity = true\n")
    assert r.returncode == 0, r.stderr
    with h5py.File(out, "r") as f:
        stack = f["probability_stack"][:]
        x, y = f["x"][:], f["y"][:]
    ca, ra = np.argmin(abs(x - a[0])), np.argmin(abs(y - a[1]))
    cb, rb = np.argmin(abs(x - b[0])), np.argmin(abs(y - b[1]))
    # The record's weight (2) raises both parts' probability in exactly the scenarios where it is true.
    hi_a = stack[:, ra, ca] > np.min(stack[:, ra, ca]) * 1.5
    hi_b = stack[:, rb, cb] > np.min(stack[:, rb, cb]) * 1.5
    assert 0 < hi_a.sum() < len(hi_a)  # drawn both ways
    assert np.array_equal(hi_a, hi_b)  # both parts together


@pytest.mark.parametrize("body,message", [
    ("samples = 2\n[uncertainty]\nfront_line_sd = 50.0\n", "changes no layer"),
    ("samples = 2\n[uncertainty]\nrecord_validity = true\n", "changes no layer"),
])
def test_a_perturbation_that_changes_no_layer_is_refused(region, tmp_path, body, message):
    # The base has [front_lines] and [records] but no layer that reads them.
    scenario = tmp_path / "base.toml"
    text = absolute_scenario(region, tmp_path).read_text()
    head, _, _ = text.partition("[model.evidence.front_lines]")
    scenario.write_text(head.replace("[model.evidence.slope]", "[model.evidence.slope]"))
    r, out = sweep(tmp_path, scenario, body)
    assert r.returncode == 2, r.stderr
    assert message in r.stderr and r.stderr.strip().count("\n") == 0
    assert not out.exists()


def test_a_transform_key_that_does_not_apply_is_refused(region, tmp_path):
    scenario = absolute_scenario(region, tmp_path, replace={
        'transform = { type = "exp_decay", length = 400.0 }': 'transform = { type = "step", threshold = 200.0, length = 400.0 }'})
    r = run_minerisk("run", scenario, "-o", tmp_path / "o.nc", "-q")
    assert r.returncode == 2
    assert "'model.evidence.front_lines.transform.length' applies only to type = \"exp_decay\"" in r.stderr


def test_a_sweep_of_a_transform_field_the_layer_lacks_is_refused(region, tmp_path):
    scenario = absolute_scenario(region, tmp_path)
    r, out = sweep(tmp_path, scenario, '[[axis]]\nparameter = "model.evidence.finds.transform.length"\nvalues = [1, 2]\n')
    assert r.returncode == 2
    assert "does not apply" in r.stderr and "log1p" in r.stderr
    assert not out.exists()


def test_fit_is_the_same_for_any_tile_size(region, tmp_path):
    scenario = absolute_scenario(region, tmp_path, "\n[fit]\nbackground_ratio = 2\nblock_size = 1500\nfolds = 3\n")
    reports = []
    for tile in (64, 200, 512):
        report = tmp_path / f"fit{tile}.json"
        r = run_minerisk("fit", scenario, "-o", tmp_path / f"fitted{tile}.toml", "--report", report,
                         "--tile-size", tile, "-q")
        assert r.returncode == 0, r.stderr
        reports.append(report.read_text())
    assert reports[0] == reports[1] == reports[2]


SOURCE_SUFFIXES = {".cpp", ".hpp", ".h", ".py", ".pyi"}


def test_no_source_file_is_over_400_lines():
    files = subprocess.run(["git", "ls-files"], cwd=ROOT, capture_output=True, text=True, check=True).stdout.split()
    long = []
    for name in files:
        path = ROOT / name
        if path.suffix in SOURCE_SUFFIXES and path.exists():
            n = len(path.read_text(errors="replace").splitlines())
            if n > 400:
                long.append(f"{name}: {n}")
    assert not long, "source files over 400 lines: " + ", ".join(long)


def test_the_evidence_keys_are_listed_in_one_place():
    # Each evidence key has one schema row ({"key", "help", common, read, write}) in the engine;
    # the feature kinds only name the keys they take.
    for key in ("feature", "weight", "transform", "bandwidth", "where", "signed", "path", "layer"):
        found = subprocess.run(["git", "grep", "-nE", f'^ *\\{{"{key}", "[^"]+", (true|false),', "--", "engine"],
                               cwd=ROOT, capture_output=True, text=True).stdout.splitlines()
        assert len(found) == 1 and "scenario_schema.cpp" in found[0], (key, found)


def test_explain_from_python_equals_the_command(region, tmp_path):
    import json

    import minerisk

    out = tmp_path / "run.nc"
    assert run_minerisk("run", region / "scenario.toml", "-o", out, "-q", "--no-picture").returncode == 0
    with h5py.File(out, "r") as f:
        x, y = float(f["x"][300]), float(f["y"][200])
    r = run_minerisk("explain", out, x, y, "--json")
    assert r.returncode == 0, r.stderr
    assert minerisk.explain(out, x, y) == json.loads(r.stdout)
    with pytest.raises(minerisk.Error, match="outside the grid"):
        minerisk.explain(out, 0.0, 0.0)


def test_clearance_pod_is_drawn_per_record_not_per_part(region, tmp_path):
    records, a, b = multipart_records(tmp_path, region)  # one two-part polygon feature, reused as a clearance
    scenario = absolute_scenario(region, tmp_path, replace={
        f'path = "{region / "region.gpkg"}"\nlayer = "cleared"\npod_field = "pod"':
            f'path = "{records}"\nlayer = "records"\npod_field = "reliability"'})
    base = tmp_path / "base.nc"
    assert run_minerisk("run", scenario, "-o", base, "-q", "--no-picture").returncode == 0
    r, out = sweep(tmp_path, scenario, "samples = 12\nseed = 5\nstack = true\n[uncertainty]\npod_beta = [1.0, 1.0]\n")
    assert r.returncode == 0, r.stderr
    with h5py.File(out, "r") as f, h5py.File(base, "r") as g:
        stack, p0 = f["probability_stack"][:].astype(float), g["probability"][:].astype(float)
        x, y = f["x"][:], f["y"][:]
    logit = lambda p: np.log(p / (1 - p))  # noqa: E731
    shifts = []
    for px, py in (a, b):
        c, r_ = np.argmin(abs(x - px)), np.argmin(abs(y - py))
        # log(1 - POD_drawn) - log(1 - POD_base): the same at both parts when one POD is drawn per record.
        shifts.append(logit(stack[:, r_, c]) - logit(p0[r_, c]))
    assert np.std(shifts[0]) > 0.1  # the POD was drawn
    assert np.allclose(shifts[0], shifts[1], atol=1e-3)
