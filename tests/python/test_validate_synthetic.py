"""datasets/validate_synthetic.py: a model fitted on one generated region, applied to others it has
never seen, scored against their true devices beside their own fits, the hand-set weights and
two no-fit rules."""
import hashlib
import json
import subprocess
import tomllib

import numpy as np
import pytest
from osgeo import gdal

from conftest import ROOT, minerisk_bin, run_minerisk

SCRIPT = ROOT / "datasets" / "validate_synthetic.py"
GRIDS = {"hand-set": "hand_set", "applied": "applied", "own fit": "own_fit", "finds alone": "finds_alone",
         "front lines alone": "front_lines_alone"}
DEVICES = {"in the ground": ["--where", "fate IN ('remaining', 'missed by clearance')"], "all": []}


def validate(*args):
    return subprocess.run(["/usr/bin/python3", str(SCRIPT), "--minerisk", str(minerisk_bin()), *map(str, args)],
                          capture_output=True, text=True, timeout=600)


@pytest.fixture(scope="module")
def validated(tmp_path_factory):
    folder = tmp_path_factory.mktemp("validate_synthetic")
    r = validate("--size", 256, "--seeds", 11, 12, "--repeats", 2, "--keep", folder / "work", "--json",
                 folder / "scores.json")
    assert r.returncode == 0, r.stderr
    return folder / "work", json.loads((folder / "scores.json").read_text()), r.stdout


def probability(path):
    return gdal.Open(f'NETCDF:"{path}":probability').ReadAsArray()


def test_the_scores_are_those_of_the_kept_grids(validated, tmp_path):
    work, scores, stdout = validated
    assert sorted(scores["regions"]) == ["11", "12"] and scores["size"] == 256
    for seed, region_scores in scores["regions"].items():
        region = work / f"seed{seed}"
        for column, grid in GRIDS.items():
            for devices, where in DEVICES.items():
                r = run_minerisk("evaluate", region / f"{grid}.nc", "--truth", region / "truth.gpkg", "--layer",
                                 "devices", "-o", tmp_path / "e.json", "--overwrite", "-q", *where)
                assert r.returncode == 0, r.stderr
                e = json.loads((tmp_path / "e.json").read_text())
                got = region_scores["scores"][column][devices]
                assert got["capture_at_10_percent"] == pytest.approx(100 * e["capture_at_area"]["10%"])
                assert (got["roc_auc"], got["devices"]) == (e["roc_auc"], e["true_items"])
        counts = {d: region_scores["scores"]["hand-set"][d]["devices"] for d in DEVICES}
        assert 0 < counts["in the ground"] < counts["all"]  # the finds' own devices are left out
        # Each column's figure is printed in the region's row of both tables; the own fit's weights kept.
        rows = [line for line in stdout.splitlines() if line.split()[:1] == [seed]]
        for row, devices in zip(rows, DEVICES):
            assert f"{region_scores['scores']['applied'][devices]['capture_at_10_percent']:.1f} %" in row
        assert region_scores["own_fit_weights"]["finds"] == \
            tomllib.loads((region / "own_fit.toml").read_text())["model"]["evidence"]["finds"]["weight"]
    for devices in DEVICES:
        means = scores["mean_capture_at_10_percent"][devices]
        for column in GRIDS:
            assert means[column] == pytest.approx(np.mean([r["scores"][column][devices]["capture_at_10_percent"]
                                                           for r in scores["regions"].values()]))


def test_the_applied_grid_is_the_training_model_run_on_the_region(validated, tmp_path):
    """No fit on the region it is applied to: the grid is `run --model` of the training region's
    model, and the model file is the one fitted on seed 7 (its provenance holds that scenario's hash)."""
    work, scores, _ = validated
    model = tomllib.loads((work / "model.toml").read_text())
    assert model["training"]["fit"]["repeats"] == 2
    scenario = next(i for i in model["training"]["inputs"] if i["role"] == "scenario")
    assert scenario["sha256"] == hashlib.sha256((work / "seed7" / "scenario.toml").read_bytes()).hexdigest()
    assert scores["model"]["finds"] == model["model"]["evidence"]["finds"]["weight"]
    region = work / "seed11"
    r = run_minerisk("run", region / "scenario.toml", "--model", work / "model.toml", "-o", tmp_path / "again.nc",
                     "--no-picture", "-q")
    assert r.returncode == 0, r.stderr
    assert np.array_equal(probability(tmp_path / "again.nc"), probability(region / "applied.nc"), equal_nan=True)
    assert not np.array_equal(probability(region / "own_fit.nc"), probability(region / "applied.nc"), equal_nan=True)


