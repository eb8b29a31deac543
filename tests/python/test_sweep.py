"""minerisk sweep: many scenarios in one pass, against run, numpy and itself."""
import json

import h5py
import numpy as np
import pytest
import xarray as xr
from osgeo import gdal

from conftest import run_minerisk, scenario_text


def sweep_file(folder, region, body):
    path = folder / "sweep.toml"
    path.write_text(f'base = "{region / "scenario.toml"}"\n' + body)
    return path


@pytest.fixture(scope="module")
def base_run(region, tmp_path_factory):
    out = tmp_path_factory.mktemp("sweep_base") / "run.nc"
    assert run_minerisk("run", region / "scenario.toml", "-o", out, "-q").returncode == 0
    with h5py.File(out, "r") as f:
        return f["probability"][:]


def test_identical_scenarios_equal_the_run(region, tmp_path, base_run):
    body = 'stack = true\n[[axis]]\nparameter = "model.evidence.front_lines.weight"\nvalues = [3.5, 3.5, 3.5]\n'
    r = run_minerisk("sweep", sweep_file(tmp_path, region, body), "-o", tmp_path / "s.nc", "-q")
    assert r.returncode == 0, r.stderr
    with h5py.File(tmp_path / "s.nc", "r") as f:
        for layer in f["probability_stack"][:]:  # N copies of run's output
            assert layer.tobytes() == base_run.tobytes()
        for name in ("mean", "p05", "p50", "p95"):
            assert f[name][:].tobytes() == base_run.tobytes(), name
        sd = f["sd"][:]
        assert np.all(sd[np.isfinite(sd)] == 0)
        assert np.allclose(f["top_overlap_with_base"][:], 1.0)
        assert np.all(f["expected_contaminated_area"][:] == f["expected_contaminated_area"][0])
        x, y = f["x"][10], f["y"][10]
    # The stack is (scenario, y, x): not one grid to explain (it was called a damaged file).
    r = run_minerisk("explain", tmp_path / "s.nc", x, y, "--variable", "probability_stack")
    assert r.returncode == 2 and r.stderr.count("\n") == 1, r.stderr
    assert "variable 'probability_stack' is not one grid: it has 3 dimensions (3x" in r.stderr, r.stderr


def test_monte_carlo_with_zero_uncertainty_equals_the_base(region, tmp_path, base_run):
    body = "samples = 4\n[uncertainty]\nfront_line_sd = 0.0\n"
    r = run_minerisk("sweep", sweep_file(tmp_path, region, body), "-o", tmp_path / "s.nc", "-q")
    assert r.returncode == 0, r.stderr
    with h5py.File(tmp_path / "s.nc", "r") as f:
        assert f["scenario"].shape == (4,)
        assert f["mean"][:].tobytes() == base_run.tobytes()


MONTE_CARLO = """seed = 5
samples = 8
thresholds = [0.1, 0.5]
stack = true

[[axis]]
parameter = "model.evidence.front_lines.weight"
values = [2.5, 3.5]

[[axis]]
parameter = "model.intercept"
lhs = [-5.5, -4.5]

[uncertainty]
front_line_sd = 80.0
record_validity = true
pod_beta = [18.0, 2.0]
"""


@pytest.fixture(scope="module")
def monte_carlo(region, tmp_path_factory):
    folder = tmp_path_factory.mktemp("sweep_mc")
    r = run_minerisk("sweep", sweep_file(folder, region, MONTE_CARLO), "-o", folder / "s.nc", "--threads", "1",
                     "--tile-size", "256", "-q")
    assert r.returncode == 0, r.stderr
    return folder


def test_statistics_equal_numpy_on_the_stored_stack(monte_carlo):
    with h5py.File(monte_carlo / "s.nc", "r") as f:
        stack = f["probability_stack"][:].astype(np.float64)
        assert stack.shape[0] == 16
        for q, name in ((5, "p05"), (50, "p50"), (95, "p95")):
            assert np.nanmax(np.abs(np.percentile(stack, q, axis=0) - f[name][:])) < 1e-6, name
        assert np.nanmax(np.abs(stack.mean(axis=0) - f["mean"][:])) < 1e-6
        assert np.nanmax(np.abs(stack.std(axis=0) - f["sd"][:])) < 1e-6
        assert np.nanmax(np.abs((stack > 0.5).mean(axis=0) - f["probability_above_0p5"][:])) < 1e-6
        # The parameter table: two grid values, each with 8 Latin hypercube samples in range.
        weights = f["parameter_model_evidence_front_lines_weight"][:]
        assert sorted(set(weights)) == [2.5, 3.5]
        intercepts = f["parameter_model_intercept"][:]
        assert np.all((intercepts >= -5.5) & (intercepts <= -4.5))
        # One stratum of the hypercube per sample.
        strata = np.sort(np.floor((intercepts[:8] + 5.5) / (1.0 / 8)))
        assert np.array_equal(strata, np.arange(8))
        assert np.all((f["top_overlap_with_base"][:] > 0) & (f["top_overlap_with_base"][:] <= 1))


