"""fit --repeats: the fit done on several deals of the blocks into folds and draws of background
cells (seeds seed, seed + 1, ...), its weights the median of theirs, checked against the single
fits with those seeds run one by one."""
import json
import tomllib

import numpy as np
import pytest

import minerisk
from conftest import run_minerisk, scenario_text

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
