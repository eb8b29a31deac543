"""datasets/validate_antioquia.py on regions that differ from Antioquia as a real one might: an
unsurveyed municipality, blank elevations under labelled cells, a model's blank flag where the
column has no blank, names with stray spaces, too few municipalities; and the CSVs the import
refuses in one line (exit 2): infinite values, semicolons, longitudes across the 180th meridian."""
import csv
import json
import os
import subprocess

import pytest

import antioquia_synthetic
from conftest import ROOT, minerisk_bin
from test_antioquia_validation import validate


def rewrite(path, change):
    """Rewrites a region CSV, `change(row)` editing each row's dict in place."""
    with open(path, encoding="utf-8", newline="") as f:
        reader = csv.DictReader(f)
        fields, rows = reader.fieldnames, list(reader)
    for row in rows:
        change(row)
    with open(path, "w", encoding="utf-8", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=fields, lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)


def scores_of(folder):
    return json.loads((folder / "validation.json").read_text())


def labelled_cells(path):
    with open(path, encoding="utf-8", newline="") as f:
        return sum(row["mines_outcome"] != "-1" for row in csv.DictReader(f))


def test_an_unsurveyed_municipality_is_not_held_out(tmp_path):
    antioquia_synthetic.write_region(tmp_path / "grid.csv")
    rewrite(tmp_path / "grid.csv", lambda row: row.update(mines_outcome="-1") if row["Municipio"] == "DELTA" else None)
    result = validate("--csv", tmp_path / "grid.csv", keep=tmp_path / "work")
    assert result.returncode == 0, result.stderr
    assert "no labelled cell, nothing to score: not held out" in result.stderr
    assert scores_of(tmp_path / "work")["held_out_cells"] == labelled_cells(tmp_path / "grid.csv")


def test_labelled_cells_with_a_blank_elevation_are_scored(tmp_path):
    """The DEM takes the elevation with its blanks filled: a blank left as no-data made minerisk
    leave those cells out of every model's figures, or fail where a municipality's positives all
    lay on blanks."""
    antioquia_synthetic.write_region(tmp_path / "grid.csv", blanks={"elevation": list(range(0, 256, 5))})
    for model in ("spatial", "all"):
        result = validate("--csv", tmp_path / "grid.csv", "--model", model, keep=tmp_path / model)
        assert result.returncode == 0, result.stderr
        scores = scores_of(tmp_path / model)
        assert scores["held_out_cells"] == labelled_cells(tmp_path / "grid.csv")
        assert scores["columns"]["blank_cells"]["elevation"] > 0


def test_a_blank_flag_of_the_model_reads_zero_where_the_column_has_no_blank(tmp_path):
    antioquia_synthetic.write_region(tmp_path / "a.csv", seed=0, blanks={"Amenaza": [3, 50, 51, 120]})
    antioquia_synthetic.write_region(tmp_path / "b.csv", seed=1)
    model = tmp_path / "model.toml"
    written = validate("--csv", tmp_path / "a.csv", "--model", "all", "--write-model", model, keep=tmp_path / "a")
    assert written.returncode == 0, written.stderr
    assert "grid_amenaza_missing" in model.read_text()
    applied = validate("--csv", tmp_path / "b.csv", "--apply-model", model, keep=tmp_path / "b")
    assert applied.returncode == 0, applied.stderr
    assert scores_of(tmp_path / "b")["held_out_cells"] == labelled_cells(tmp_path / "b.csv")
    # The model file is never replaced.
    again = validate("--csv", tmp_path / "a.csv", "--write-model", model, keep=tmp_path / "a")
    # Refused before any work, as argparse refuses: the usage, then one line saying what is wrong.
    assert again.returncode == 2 and "exists" in again.stderr.splitlines()[-1], again.stderr
    assert "Traceback" not in again.stderr


def test_stray_spaces_or_another_case_do_not_make_another_municipality(tmp_path):
    """"ABEJORRAL " and "Abejorral" beside ABEJORRAL were more municipalities, whose cells were
    trained on while their twin was held out (a probe, of the case)."""
    antioquia_synthetic.write_region(tmp_path / "grid.csv")
    flip = iter(range(10 ** 6))
    spelt = {0: lambda name: name, 1: lambda name: name + " ", 2: str.title}
    rewrite(tmp_path / "grid.csv", lambda row: row.update(Municipio=spelt[next(flip) % 3](row["Municipio"])))
    result = validate("--csv", tmp_path / "grid.csv", keep=tmp_path / "work")
    assert result.returncode == 0, result.stderr
    assert result.stderr.count("labelled cells held out") == 4
    assert "'Alfa' (" in result.stderr and "is taken as 'ALFA'" in result.stderr, result.stderr