def test_the_same_for_any_thread_count_and_tile_size(region, monte_carlo, tmp_path):
    r = run_minerisk("sweep", sweep_file(tmp_path, region, MONTE_CARLO), "-o", tmp_path / "s.nc", "--threads", "2",
                     "--tile-size", "512", "-q")
    assert r.returncode == 0, r.stderr
    with h5py.File(monte_carlo / "s.nc", "r") as a, h5py.File(tmp_path / "s.nc", "r") as b:
        for name in a:
            if isinstance(a[name], h5py.Dataset):
                assert a[name][()].tobytes() == b[name][()].tobytes(), name


def test_the_sweep_file_opens_in_xarray(monte_carlo):
    ds = xr.open_dataset(monte_carlo / "s.nc")
    assert ds["mean"].dims == ("y", "x") and ds["probability_stack"].dims == ("scenario", "y", "x")
    assert ds["expected_contaminated_area"].dims == ("scenario",)


@pytest.mark.parametrize("body,message", [
    ('[[axis]]\nparameter = "model.evidence.front_line.weight"\nvalues = [1]\n', "not a sweepable parameter"),
    ('[[axis]]\nparameter = "model.intercept"\nlhs = [-6, -4]\n', "samples"),
    ('samples = 2\n[uncertainty]\npod_beta = [0, 1]\n', "pod_beta"),
    ('[[axis]]\nparameter = "model.intercept"\nvalue = [1]\n', "did you mean 'values'"),
    # Two axes on one parameter: HDF5 refused the second column after the whole sweep (exit 1).
    ('[[axis]]\nparameter = "model.intercept"\nvalues = [-5]\n[[axis]]\nparameter = "model.intercept"\n'
     'lhs = [-6, -4]\n', "'model.intercept' is swept by axis[0] already"),
    # pod_beta's draws replaced the axis's POD, which the scenario table still listed (a probe).
    ('samples = 4\n[[axis]]\nparameter = "cleared.pod"\nvalues = [0.05, 0.99]\n[uncertainty]\npod_beta = [18, 2]\n',
     "sweeps 'cleared.pod' while [uncertainty] pod_beta draws each clearance's POD"),
])
def test_bad_sweep_files_are_refused(region, tmp_path, body, message):
    out = tmp_path / "s.nc"
    r = run_minerisk("sweep", sweep_file(tmp_path, region, body), "-o", out)
    assert r.returncode == 2, r.stderr
    assert message in r.stderr and r.stderr.strip().count("\n") == 0
    assert not out.exists()


