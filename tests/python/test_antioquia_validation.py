"""datasets/validate_antioquia.py: leave-one-municipality-out validation on the real Antioquia grid
(skipped without ../shared), and on small synthetic grids written here (always run): baselines
measured on the data itself, the RELand figures only for their own CSV, regions whose columns
differ, blank cells, and the nearest-label rule against a brute-force computation."""
import json
import pathlib
import subprocess
import sys

import numpy as np
import pytest

from conftest import ROOT, minerisk_bin

sys.path.insert(0, str(ROOT / "tests" / "python"))
import antioquia_synthetic  # noqa: E402
import import_antioquia  # noqa: E402  (datasets/ is on the path through conftest)
import antioquia_baselines  # noqa: E402
import validate_antioquia  # noqa: E402

CSV = ROOT.parent / "shared" / "data" / "reland-antioquia" / "antioquia_grid.csv"
needs_real_csv = pytest.mark.skipif(not CSV.exists(), reason=f"the real Antioquia grid is not at {CSV}")
BASELINES = {"nearest-label rule (no fit)", "scikit-learn logistic regression", "scikit-learn gradient boosting"}


def validate(*args, keep):
    return subprocess.run(["/usr/bin/python3", str(ROOT / "datasets" / "validate_antioquia.py"), "--minerisk",
                           minerisk_bin(), "--keep", str(keep), *map(str, args)],
                          capture_output=True, text=True, timeout=900)


@needs_real_csv
def test_minerisk_beats_the_tabular_models_on_unseen_municipalities(tmp_path):
    result = validate(keep=tmp_path)
    assert result.returncode == 0, result.stderr
    scores = json.loads(pathlib.Path(tmp_path, "validation.json").read_text())
    assert scores["held_out_cells"] == 1132 + 3357
    # Measured 80.2 / 60.0 (README); the goal of issue 13 is 80 / 58. Above the nearest-label rule
    # (77.3 / 56.8), the study's logistic regression (59.2 / 39.8) and gradient boosting
    # (67.4 / 37.2) on the same cells.
    assert scores["roc_auc_percent"] >= 80.0
    assert scores["pr_auc_percent"] >= 58.0
    # This is the CSV the study's figures were measured on: they are printed and stored.
    assert set(scores["study_baselines_percent"]) == set(validate_antioquia.STUDY_BASELINES[
        scores["source"]["sha256"]])
    assert "RELand study, gradient boosting (published for this CSV" in result.stdout
    assert set(scores["baselines_percent"]) == BASELINES


@needs_real_csv
def test_the_study_figures_are_keyed_by_the_real_csv():
    import hashlib
    assert hashlib.sha256(CSV.read_bytes()).hexdigest() in validate_antioquia.STUDY_BASELINES


# ---------------------------------------------------------------------------------------------
# Synthetic regions


@pytest.fixture(scope="module")
def other_region(tmp_path_factory):
    """The validation run on a synthetic CSV with blank 'rwi' cells: (work folder, process, json)."""
    folder = tmp_path_factory.mktemp("other_region")
    antioquia_synthetic.write_region(folder / "grid.csv", blanks={"rwi": [2, 40, 41, 200]})
    result = validate("--csv", folder / "grid.csv", "--model", "all", keep=folder / "work")
    assert result.returncode == 0, result.stderr
    return folder / "work", result, json.loads((folder / "work" / "validation.json").read_text())


def test_another_csv_gets_no_study_baselines(other_region):
    work, result, scores = other_region
    assert f"written to {work / 'grid'}\n" in result.stdout  # kept (--keep): the summary says where
    assert "RELand study" not in result.stdout
    assert "study_baselines_percent" not in scores
    assert "59.2" not in result.stdout and "67.4" not in result.stdout
    assert "'all' model, label layers cross-fitted, up to" in result.stdout, result.stdout


def test_another_csv_gets_baselines_measured_on_itself(other_region):
    _, result, scores = other_region
    assert set(scores["baselines_percent"]) == BASELINES
    for name in BASELINES:
        assert f"  {name}" in result.stdout
        figures = scores["baselines_percent"][name]
        assert 0 <= figures["roc_auc"] <= 100 and 0 <= figures["pr_auc"] <= 100
    labels = [int(row["mines_outcome"]) for row in antioquia_synthetic.region_rows()]
    assert scores["held_out_cells"] == sum(label >= 0 for label in labels)
    assert scores["positive_cells"] == labels.count(1)