def test_a_relative_keep_folder_and_a_reused_one(tmp_path):
    antioquia_synthetic.write_region(tmp_path / "grid.csv")
    command = ["/usr/bin/python3", str(ROOT / "datasets" / "validate_antioquia.py"), "--minerisk", minerisk_bin(),
               "--csv", "grid.csv", "--keep", "work"]
    for _ in range(2):  # the second run writes over its own work files
        result = subprocess.run(command, cwd=tmp_path, capture_output=True, text=True, timeout=900)
        assert result.returncode == 0, result.stderr
    assert scores_of(tmp_path / "work")["held_out_cells"] == labelled_cells(tmp_path / "grid.csv")


def test_two_municipalities_are_too_few_in_one_line(tmp_path):
    antioquia_synthetic.write_region(tmp_path / "grid.csv")
    rewrite(tmp_path / "grid.csv", lambda row: row.update(Municipio="ALFA" if row["Municipio"] in ("ALFA", "BRAVO")
                                                          else "CHARLIE"))
    result = validate("--csv", tmp_path / "grid.csv", keep=tmp_path / "work")
    assert result.returncode == 2
    assert result.stderr.count("\n") == 1 and "at least 3" in result.stderr, result.stderr


def wrapped(longitude):
    """A longitude moved by 254.9 degrees, into (-180, 180]: the 16 cells' lattice then straddles
    the 180th meridian (179.9 to 180.03 degrees)."""
    moved = float(longitude) + 254.9
    return repr(moved - 360 if moved > 180 else moved)


@pytest.mark.parametrize("change,message", [
    (lambda row, first: row.update(rwi="inf") if first else None, "holds 'inf', not a finite number"),
    (lambda row, first: row.update(LATITUD_Y="91.5") if first else None, "beyond +-90 degrees"),
    (lambda row, first: row.update(LONGITUD_X=wrapped(row["LONGITUD_X"])), "across the 180th meridian is not supported"),
])
def test_values_the_import_refuses_in_one_line(tmp_path, change, message):
    antioquia_synthetic.write_region(tmp_path / "grid.csv")
    count = iter(range(10 ** 6))
    rewrite(tmp_path / "grid.csv", lambda row: change(row, next(count) == 7))
    result = validate("--csv", tmp_path / "grid.csv", keep=tmp_path / "work")
    assert result.returncode == 2
    assert result.stderr.count("\n") == 1 and message in result.stderr, result.stderr


def test_a_csv_separated_by_semicolons_is_named_so(tmp_path):
    antioquia_synthetic.write_region(tmp_path / "grid.csv")
    text = (tmp_path / "grid.csv").read_text().replace(",", ";")
    (tmp_path / "grid.csv").write_text(text)
    result = validate("--csv", tmp_path / "grid.csv", keep=tmp_path / "work")
    assert result.returncode == 2
    assert "separated by semicolons" in result.stderr, result.stderr