def strings(value):
    if isinstance(value, dict):
        return [s for v in value.values() for s in strings(v)]
    if isinstance(value, list):
        return [s for v in value for s in strings(v)]
    return [value] if isinstance(value, str) else []


def test_no_model_reads_the_truth_and_the_rules_have_one_layer(validated):
    """No scenario, fitted scenario or model names the truth file (the generated scenario's comment
    says it is deliberately left out)."""
    work, _, _ = validated
    tomls = list(work.rglob("*.toml"))
    assert len(tomls) == 2 + 4 * 2 + 1  # the training scenario and fit; each region's scenario, fit, 2 rules; the model
    for toml in tomls:
        assert not [s for s in strings(tomllib.loads(toml.read_text())) if "truth" in s], toml
    for rule, layer in (("finds_alone", "finds"), ("front_lines_alone", "front_lines")):
        scenario = tomllib.loads((work / "seed12" / f"{rule}.toml").read_text())
        assert list(scenario["model"]["evidence"]) == [layer]
        assert scenario["model"]["evidence"][layer]["weight"] == 1.0


@pytest.mark.parametrize("args,message", [
    (["--seeds", "7", "8"], "seed 7 is the training region"),
    (["--seeds", "07"], "seed 7 is the training region"),  # the region of seed 7 all the same
    (["--seeds", "x"], "seed 'x' is not a whole number"),
    (["--seeds", "\u0661\u0662"], "is not a whole number"),  # Arabic-Indic 12: int() would take it
    (["--seeds", "11", "11"], "names a region twice"),
    (["--size", "0"], "at least 64 cells"),
    (["--json", ""], "--json is empty; give a path"),
    (["--json", "new_folder/"], "is empty, exists or names a folder"),
    (["--keep", ""], "--keep is empty"),
    (["--minerisk", "/"], "is not a program"),
    (["--json", "/no/such/folder/s.json"], "its folder does not exist"),
    (["--minerisk", "/no/such/minerisk"], "is not a program"),
])
def test_bad_arguments_are_refused(args, message):
    r = validate(*args)
    assert r.returncode == 2 and message in r.stderr, r.stderr


def test_an_existing_json_is_never_replaced(tmp_path):
    (tmp_path / "scores.json").write_text("kept")
    r = validate("--json", tmp_path / "scores.json")
    assert r.returncode == 2 and "exists" in r.stderr
    assert (tmp_path / "scores.json").read_text() == "kept"
    (tmp_path / "link.json").symlink_to(tmp_path / "nowhere.json")  # a dangling link is not written through
    r = validate("--json", tmp_path / "link.json")
    assert r.returncode == 2 and "exists" in r.stderr and not (tmp_path / "nowhere.json").exists()


def test_the_pass_layer_enters_the_fits_and_leaves_the_other_columns_as_they_were(validated, tmp_path):
    """--pass-layer: the fits and the applied model read the experimental layer (weight 0 in the
    scenario), so the hand-set column scores exactly as without it (the no-fit rules are built
    from scenario.toml either way: compared to show --pass-layer leaves them alone)."""
    _, without, _ = validated
    r = validate("--size", 256, "--seeds", 11, "--repeats", 2, "--pass-layer", "--keep", tmp_path / "work",
                 "--json", tmp_path / "scores.json")
    assert r.returncode == 0, r.stderr
    scores = json.loads((tmp_path / "scores.json").read_text())
    assert scores["pass_layer"] is True and without["pass_layer"] is False
    for column in ("hand-set", "finds alone", "front lines alone"):
        assert scores["regions"]["11"]["scores"][column] == without["regions"]["11"]["scores"][column]
    assert "passes" in scores["model"] and "passes" in scores["regions"]["11"]["own_fit_weights"]
    assert scores["regions"]["11"]["own_fit_weights"] != without["regions"]["11"]["own_fit_weights"]
    # The same --keep folder without --pass-layer: the region is rewritten and its old layer removed.
    r = validate("--size", 256, "--seeds", 11, "--repeats", 1, "--keep", tmp_path / "work")
    assert r.returncode == 0, r.stderr
    assert not list((tmp_path / "work").rglob("passes.tif")) and not list((tmp_path / "work").rglob("*passes.toml"))