def test_weights_drawn_from_the_fits_covariance(region, tmp_path):
    scenario = tmp_path / "scenario.toml"
    scenario.write_text((region / "scenario.toml").read_text().replace('"dem.tif"', f'"{region / "dem.tif"}"')
                        .replace('"region.gpkg"', f'"{region / "region.gpkg"}"')
                        + "\n[fit]\nbackground_ratio = 2\n")
    r = run_minerisk("fit", scenario, "-o", tmp_path / "fitted.toml", "--report", tmp_path / "fit.json", "-q")
    assert r.returncode == 0, r.stderr
    sweep = tmp_path / "sweep.toml"
    sweep.write_text(f'base = "{tmp_path / "fitted.toml"}"\nsamples = 6\n[uncertainty]\nweights_from = "fit.json"\n')
    r = run_minerisk("sweep", sweep, "-o", tmp_path / "s.nc", "-q")
    assert r.returncode == 0, r.stderr
    with h5py.File(tmp_path / "s.nc", "r") as f:
        areas = f["expected_contaminated_area"][:]
        assert len(set(areas)) == 6  # every draw of the weights differs
        sd = f["sd"][:]
        assert np.nanmax(sd) > 0
    # An edited report: one triangle of the covariance, or a coefficient named twice, was taken
    # without a word (the factorisation reads one triangle).
    report = json.loads((tmp_path / "fit.json").read_text())
    for edit, says in ((lambda j: j["covariance"][0].__setitem__(1, j["covariance"][0][1] + 1), "the covariance is not symmetric: row 1, column 2"),
                       (lambda j: j["coefficients"][2].__setitem__("name", j["coefficients"][1]["name"]),
                        "the covariance names '"),
                       # A covariance far wider than a fit's drew weights of 1e40: every statistic
                       # was NaN (+inf and -inf layers), exit 0.
                       (lambda j: j.__setitem__("covariance", [[1e80 if i == k else 0.0 for k in range(len(row))]
                                                               for i, row in enumerate(j["covariance"])]),
                        "scenario 1 draws the intercept at "),
                       # A fit of other layers: a slope's weight per degree was drawn for the base's
                       # layer of another feature, bandwidth or transform, exit 0.
                       (lambda j: j["layer_definitions"]["finds"].__setitem__("bandwidth", "400.0"),
                        "layer 'finds' has bandwidth = 400.0 in the fit"),
                       (lambda j: j["layer_definitions"]["slope"].__setitem__("feature", '"elevation"'),
                        """layer 'slope' has feature = "elevation" in the fit"""),
                       (lambda j: (j["coefficients"].pop(), j.__setitem__("covariance", [row[:-1] for row in j["covariance"][:-1]])),
                        "of the base scenario is not in the fit")):
        edited = json.loads(json.dumps(report))
        edit(edited)
        (tmp_path / "fit.json").write_text(json.dumps(edited))
        r = run_minerisk("sweep", sweep, "-o", tmp_path / "e.nc", "-q")
        assert r.returncode == 2 and says in r.stderr and r.stderr.count("\n") == 1, r.stderr
    # An axis that moves a transform: the weights drawn were fitted for the transform as it was.
    (tmp_path / "fit.json").write_text(json.dumps(report))
    moved = tmp_path / "moved.toml"
    moved.write_text(sweep.read_text() + '[[axis]]\nparameter = "model.evidence.front_lines.transform.length"\n'
                     'values = [100.0, 2000.0]\n')
    r = run_minerisk("sweep", moved, "-o", tmp_path / "m.nc", "-q")
    assert r.returncode == 2 and "sweeps 'model.evidence.front_lines.transform.length' while [uncertainty] " \
        "weights_from draws the weights fitted" in r.stderr, r.stderr
    # A fit with learned curves: its coefficients are segments, which a sweep does not draw. It
    # was refused as "layer 'finds:segment 1' of the fit is not in the base scenario", its own fit.
    r = run_minerisk("fit", scenario, "-o", tmp_path / "fitted.toml", "--report", tmp_path / "fit.json", "--knots", "3",
                     "-q", "--overwrite")
    assert r.returncode == 0, r.stderr
    r = run_minerisk("sweep", sweep, "-o", tmp_path / "k.nc", "-q")
    assert r.returncode == 2 and "is the report of a fit with learned curves" in r.stderr, r.stderr
    assert "whose segments a sweep does not draw; give the report of a fit without --knots" in r.stderr
    # Known by the report's learned curves, not by how its coefficients happen to be named.
    knots_report = json.loads((tmp_path / "fit.json").read_text())
    for row in knots_report["coefficients"]:
        row["name"] = row["name"].replace(":segment ", "_part")
    (tmp_path / "fit.json").write_text(json.dumps(knots_report))
    r = run_minerisk("sweep", sweep, "-o", tmp_path / "k.nc", "-q")
    first_curve = knots_report["learned_curves"][0]["layer"]
    assert r.returncode == 2 and f"is the report of a fit with learned curves ('{first_curve}')" in r.stderr, r.stderr
    knots_report["learned_curves"] = [1]  # malformed: still said for what it is, in one line
    (tmp_path / "fit.json").write_text(json.dumps(knots_report))
    r = run_minerisk("sweep", sweep, "-o", tmp_path / "k.nc", "-q")
    assert r.returncode == 2 and "with learned curves ('?')" in r.stderr and r.stderr.count("\n") == 1, r.stderr


def test_each_displaced_front_line_layer_keeps_its_own_distances(region, tmp_path, base_run):
    """A second, signed front-line layer of weight 0 must not leak into the first."""
    scenario = tmp_path / "scenario.toml"
    text = (region / "scenario.toml").read_text().replace('"dem.tif"', f'"{region / "dem.tif"}"') \
        .replace('"region.gpkg"', f'"{region / "region.gpkg"}"')
    scenario.write_text(text + '\n[model.evidence.side]\nfeature = "front_line_distance"\nsigned = true\nweight = 0\n')
    sweep = tmp_path / "sweep.toml"
    sweep.write_text(f'base = "{scenario}"\nsamples = 2\n[uncertainty]\nfront_line_sd = 0.000001\n')
    r = run_minerisk("sweep", sweep, "-o", tmp_path / "s.nc", "-q")
    assert r.returncode == 0, r.stderr
    with h5py.File(tmp_path / "s.nc", "r") as f:
        mean = f["mean"][:]
    ok = np.isfinite(base_run)
    assert np.abs(mean[ok] - base_run[ok]).max() < 1e-3  # a micrometre's displacement changes nothing