def test_split_into_west_and_east_halves(tmp_path):
    """datasets/split_antioquia.py: every row in one half, each municipality whole, the western
    municipalities (by the mean longitude of their cells) in west.csv, the larger half there."""
    rows = antioquia_synthetic.write_region(tmp_path / "grid.csv")
    done = subprocess.run(["/usr/bin/python3", str(ROOT / "datasets" / "split_antioquia.py"), "--csv",
                           str(tmp_path / "grid.csv"), "--out", str(tmp_path / "halves")],
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    halves = {}
    for name in ("west", "east"):
        with open(tmp_path / "halves" / f"{name}.csv", encoding="utf-8", newline="") as f:
            halves[name] = list(csv.DictReader(f))
    assert len(halves["west"]) + len(halves["east"]) == len(rows)
    west = {row["Municipio"] for row in halves["west"]}
    east = {row["Municipio"] for row in halves["east"]}
    assert not west & east and len(west) == len(east) == 2
    assert max(float(r["LONGITUD_X"]) for r in halves["west"]) < max(float(r["LONGITUD_X"]) for r in halves["east"])
    mean = {m: sum(float(r["LONGITUD_X"]) for r in rows if r["Municipio"] == m) /
            sum(r["Municipio"] == m for r in rows) for m in west | east}
    assert max(mean[m] for m in west) <= min(mean[m] for m in east)
    # Each half is a region validate_antioquia.py reads: a model fitted on one is applied to the other.
    model = tmp_path / "west_model.toml"
    written = validate("--csv", tmp_path / "halves" / "west.csv", "--write-model", model, keep=tmp_path / "w")
    assert written.returncode == 0, written.stderr
    applied = validate("--csv", tmp_path / "halves" / "east.csv", "--apply-model", model, keep=tmp_path / "e")
    assert applied.returncode == 0, applied.stderr
    assert scores_of(tmp_path / "e")["held_out_cells"] == sum(r["mines_outcome"] != "-1" for r in halves["east"])


def test_the_mean_roc_auc_per_municipality(tmp_path):
    """Beside the pooled figure: each municipality's ROC-AUC on its own, averaged over those holding
    both classes; a municipality of one class is left out."""
    from sklearn.metrics import roc_auc_score
    import numpy as np
    import validate_antioquia
    truth = np.array([1, 0, 1, 0, 0, 1, 1, 1])
    scores = np.array([0.9, 0.1, 0.2, 0.8, 0.3, 0.7, 0.6, 0.5])
    municipality = np.array([1, 1, 2, 2, 2, 3, 3, 3])  # the third holds positives only
    mean, count = validate_antioquia.mean_per_municipality(truth, scores, municipality)
    expected = np.mean([roc_auc_score(truth[:2], scores[:2]), roc_auc_score(truth[2:5], scores[2:5])])
    assert count == 2 and mean == pytest.approx(100 * expected)
    antioquia_synthetic.write_region(tmp_path / "grid.csv")
    result = validate("--csv", tmp_path / "grid.csv", keep=tmp_path / "work")
    assert result.returncode == 0, result.stderr
    within = scores_of(tmp_path / "work")["mean_roc_auc_per_municipality_percent"]
    assert set(within) == {"minerisk", "nearest-label rule (no fit)", "scikit-learn logistic regression",
                           "scikit-learn gradient boosting"}
    assert "mean ROC-AUC per municipality (the 4 holding both classes" in result.stdout


def test_split_never_writes_over_or_beside_its_input(tmp_path):
    """The halves go into another folder than the grid's (a half named west.csv there would be
    the input itself); an empty path, a file as --out, or a CSV that is not UTF-8 give one line."""
    antioquia_synthetic.write_region(tmp_path / "west.csv")
    before = (tmp_path / "west.csv").read_bytes()
    latin = tmp_path / "latin.csv"
    latin.write_bytes("Municipio,LONGITUD_X\nMedell\xedn,-75.5\n".encode("latin-1"))

    def split(*args):
        return subprocess.run(["/usr/bin/python3", str(ROOT / "datasets" / "split_antioquia.py"), *map(str, args)],
                              capture_output=True, text=True, timeout=120)
    for args, named in ((["--csv", tmp_path / "west.csv", "--out", tmp_path], "is the folder of --csv"),
                        (["--csv", tmp_path / "west.csv", "--out", ""], "--out is empty"),
                        (["--csv", "", "--out", tmp_path / "h"], "--csv is empty"),
                        (["--csv", tmp_path / "west.csv", "--out", latin], "a file stands where a folder is needed"),
                        (["--csv", latin, "--out", tmp_path / "h"], "is not a CSV file in UTF-8")):
        result = split(*args)
        assert result.returncode == 2 and named in result.stderr and "Traceback" not in result.stderr, result.stderr
    assert (tmp_path / "west.csv").read_bytes() == before
    # A link by a half's name is refused before either half is written.
    (tmp_path / "l").mkdir()
    os.symlink(tmp_path / "west.csv", tmp_path / "l" / "east.csv")
    result = split("--csv", tmp_path / "west.csv", "--out", tmp_path / "l")
    assert result.returncode == 2 and "is a link" in result.stderr and not (tmp_path / "l" / "west.csv").exists()
    assert (tmp_path / "west.csv").read_bytes() == before
    # A second split into the same folder replaces its own halves whole, leaving no temporary.
    for _ in range(2):
        assert split("--csv", tmp_path / "west.csv", "--out", tmp_path / "h").returncode == 0
    assert sorted(os.listdir(tmp_path / "h")) == ["east.csv", "west.csv"]


def test_split_keeps_a_municipality_whole_whatever_its_rows_spelling(tmp_path):
    """"Bravo" beside BRAVO went to the other half: a municipality fitted on in one half was then
    scored as land never seen in the other (a review). An accent in another Unicode form too."""
    import unicodedata
    antioquia_synthetic.write_region(tmp_path / "grid.csv")
    flip = iter(range(10 ** 6))
    spelt = {0: lambda name: name, 1: str.title, 2: lambda name: name + " "}
    rewrite(tmp_path / "grid.csv", lambda row: row.update(Municipio=spelt[next(flip) % 3](row["Municipio"])))
    done = subprocess.run(["/usr/bin/python3", str(ROOT / "datasets" / "split_antioquia.py"), "--csv",
                           str(tmp_path / "grid.csv"), "--out", str(tmp_path / "halves")],
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert "2 municipalities" in done.stdout and "3 municipalities" not in done.stdout, done.stdout
    halves = {}
    for half in ("west", "east"):
        with open(tmp_path / "halves" / f"{half}.csv", encoding="utf-8", newline="") as f:
            halves[half] = {row["Municipio"].strip().upper() for row in csv.DictReader(f)}
    assert not halves["west"] & halves["east"] and len(halves["west"]) == len(halves["east"]) == 2
    import import_antioquia  # noqa: E402 - datasets/ is on the path (conftest)
    accent = "MEDELLÍN"
    names = import_antioquia.one_spelling_per_municipality([accent, accent, unicodedata.normalize("NFD", accent)])
    assert names == [accent] * 3