def test_blank_cells_reach_the_models_as_a_filled_column_and_a_flag(other_region):
    work, _, scores = other_region
    assert scores["columns"]["blank_cells"] == {"rwi": 4}
    assert "rwi is blank" in scores["columns"]["tabular_inputs"]
    scenario = (work / "fold_01" / "scenario.toml").read_text()
    assert f'path = "{work / "columns" / "rwi.tif"}"' in scenario  # the copy with blanks filled
    assert "[model.evidence.grid_rwi_missing]" in scenario


def test_a_region_read_with_another_regions_columns(tmp_path):
    """The reference has 'Vocacion_Forestal' (one-hot), this region lacks it and has 'CLIMA_Nuevo'."""
    antioquia_synthetic.write_region(tmp_path / "reference.csv")
    import_antioquia.import_grid(tmp_path / "reference.csv", tmp_path / "reference")
    antioquia_synthetic.write_region(tmp_path / "other.csv", seed=1, drop=("Vocacion_Forestal",),
                                     extra=("CLIMA_Nuevo",))
    result = validate("--csv", tmp_path / "other.csv", "--columns-from", tmp_path / "reference" / "manifest.json",
                      "--exclude-victim-counts", keep=tmp_path / "work")
    assert result.returncode == 0, result.stderr
    notes = [line for line in result.stderr.splitlines() if "column" in line]
    assert notes == [
        "validate_antioquia: column 'Vocacion_Forestal' is absent here: one-hot, so filled with 0 "
        "(category absent in this region)",
        "validate_antioquia: column 'CLIMA_Nuevo' is not in the reference: ignored",
    ]
    scores = json.loads((tmp_path / "work" / "validation.json").read_text())
    assert scores["columns"]["used"] == list(antioquia_synthetic.BASE_COLUMNS)
    assert scores["columns"]["filled_with_zero"] == ["Vocacion_Forestal"]
    assert scores["columns"]["ignored"] == ["CLIMA_Nuevo"]
    scenario = (tmp_path / "work" / "fold_01" / "scenario.toml").read_text()
    assert "clima_nuevo" not in scenario.lower()
    # The victim count is left out of minerisk's model; the tabular baselines keep it.
    assert "grid_amenaza" not in scenario and scores["victim_count_columns_excluded"] == ["Amenaza"]
    assert "Amenaza" in scores["columns"]["tabular_inputs"]


def test_a_missing_column_that_is_not_one_hot_is_refused(tmp_path):
    antioquia_synthetic.write_region(tmp_path / "reference.csv")
    import_antioquia.import_grid(tmp_path / "reference.csv", tmp_path / "reference")
    antioquia_synthetic.write_region(tmp_path / "other.csv", drop=("coca_dist",))
    result = validate("--csv", tmp_path / "other.csv", "--columns-from", tmp_path / "reference" / "manifest.json",
                      keep=tmp_path / "work")
    assert result.returncode == 2
    assert len(result.stderr.splitlines()) == 1, result.stderr
    assert "column 'coca_dist' of the reference is absent" in result.stderr and "not one-hot" in result.stderr


def test_an_unreadable_reference_is_refused_in_one_line(tmp_path):
    result = validate("--columns-from", tmp_path / "absent.json", keep=tmp_path / "work")
    assert result.returncode == 2
    assert result.stderr.strip().count("\n") == 0 and "reference manifest" in result.stderr


def test_column_plan_without_and_with_a_reference():
    plan = validate_antioquia.plan_columns(["a", "CLIMA_x"])
    assert (plan.used, plan.filled_with_zero, plan.ignored) == (["a", "CLIMA_x"], [], [])
    plan = validate_antioquia.plan_columns(["a", "CLIMA_x", "extra"], ["a", "TIPO_RELIE_y", "CLIMA_x"])
    assert (plan.used, plan.filled_with_zero, plan.ignored) == (["a", "TIPO_RELIE_y", "CLIMA_x"], ["TIPO_RELIE_y"],
                                                                ["extra"])
    with pytest.raises(validate_antioquia.UsageError, match="'rwi'"):
        validate_antioquia.plan_columns(["a"], ["a", "rwi"])


