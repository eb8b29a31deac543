"""fit --repeats: the fit done on several deals of the blocks into folds and draws of background
cells (seeds seed, seed + 1, ...), its weights the median of theirs, checked against the single
fits with those seeds run one by one."""
import json
import subprocess
import tomllib

import numpy as np
import pytest

import minerisk
from conftest import ROOT, minerisk_bin, run_minerisk, scenario_text

FIT = "\n[fit]\nblock_size = 1500\nbackground_ratio = 2\n"


def fit_report(scenario, folder, name, *options):
    report = folder / f"{name}.json"
    r = run_minerisk("fit", scenario, "-o", folder / f"{name}.toml", "--report", report, "--overwrite", *options)
    assert r.returncode == 0, r.stderr
    return json.loads(report.read_text()), r


@pytest.fixture(scope="module")
def repeated(region, tmp_path_factory):
    """The sample's scenario (its finds layer is cross-fitted) fitted with 5 repeats from seed 3,
    and fitted once with each of the seeds 3 to 7."""
    folder = tmp_path_factory.mktemp("repeats")
    scenario = folder / "scenario.toml"
    scenario.write_text(scenario_text(region) + FIT)
    combined, r = fit_report(scenario, folder, "combined", "--repeats", "5", "--seed", "3")
    singles = [fit_report(scenario, folder, f"seed{seed}", "--seed", str(seed))[0] for seed in range(3, 8)]
    return folder, scenario, combined, singles, r


def weights(report):
    return np.array([c["weight"] for c in report["coefficients"]])


def test_the_weights_are_the_median_of_the_single_fits(repeated):
    _, _, combined, singles, _ = repeated
    single = np.array([weights(s) for s in singles])
    # The deals differ: otherwise this test would show nothing.
    assert np.ptp(single, axis=0).max() > 1e-3
    # Each repeat is the fit with its seed, and the weights are their median.
    for k, s in enumerate(singles):
        assert combined["repeats"][k]["weights"] == pytest.approx(list(weights(s)), rel=1e-12, abs=1e-12)
    assert weights(combined) == pytest.approx(np.median(single, axis=0), rel=1e-12, abs=1e-12)
    # Standard errors: each fit's variance plus its distance from the median, averaged.
    errors = np.array([[c["standard_error"] for c in s["coefficients"]] for s in singles])
    expected = np.sqrt(np.mean(errors ** 2 + (single - np.median(single, axis=0)) ** 2, axis=0))
    assert [c["standard_error"] for c in combined["coefficients"]] == pytest.approx(expected, rel=1e-9)
    assert np.allclose(np.sqrt(np.diag(combined["covariance"])), expected, rtol=1e-9)
    # The cross-validation: each fit's, and their mean.
    roc = [s["cross_validation"]["roc_auc"] for s in singles]
    assert [r["roc_auc"] for r in combined["repeats"]] == pytest.approx(roc, rel=1e-12)
    assert combined["cross_validation"]["roc_auc"] == pytest.approx(np.mean(roc), rel=1e-12)
    assert "dealt 5 ways (seeds 3 to 7)" in combined["cross_validation"]["spatial_folds"]


def test_the_fitted_scenario_and_the_model_file_hold_the_median(repeated, tmp_path):
    folder, scenario, combined, _, r = repeated
    assert "weights: the median of 5 fits" in r.stdout
    fitted = tomllib.loads((folder / "combined.toml").read_text())
    for c in combined["coefficients"][1:]:
        assert fitted["model"]["evidence"][c["name"]]["weight"] == c["weight"]
    assert fitted["model"]["intercept"] == combined["coefficients"][0]["weight"]
    r = run_minerisk("fit", scenario, "-o", tmp_path / "f.toml", "--model", tmp_path / "m.toml", "--repeats", "5",
                     "--seed", "3", "--no-cross-validation")
    assert r.returncode == 0, r.stderr
    model = tomllib.loads((tmp_path / "m.toml").read_text())
    assert model["training"]["repeats"] == 5
    assert model["model"]["intercept"] == combined["coefficients"][0]["weight"]


def test_the_same_fit_for_any_thread_count_and_tile_size(repeated, tmp_path):
    _, scenario, combined, _, _ = repeated
    for options in (["--threads", "1"], ["--threads", "2", "--tile-size", "128"]):
        again, _ = fit_report(scenario, tmp_path, "again", "--repeats", "5", "--seed", "3", *options)
        assert again == combined


def test_the_python_module_takes_repeats(repeated, region):
    folder, scenario, combined, _, _ = repeated
    result = minerisk.Scenario(scenario).fit(repeats=5, seed=3)
    assert [c["weight"] for c in result["coefficients"]] == [c["weight"] for c in combined["coefficients"]]
    with pytest.raises(minerisk.Error, match="repeats"):
        minerisk.Scenario(scenario).fit(repeats=0)


