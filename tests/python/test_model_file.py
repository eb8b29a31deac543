"""The portable model: `minerisk fit --model` on one synthetic region, `minerisk run --model` on
another, against a scenario written by hand with the same numbers; and the refusals."""
import hashlib
import json
import tomllib

import h5py
import numpy as np
import pytest

import generate_region  # conftest.py puts datasets/ on sys.path
from conftest import evidence_of, run_minerisk


@pytest.fixture(scope="module")
def regions(tmp_path_factory):
    """Two small regions of different sizes and seeds: the training one and another."""
    training = tmp_path_factory.mktemp("training")
    other = tmp_path_factory.mktemp("other")
    generate_region.generate(str(training), size=128, cell=10.0, seed=3)
    generate_region.generate(str(other), size=96, cell=10.0, seed=5)
    return training, other


@pytest.fixture(scope="module")
def model(regions, tmp_path_factory):
    training, _ = regions
    folder = tmp_path_factory.mktemp("model")
    r = run_minerisk("fit", training / "scenario.toml", "-o", folder / "fitted.toml", "--model", folder / "model.toml",
                     "--block-size", "300", "--background-ratio", "2", "-q")
    assert r.returncode == 0, r.stderr
    return folder / "model.toml"


def toml_value(v):
    """A TOML value; Python's repr of a float is its shortest form that reads back the same bits."""
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, (int, float)):
        return repr(v)
    if isinstance(v, str):
        return json.dumps(v)
    if isinstance(v, list):
        return "[" + ", ".join(toml_value(x) for x in v) + "]"
    return "{ " + ", ".join(f"{json.dumps(k)} = {toml_value(x)}" for k, x in v.items()) + " }"


def with_model_section(scenario, model_section):
    """The generated scenario's text with its [model] (the file's last section) replaced."""
    text = scenario.read_text()
    return text[: text.index("\n[model]")] + "\n" + model_section


def hand_written_model(numbers):
    """[model] with a model file's numbers, written out as a user would."""
    lines = ["[model]", f"intercept = {toml_value(numbers['intercept'])}"]
    for name, layer in numbers["evidence"].items():
        lines.append(f"[model.evidence.{name}]")
        lines += [f"{k} = {toml_value(v)}" for k, v in layer.items()]
    return "\n".join(lines) + "\n"


def grids(output):
    with h5py.File(output) as f, h5py.File(evidence_of(output)) as e:
        return f["probability"][...], {k: e[k][...] for k in e if k not in ("x", "y", "crs")}, dict(f.attrs)


def test_run_with_a_model_equals_the_scenario_written_by_hand(regions, model, tmp_path):
    _, other = regions
    r = run_minerisk("run", other / "scenario.toml", "--model", model, "-o", tmp_path / "applied.nc", "-q")
    assert r.returncode == 0, r.stderr
    numbers = tomllib.loads(model.read_text())["model"]
    hand = tmp_path / "hand.toml"
    # In the region's folder's terms: its relative paths are resolved from the scenario's folder.
    hand.write_text(with_model_section(other / "scenario.toml", hand_written_model(numbers)).replace(
        '"dem.tif"', json.dumps(str(other / "dem.tif"))).replace('"region.gpkg"', json.dumps(str(other / "region.gpkg"))))
    r = run_minerisk("run", hand, "-o", tmp_path / "hand.nc", "-q")
    assert r.returncode == 0, r.stderr

    applied, applied_evidence, attrs = grids(tmp_path / "applied.nc")
    expected, expected_evidence, _ = grids(tmp_path / "hand.nc")
    assert applied.shape == (96, 96)
    assert np.isfinite(applied).any()
    assert np.array_equal(applied.view(np.uint32), expected.view(np.uint32))
    assert applied_evidence.keys() == expected_evidence.keys() >= set(numbers["evidence"])
    for name in expected_evidence:
        assert np.array_equal(applied_evidence[name].view(np.uint32), expected_evidence[name].view(np.uint32)), name

    # The output says which model file was applied, with its SHA-256.
    inputs = json.loads(attrs["inputs"])
    applied_model = [i for i in inputs if i["role"] == "model"]
    assert applied_model == [{"role": "model", "path": str(model), "size": model.stat().st_size,
                              "sha256": hashlib.sha256(model.read_bytes()).hexdigest()}]