def test_a_line_says_when_minerisk_does_no_better():
    measured = {"rule": (77.3, 56.8), "boosting": (67.6, 37.1)}
    assert validate_antioquia.not_better_lines(80.0, 60.0, measured) == []
    lines = validate_antioquia.not_better_lines(76.9, 60.0, measured)
    assert lines == ["minerisk does no better than the best baseline on ROC-AUC: rule 77.3 against minerisk's 76.9"]


# ---------------------------------------------------------------------------------------------
# The nearest-label rule against brute force


def haversine_m(lon1, lat1, lon2, lat2):
    lon1, lat1, lon2, lat2 = map(np.radians, (lon1, lat1, lon2, lat2))
    a = np.sin((lat2 - lat1) / 2) ** 2 + np.cos(lat1) * np.cos(lat2) * np.sin((lon2 - lon1) / 2) ** 2
    return 2 * antioquia_baselines.EARTH_RADIUS_M * np.arcsin(np.sqrt(a))


def test_nearest_label_rule_matches_brute_force(tmp_path):
    rows = antioquia_synthetic.write_region(tmp_path / "grid.csv", size=8, seed=2)
    import_antioquia.import_grid(tmp_path / "grid.csv", tmp_path / "grid")
    grid = validate_antioquia.Grid(str(tmp_path / "grid"))
    plan = validate_antioquia.plan_columns(grid.columns())
    cells = validate_antioquia.Cells(grid, validate_antioquia.model_inputs(grid, plan, str(tmp_path / "work")))
    # Brute force from the CSV's own coordinates and names, not the importer's lattice.
    labelled = [row for row in rows if row["mines_outcome"] != "-1"]
    lon = np.array([float(row["LONGITUD_X"]) for row in labelled])
    lat = np.array([float(row["LATITUD_Y"]) for row in labelled])
    label = np.array([int(row["mines_outcome"]) for row in labelled])
    town = np.array([row["Municipio"] for row in labelled])
    codes = {name: code for code, name in enumerate(sorted(set(town)), start=1)}
    for name, code in codes.items():
        expected = []
        train = town != name
        for k in np.flatnonzero(~train):
            d = haversine_m(lon[k], lat[k], lon[train], lat[train])
            expected.append(np.log1p(d[label[train] == 0].min()) - np.log1p(d[label[train] == 1].min()))
        # Both orderings are row-major from the north-west: the CSV is written south to north, so sort.
        got = validate_antioquia.baseline_fold(cells, code)["nearest-label rule (no fit)"]
        got_lonlat = np.column_stack(cells.lonlat_of(cells.municipality == code))
        want_lonlat = np.column_stack([lon[~train], lat[~train]])
        order_got, order_want = np.lexsort(got_lonlat.T), np.lexsort(want_lonlat.T)
        np.testing.assert_allclose(got_lonlat[order_got], want_lonlat[order_want], atol=1e-9)
        np.testing.assert_allclose(got[order_got], np.array(expected)[order_want], rtol=0, atol=1e-6)


def test_a_model_fitted_on_one_region_is_applied_to_another(tmp_path):
    """--write-model fits on every labelled cell of region A; --apply-model scores region B's
    municipalities with it, each one's label layers built from B's other municipalities."""
    antioquia_synthetic.write_region(tmp_path / "a.csv", seed=0)
    antioquia_synthetic.write_region(tmp_path / "b.csv", seed=1)
    model = tmp_path / "a_model.toml"
    written = validate("--csv", tmp_path / "a.csv", "--write-model", model, keep=tmp_path / "a")
    assert written.returncode == 0, written.stderr
    assert "format = 'minerisk model'" in model.read_text()
    applied = validate("--csv", tmp_path / "b.csv", "--apply-model", model, "--json", tmp_path / "b.json",
                       keep=tmp_path / "b")
    assert applied.returncode == 0, applied.stderr
    scores = json.loads((tmp_path / "b" / "validation.json").read_text())
    assert scores["model"] == f"model file {model}, applied"
    assert json.loads((tmp_path / "b.json").read_text()) == scores
    # No fit ran, so nothing was cross-fitted: the result line does not say it was.
    assert "applied, up to" in applied.stdout and "cross-fitted" not in applied.stdout, applied.stdout
    assert 0 <= scores["roc_auc_percent"] <= 100
    # No fit ran on region B: each fold ran the model file.
    assert not list((tmp_path / "b").glob("fold_*/fitted.toml"))
    # A region without a column the model uses is refused in one line.
    antioquia_synthetic.write_region(tmp_path / "c.csv", seed=2, drop=("Amenaza",))
    refused = validate("--csv", tmp_path / "c.csv", "--apply-model", model, keep=tmp_path / "c")
    assert refused.returncode == 2 and "grid_amenaza" in refused.stderr, refused.stderr