@pytest.mark.parametrize("body,message", [
    ('[[axis]]\nparameter = "cleared.pod"\nvalues = [0.5, 1.5]\n', "[0, 1]"),
    ('thresholds = [0.2, 0.2]\n', "twice"),
    # Each a silent surprise before: samples without anything to draw ran one scenario per grid
    # point; an empty [uncertainty] ran copies of the base.
    ('samples = 5\n[[axis]]\nparameter = "model.intercept"\nvalues = [-5.0, -4.0]\n', "key 'samples' draws nothing here"),
    ('samples = 0\n[[axis]]\nparameter = "model.intercept"\nvalues = [-5.0, -4.0]\n', "key 'samples' draws nothing here"),
    ('samples = -1\n', "key 'samples' must be a whole number from 1 to 100000"),
    ('samples = 2\n[uncertainty]\n', "key 'uncertainty' draws nothing: give it front_line_sd"),
    ('samples = 2\n[uncertainty]\nfront_line_wavelength = 900.0\n', "key 'uncertainty' draws nothing"),
    ('[[axis]]\nparameter = "model.intercept"\nrange = [-5.0, -4.9999999999999, 1e-16]\n', "step too small"),
])
def test_out_of_range_sweep_values_are_refused(region, tmp_path, body, message):
    r = run_minerisk("sweep", sweep_file(tmp_path, region, body), "-o", tmp_path / "s.nc")
    assert r.returncode == 2, r.stderr
    assert message in r.stderr and len(r.stderr.splitlines()) == 1
    assert not (tmp_path / "s.nc").exists()


def test_a_sweep_naming_itself_as_base_is_refused(tmp_path):
    """Read as a scenario, the sweep file was refused for its key 'axis', which it may hold."""
    sweep = tmp_path / "sweep.toml"
    sweep.write_text('base = "sweep.toml"\n[[axis]]\nparameter = "model.intercept"\nvalues = [-5.0, -4.0]\n')
    r = run_minerisk("sweep", sweep, "-o", tmp_path / "s.nc")
    assert r.returncode == 2 and "key 'base' names this sweep file itself" in r.stderr, r.stderr


def test_a_range_gives_its_decimal_values(region, tmp_path):
    """range = [start, stop, step] includes the stop; its values are the decimals a user reads, not
    the binary sum's 0.30000000000000004."""
    body = '[[axis]]\nparameter = "model.evidence.front_lines.weight"\nrange = [0.0, 1.0, 0.1]\n'
    r = run_minerisk("sweep", sweep_file(tmp_path, region, body), "-o", tmp_path / "s.nc", "-q")
    assert r.returncode == 0, r.stderr
    with h5py.File(tmp_path / "s.nc", "r") as f:
        values = list(f["parameter_model_evidence_front_lines_weight"][:])
    assert values == [0.0, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 1.0]
    # Across zero the sum leaves 5.6e-17 where 0 is meant.
    body = '[[axis]]\nparameter = "model.evidence.front_lines.weight"\nrange = [-0.3, 0.3, 0.1]\n'
    r = run_minerisk("sweep", sweep_file(tmp_path, region, body), "-o", tmp_path / "s.nc", "-q", "--overwrite")
    assert r.returncode == 0, r.stderr
    with h5py.File(tmp_path / "s.nc", "r") as f:
        assert list(f["parameter_model_evidence_front_lines_weight"][:]) == [-0.3, -0.2, -0.1, 0.0, 0.1, 0.2, 0.3]


def test_the_longest_layer_name_gives_a_sweep_gdal_reads(region, tmp_path):
    """200 characters, the most a layer's name may have: its sweep column
    parameter_model_evidence_NAME_transform_threshold fits netCDF's 256 (a 224-character name
    gave a file GDAL called damaged)."""
    name = "a" * 200
    base = tmp_path / "long.toml"
    base.write_text(scenario_text(region) + f'\n[model.evidence.{name}]\nfeature = "slope"\nweight = 0.01\n'
                                            'transform = { type = "step", threshold = 10.0 }\n')
    sweep = tmp_path / "sweep.toml"
    sweep.write_text(f'base = "{base}"\n[[axis]]\nparameter = "model.evidence.{name}.transform.threshold"\n'
                     'values = [5.0, 10.0]\n')
    assert run_minerisk("sweep", sweep, "-o", tmp_path / "s.nc", "-q").returncode == 0
    assert gdal.Info(str(tmp_path / "s.nc")) is not None
    column = f"parameter_model_evidence_{name}_transform_threshold"
    assert len(column) == 245 and gdal.Open(f'NETCDF:"{tmp_path / "s.nc"}":mean') is not None
    with h5py.File(tmp_path / "s.nc", "r") as f:
        assert list(f[column][:]) == [5.0, 10.0]