def test_the_model_file_holds_no_path_of_the_training_region(regions, model):
    training, _ = regions
    text = model.read_text()
    assert str(training) not in text
    assert "path =" not in text
    m = tomllib.loads(text)
    assert m["format"] == "minerisk model" and m["version"] == 1
    assert m["training"]["scenario"] == "scenario.toml"
    dem = [i for i in m["training"]["inputs"] if i["role"] == "terrain.dem"][0]
    assert dem["file"] == "dem.tif"
    assert dem["sha256"] == hashlib.sha256((training / "dem.tif").read_bytes()).hexdigest()
    assert m["training"]["grid"]["size"] == [128, 128]
    assert m["covariance"]["names"] == ["intercept", *m["model"]["evidence"]]
    assert m["training"]["cv_folds"] > 0 and 0 < m["training"]["cv_roc_auc"] <= 1


def test_the_model_holds_the_fitted_weights(model):
    fitted = tomllib.loads((model.parent / "fitted.toml").read_text())["model"]
    numbers = tomllib.loads(model.read_text())["model"]
    assert numbers["intercept"] == fitted["intercept"]
    for name, layer in numbers["evidence"].items():
        assert layer["weight"] == fitted["evidence"][name]["weight"]
        assert layer["transform"] == fitted["evidence"][name]["transform"]


EXTRA_LAYER = '\n[model.evidence.height]\nfeature = "elevation"\nweight = 0.5\n'


@pytest.mark.parametrize("case, edit, message", [
    ("missing layer", lambda t: t.replace("[model.evidence.slope]", "[model.evidence.steepness]"),
     "layer 'slope' of the model is missing from"),
    ("extra layer", lambda t: t + EXTRA_LAYER, "layer 'height' is not in the model"),
    ("different bandwidth", lambda t: t.replace("bandwidth = 200.0", "bandwidth = 300.0"),
     "layer 'finds' has bandwidth = 200.0 in the model but bandwidth = 300.0 in"),
    ("different feature", lambda t: t.replace('feature = "slope"', 'feature = "ruggedness"'),
     "layer 'slope' is feature = \"slope\" in the model but \"ruggedness\""),
])
def test_run_refuses_a_scenario_whose_layers_differ(regions, model, tmp_path, case, edit, message):
    _, other = regions
    scenario = other / f"edited_{case.replace(' ', '_')}.toml"
    scenario.write_text(edit((other / "scenario.toml").read_text()))
    r = run_minerisk("run", scenario, "--model", model, "-o", tmp_path / "out.nc")
    assert r.returncode == 2, r.stderr
    assert message in r.stderr
    assert len(r.stderr.strip().splitlines()) == 1
    assert not (tmp_path / "out.nc").exists()


def test_run_refuses_what_is_not_a_model_file(regions, tmp_path):
    _, other = regions
    r = run_minerisk("run", other / "scenario.toml", "--model", other / "scenario.toml", "-o", tmp_path / "out.nc")
    assert r.returncode == 2
    assert "is not a minerisk model file" in r.stderr and "scenario file" in r.stderr
    newer = tmp_path / "newer.toml"
    newer.write_text('format = "minerisk model"\nversion = 99\n')
    r = run_minerisk("run", other / "scenario.toml", "--model", newer, "-o", tmp_path / "out.nc")
    assert r.returncode == 2
    assert "model file version 99 is not one this minerisk reads" in r.stderr
    assert not (tmp_path / "out.nc").exists()


def test_outputs_that_exist_are_refused_without_overwrite(regions, model, tmp_path):
    training, other = regions
    out = tmp_path / "out.nc"
    assert run_minerisk("run", other / "scenario.toml", "--model", model, "-o", out, "-q").returncode == 0
    r = run_minerisk("run", other / "scenario.toml", "--model", model, "-o", out)
    assert r.returncode == 2 and "exists" in r.stderr and "--overwrite" in r.stderr
    assert run_minerisk("run", other / "scenario.toml", "--model", model, "-o", out, "-q", "--overwrite").returncode == 0
    # fit's model file too; and nothing of that fit is written.
    existing = tmp_path / "model.toml"
    existing.write_text("mine\n")
    r = run_minerisk("fit", training / "scenario.toml", "-o", tmp_path / "fitted.toml", "--model", existing,
                     "--block-size", "300", "--background-ratio", "2")
    assert r.returncode == 2 and "exists" in r.stderr
    assert existing.read_text() == "mine\n"
    assert not (tmp_path / "fitted.toml").exists()