def test_arguments_that_would_fail_later_are_refused_first(tmp_path):
    """Exit code 2 and a line saying what is wrong, before any import or fit; never a traceback."""
    taken = tmp_path / "taken.json"
    taken.write_text("{}")
    cases = {
        ("--json", taken): "is empty, exists or names a folder",
        ("--json", tmp_path / "no_folder" / "s.json"): "its folder does not exist",
        ("--minerisk", tmp_path / "no_such_minerisk"): "is not a program; build it (scripts/setup)",
        ("--write-model", tmp_path / "m.toml", "--apply-model", tmp_path / "m.toml"): "not allowed with argument",
        ("--apply-model", tmp_path / "no_model.toml"): "is not a file; give the model file --write-model wrote",
        ("--apply-model", tmp_path): "is not a file",
        ("--write-model", taken / "m.toml"): "a file stands where a folder is needed",
        ("--write-model", taken): "exists; remove it or choose another name",
        ("--write-model", tmp_path / "m.toml", "--json", tmp_path / "s.json"): "scores nothing; leave one of them out",
        ("--json", tmp_path / "w" / "validation.json"): "lies in --keep",
        ("--write-model", ""): "--write-model is empty; give a path, or leave the option out",
        ("--keep", ""): "--keep is empty",
    }
    for args, says in cases.items():
        command = ["/usr/bin/python3", str(ROOT / "datasets" / "validate_antioquia.py"), "--keep", tmp_path / "w"]
        (tmp_path / "w").mkdir(exist_ok=True)  # so that a --json inside it passes the folder check
        if "--minerisk" not in args:
            command += ["--minerisk", minerisk_bin()]
        result = subprocess.run([str(c) for c in command + list(args)], capture_output=True, text=True, timeout=60)
        # argparse's way: the usage, then one line saying what is wrong.
        assert result.returncode == 2 and says in result.stderr.splitlines()[-1], (args, result.stderr)
        assert "Traceback" not in result.stderr, result.stderr
    assert taken.read_text() == "{}" and not any((tmp_path / "w").iterdir())
    keep_a_file = subprocess.run(["/usr/bin/python3", str(ROOT / "datasets" / "validate_antioquia.py"), "--keep",
                                  str(taken), "--minerisk", minerisk_bin()], capture_output=True, text=True, timeout=60)
    assert keep_a_file.returncode == 2 and "a file stands where a folder is needed" in keep_a_file.stderr


def test_a_region_without_a_class_or_a_model_file_is_refused_in_one_line(tmp_path):
    """Said of the CSV or the model file the user gave, not of a fold's temporary files."""
    import csv
    rows = antioquia_synthetic.write_region(tmp_path / "grid.csv")
    with open(tmp_path / "grid.csv", newline="") as f:
        header = next(csv.reader(f))
    for value, meaning in (("1", "a find"), ("0", "land cleared without finds")):
        with open(tmp_path / f"no_{value}.csv", "w", newline="") as f:
            writer = csv.DictWriter(f, header)
            writer.writeheader()
            writer.writerows([dict(row, mines_outcome="-1" if row["mines_outcome"] == value else row["mines_outcome"])
                              for row in rows])
        r = validate("--csv", tmp_path / f"no_{value}.csv", keep=tmp_path / f"w{value}")
        assert r.returncode == 2 and r.stderr.splitlines()[-1] == (
            f"validate_antioquia: the grid has no cell with mines_outcome = {value} ({meaning}); minerisk's label "
            f"layers and every score need both classes"), r.stderr
    (tmp_path / "bad.toml").write_text("[model\n")
    (tmp_path / "empty.toml").write_text("format = 'minerisk model'\n")
    for model, why in (("bad.toml", "(not valid TOML: "), ("empty.toml", "(it has no [model.evidence] tables)")):
        r = validate("--csv", tmp_path / "grid.csv", "--apply-model", tmp_path / model, keep=tmp_path / "w")
        assert r.returncode == 2 and f"is not a model file {why}" in r.stderr and "Traceback" not in r.stderr, r.stderr