def test_a_fit_with_nothing_drawn_at_random_is_fitted_once(region, tmp_path, write_scenario):
    """Zones are the same folds whatever the seed; without background cells nothing else is drawn."""
    from test_honest_fit import zones_raster
    zones = zones_raster(tmp_path / "zones.tif", region, lambda r, c: (r // 150) * 4 + c // 150)
    s = write_scenario(scenario_text(region) + "\n[fit]\nrepeats = 4\n")
    report, r = fit_report(s, tmp_path, "zones", "--zones", zones)
    assert len(report["repeats"]) == 1
    assert "nothing in this fit is drawn at random" in r.stderr and "fitted once" in r.stderr
    # With background cells, the repeats draw them anew: 4 fits.
    report, _ = fit_report(s, tmp_path, "zones_background", "--zones", zones, "--background-ratio", "2")
    assert len(report["repeats"]) == 4
    # Zones are not dealt: the folds are said to be the zones, the background drawn 4 ways.
    folds = report["cross_validation"]["spatial_folds"]
    assert "the background drawn 4 ways (seeds" in folds and "dealt" not in folds, folds


@pytest.mark.parametrize("where,value", [("command", "0"), ("command", "101"), ("scenario", "1.5"),
                                         ("scenario", "0")])
def test_a_repeat_count_out_of_range_is_refused(region, tmp_path, write_scenario, where, value):
    text = scenario_text(region) + FIT
    if where == "scenario":
        text += f"repeats = {value}\n"
    s = write_scenario(text)
    options = ["--repeats", value] if where == "command" else []
    r = run_minerisk("fit", s, "-o", tmp_path / "f.toml", *options)
    assert r.returncode == 2
    assert r.stderr.count("\n") == 1 and "repeats" in r.stderr, r.stderr
    assert not (tmp_path / "f.toml").exists()


def test_per_sd_is_the_weight_times_the_first_fits_sd(repeated, tmp_path):
    """The table's standardised weights are the median weights through the first fit's scaling."""
    _, scenario, combined, _, _ = repeated
    fit_report(scenario, tmp_path, "design", "--repeats", "5", "--seed", "3", "--design", tmp_path / "design.csv")
    design = np.genfromtxt(tmp_path / "design.csv", delimiter=",", names=True)
    for c in combined["coefficients"][1:]:
        assert c["standardised_weight"] == pytest.approx(c["weight"] * design[c["name"]].std(), rel=1e-9)


def test_a_learned_curve_is_the_median_curve(repeated, tmp_path):
    """With --knots, the fits are compared by their curves' heights at the knots (the first fit's
    knots, kept for all): the written curve is their median, not a sum of median segments."""
    _, scenario, _, _, _ = repeated
    combined, _ = fit_report(scenario, tmp_path, "curves", "--repeats", "4", "--seed", "3", "--knots", "3")
    names = [c["name"] for c in combined["coefficients"]]
    heights = {}  # layer -> one row per fit: its curve's height at each knot (0 at the first)
    for fit in combined["repeats"]:
        running = {}
        for name, weight in zip(names, fit["weights"]):
            if ":segment" in name:
                layer = name.split(":")[0]
                running.setdefault(layer, [0.0]).append(running[layer][-1] + weight)
        for layer, height in running.items():
            heights.setdefault(layer, []).append(height)
    for curve in combined["learned_curves"]:
        expected = np.median(heights[curve["layer"]], axis=0)
        assert curve["contribution"] == pytest.approx(list(expected), rel=1e-9, abs=1e-12)


@pytest.fixture(scope="module")
def small_region(tmp_path_factory):
    """A 128 x 128 region whose few finds lie in few blocks: some deals fail, or leave no fold to score."""
    folder = tmp_path_factory.mktemp("small")
    subprocess.run(["/usr/bin/python3", str(ROOT / "datasets" / "generate_region.py"), "--size", "128", "--seed", "3",
                    "--out", str(folder), "--quiet"], check=True, timeout=120)
    return folder


def test_a_fit_that_fails_names_its_seed(small_region, tmp_path):
    r = run_minerisk("fit", small_region / "scenario.toml", "-o", tmp_path / "f.toml", "--repeats", "5", "--seed", "2",
                     "--block-size", "300")
    assert r.returncode == 2
    assert r.stderr.count("\n") == 1 and "(in fit 5 of 5, seed 6)" in r.stderr, r.stderr
    alone = run_minerisk("fit", small_region / "scenario.toml", "-o", tmp_path / "g.toml", "--seed", "6",
                         "--block-size", "300")
    assert alone.returncode == 2  # the same failure, reproduced by its seed alone


def test_a_fit_without_a_fold_to_score_is_left_out_of_the_mean(small_region, tmp_path):
    report, r = fit_report(small_region / "scenario.toml", tmp_path, "cv", "--repeats", "8", "--block-size", "300",
                           "--background-ratio", "1")
    scored = [fit["roc_auc"] for fit in report["repeats"] if "roc_auc" in fit]
    assert 0 < len(scored) < 8
    assert report["cross_validation"]["roc_auc"] == pytest.approx(np.mean(scored), rel=1e-12)
    assert f"the figures are the mean of the other {len(scored)}" in r.stderr
    assert "nan" not in r.stdout.lower()
    # One of those fits alone (its seed: 1 + its place) says why it gives no cross-validation.
    unscored = next(k for k, fit in enumerate(report["repeats"]) if "roc_auc" not in fit)
    alone, r = fit_report(small_region / "scenario.toml", tmp_path, "alone", "--seed", str(1 + unscored),
                          "--block-size", "300", "--background-ratio", "1")
    assert "no fold could be scored" in r.stderr and "spatial cross-validation" not in r.stdout, r.stderr


def test_a_seed_too_large_for_a_toml_number_is_refused(region, tmp_path, write_scenario):
    s = write_scenario(scenario_text(region) + FIT + "seed = 9007199254740993\n")
    r = run_minerisk("fit", s, "-o", tmp_path / "f.toml")
    assert r.returncode == 2 and "too large to be held exactly" in r.stderr, r.stderr
    s = write_scenario(scenario_text(region) + FIT + "seed = 9007199254740992\nrepeats = 2\n")
    r = run_minerisk("fit", s, "-o", tmp_path / "f.toml")
    assert r.returncode == 2 and "every fit's seed is at most 2^53" in r.stderr, r.stderr


def test_the_outputs_hold_the_options_the_fit_ran_with(repeated, tmp_path):
    """The command line's options, not the input scenario's [fit], are what the fitted scenario and
    the model file record, so that fitting the fitted scenario again gives the same fit."""
    _, scenario, _, _, _ = repeated
    options = ["--repeats", "3", "--seed", "4", "--l2", "2.5", "--block-size", "1000", "--background-ratio", "3",
               "--folds", "4"]
    first, _ = fit_report(scenario, tmp_path, "first", "--model", tmp_path / "m.toml", *options)
    expected = {"repeats": 3, "seed": 4, "l2": 2.5, "block_size": 1000.0, "background_ratio": 3.0, "folds": 4,
                "knots": 0, "cross_validate": True}
    fitted = tomllib.loads((tmp_path / "first.toml").read_text())
    assert fitted["fit"] == expected
    assert tomllib.loads((tmp_path / "m.toml").read_text())["training"]["fit"] == expected
    again, _ = fit_report(tmp_path / "first.toml", tmp_path, "again")
    assert again["coefficients"] == first["coefficients"]
    assert again["cross_validation"] == first["cross_validation"]


def test_the_block_size_fit_chose_is_recorded_in_both_outputs(region, tmp_path, write_scenario):
    """Without --block-size, fit deals blocks of a fifth of the grid to cross-fit the finds layer:
    that block size, not 0, is what the fitted scenario and the model file record."""
    s = write_scenario(scenario_text(region))
    r = run_minerisk("fit", s, "-o", tmp_path / "f.toml", "--model", tmp_path / "m.toml", "--background-ratio", "2")
    assert r.returncode == 0 and "a fifth of the grid's shorter side" in r.stderr, r.stderr
    fitted = tomllib.loads((tmp_path / "f.toml").read_text())["fit"]
    assert fitted["block_size"] > 0
    assert tomllib.loads((tmp_path / "m.toml").read_text())["training"]["fit"] == fitted


def test_a_zones_path_is_recorded_tidied(region, tmp_path, write_scenario):
    """--zones ./x/../x/zones.tif, from the current folder: the fitted scenario holds the tidied
    absolute path, the model file its name relative to the scenario's folder."""
    from test_honest_fit import zones_raster
    zones_raster(tmp_path / "zones.tif", region, lambda r, c: (r // 150) * 4 + c // 150)
    s = write_scenario(scenario_text(region))
    messy = f"./{tmp_path.name}/../{tmp_path.name}/zones.tif"
    r = subprocess.run([str(minerisk_bin()), "fit", str(s), "-o", str(tmp_path / "f.toml"), "--model",
                        str(tmp_path / "m.toml"), "--zones", messy, "--background-ratio", "2"],
                       cwd=tmp_path.parent, capture_output=True, text=True, timeout=300)
    assert r.returncode == 0, r.stderr
    assert tomllib.loads((tmp_path / "f.toml").read_text())["fit"]["zones"] == str(tmp_path / "zones.tif")
    assert tomllib.loads((tmp_path / "m.toml").read_text())["training"]["fit"]["zones"] == "zones.tif"


def test_a_negative_zero_option_is_recorded_as_zero(region, tmp_path, write_scenario):
    """-0 passes the checks as 0; it is recorded as 0.0, not -0.0 (a TOML reader keeps the sign)."""
    s = write_scenario(scenario_text(region))
    r = run_minerisk("fit", s, "-o", tmp_path / "f.toml", "--background-ratio", "-0", "--block-size", "500",
                     "--l2", "-0.0", "--no-cross-validation")
    assert r.returncode == 0, r.stderr
    fit = (tmp_path / "f.toml").read_text().partition("\n[fit]\n")[2]
    assert "l2 = 0.0\n" in fit and "background_ratio = 0.0\n" in fit, fit