def test_a_model_on_its_own_training_region_gives_the_fitted_grid(regions, model, tmp_path):
    training, _ = regions
    assert run_minerisk("run", model.parent / "fitted.toml", "-o", tmp_path / "fitted.nc", "-q").returncode == 0
    r = run_minerisk("run", training / "scenario.toml", "--model", model, "-o", tmp_path / "applied.nc", "-q")
    assert r.returncode == 0, r.stderr
    fitted, _, _ = grids(tmp_path / "fitted.nc")
    applied, _, _ = grids(tmp_path / "applied.nc")
    assert np.array_equal(fitted.view(np.uint32), applied.view(np.uint32))


def test_an_error_in_a_model_layer_names_its_line(regions, model, tmp_path):
    """A hand-edited model file's mistake is found by its line, as a scenario's is."""
    _, other = regions
    text = model.read_text()
    line = 1 + text[: text.index("bandwidth = 200.0")].count("\n")
    bad = tmp_path / "bad.toml"
    bad.write_text(text.replace("bandwidth = 200.0", "bandwidth = 'wide'"))
    r = run_minerisk("run", other / "scenario.toml", "--model", bad, "-o", tmp_path / "out.nc")
    assert r.returncode == 2
    assert f"bad.toml:{line}: key 'model.evidence.finds.bandwidth' must be a number" in r.stderr
    assert not (tmp_path / "out.nc").exists()


ROADS = ('\n[model.evidence.to_roads]\nfeature = "vector_distance"\npath = "region.gpkg"\nlayer = "roads"\n'
         'where = "fid > 2"\nweight = 0.0\n[model.evidence.to_roads.transform]\ntype = "log1p"\n')


def test_a_layer_that_reads_a_file_reads_the_applied_region_s_file(regions, tmp_path):
    """A vector_distance layer's model holds no path: run --model reads the other region's roads,
    with the model's filter."""
    training, other = regions
    for region in (training, other):
        (region / "with_roads.toml").write_text((region / "scenario.toml").read_text() + ROADS)
    model = tmp_path / "model.toml"
    r = run_minerisk("fit", training / "with_roads.toml", "-o", tmp_path / "fitted.toml", "--model", model,
                     "--block-size", "300", "--background-ratio", "2", "-q")
    assert r.returncode == 0, r.stderr
    numbers = tomllib.loads(model.read_text())["model"]
    roads = numbers["evidence"]["to_roads"]
    assert roads["layer"] == "roads" and roads["where"] == "fid > 2" and "path" not in roads
    r = run_minerisk("run", other / "with_roads.toml", "--model", model, "-o", tmp_path / "applied.nc", "-q")
    assert r.returncode == 0, r.stderr
    numbers["evidence"]["to_roads"]["path"] = "region.gpkg"  # the hand-written scenario, in the region's folder
    hand = other / "with_roads_by_hand.toml"
    hand.write_text(with_model_section(other / "with_roads.toml", hand_written_model(numbers)))
    r = run_minerisk("run", hand, "-o", tmp_path / "hand.nc", "-q")
    assert r.returncode == 0, r.stderr
    applied, applied_evidence, _ = grids(tmp_path / "applied.nc")
    expected, expected_evidence, _ = grids(tmp_path / "hand.nc")
    assert np.array_equal(applied.view(np.uint32), expected.view(np.uint32))
    assert np.ptp(applied_evidence["to_roads"][np.isfinite(applied_evidence["to_roads"])]) > 0
    assert np.array_equal(applied_evidence["to_roads"].view(np.uint32), expected_evidence["to_roads"].view(np.uint32))
    # The filter took effect: all the roads give other distances.
    unfiltered = other / "all_roads_by_hand.toml"
    unfiltered.write_text(hand.read_text().replace('where = "fid > 2"', ""))
    r = run_minerisk("run", unfiltered, "-o", tmp_path / "all.nc", "-q")
    assert r.returncode == 0, r.stderr
    assert not np.array_equal(grids(tmp_path / "all.nc")[1]["to_roads"], applied_evidence["to_roads"], equal_nan=True)
