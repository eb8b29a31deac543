"""The Python module: kernels on numpy arrays against the command line and numpy/scipy, the
scenario API, the GIL really released, and clear errors."""
import json
import subprocess
import threading
import time
import tomllib

import h5py
import numpy as np
import pytest
from osgeo import gdal, ogr
from scipy import ndimage

from conftest import run_minerisk, scenario_text, evidence_of
from tools_helpers import read, write_raster

import minerisk  # noqa: E402  (built by scripts/setup: a failed import must fail, not skip)


def test_imports_in_a_new_shell_without_paths():
    result = subprocess.run(["/usr/bin/python3", "-c", "import minerisk; print(minerisk.__version__)"],
                            capture_output=True, text=True, cwd="/", env={"PATH": "/usr/bin:/bin"})
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == minerisk.__version__


def test_slope_equals_the_command_and_gdaldem(region, tmp_path):
    ds = gdal.Open(str(region / "dem.tif"))
    dem = ds.ReadAsArray().astype(np.float32)
    dem[dem == -9999] = np.nan
    ours = minerisk.slope(dem, geotransform=ds.GetGeoTransform(), compute_edges=True)
    assert run_minerisk("slope", region / "dem.tif", tmp_path / "s.tif", "--compute-edges", "-q").returncode == 0
    command = read(tmp_path / "s.tif")
    assert np.array_equal(np.isnan(ours), np.isnan(command))
    assert np.array_equal(ours[~np.isnan(ours)], command[~np.isnan(command)].astype(np.float32))


def test_distance_transform_equals_scipy():
    rng = np.random.default_rng(1)
    mask = (rng.random((130, 170)) < 0.003).astype(np.float32)
    distance, nearest = minerisk.distance_transform(mask, cell_size=(10.0, 20.0), return_nearest=True)
    want = ndimage.distance_transform_edt(mask == 0, sampling=(20.0, 10.0))
    assert np.abs(distance - want).max() < 1e-3
    assert mask.ravel()[nearest.ravel()].all()


def test_point_density_equals_brute_force():
    rng = np.random.default_rng(2)
    points = np.column_stack([rng.uniform(0, 800, 50), rng.uniform(0, 600, 50), rng.integers(1, 3, 50)])
    gt = (0.0, 10.0, 0.0, 600.0, 0.0, -10.0)
    got = minerisk.point_density(points, (60, 80), geotransform=gt, bandwidth=40.0)
    X, Y = np.meshgrid(5 + 10 * np.arange(80), 595 - 10 * np.arange(60))
    want = sum(w * np.exp(-((X - x) ** 2 + (Y - y) ** 2) / (2 * 40.0 ** 2)) for x, y, w in points)
    want *= 1e6 / (2 * np.pi * 40.0 ** 2)
    assert np.abs(got - want).max() <= np.exp(-8) * points[:, 2].sum() * 1e6 / (2 * np.pi * 1600) + 1e-4


def test_line_distance_equals_a_direct_computation():
    segments = np.array([[0.0, 0.0, 500.0, 300.0], [500.0, 300.0, 800.0, 0.0]])
    gt = (0.0, 10.0, 0.0, 400.0, 0.0, -10.0)
    got = minerisk.line_distance(segments, (40, 80), geotransform=gt)
    X, Y = np.meshgrid(5 + 10 * np.arange(80), 395 - 10 * np.arange(40))
    best = np.full(X.shape, np.inf)
    for x0, y0, x1, y1 in segments:
        t = np.clip(((X - x0) * (x1 - x0) + (Y - y0) * (y1 - y0)) / ((x1 - x0) ** 2 + (y1 - y0) ** 2), 0, 1)
        best = np.minimum(best, np.hypot(X - (x0 + t * (x1 - x0)), Y - (y0 + t * (y1 - y0))))
    assert np.abs(got - best).max() < 1e-3


def test_focal_mean_equals_scipy():
    rng = np.random.default_rng(3)
    values = rng.normal(5, 1, (50, 60)).astype(np.float32)
    got = minerisk.focal(values, radius=20.0, statistic="sum", shape="square", cell_size=(10.0, 10.0))
    want = ndimage.correlate(values.astype(np.float64), np.ones((5, 5)), mode="constant")
    assert np.abs(got - want).max() < 1e-3


def test_other_dtypes_and_strides_are_converted():
    dem = np.arange(400, dtype=np.float64).reshape(20, 20)
    a = minerisk.slope(dem, cell_size=(10, 10))
    b = minerisk.slope(np.asfortranarray(dem.astype(np.float32)), cell_size=(10, 10))
    c = minerisk.slope(dem.astype(np.float32)[:, ::-1][:, ::-1].copy(), cell_size=(10, 10))
    assert np.array_equal(a, b, equal_nan=True) and np.array_equal(a, c, equal_nan=True)


def test_a_scenario_runs_like_the_command(region, tmp_path):
    # An .h5 name still writes the same netCDF-4 files (the command says once that .nc is better).
    h5 = tmp_path / "cli.h5"
    r = run_minerisk("run", region / "scenario.toml", "-o", h5, "--evidence", "float32")  # evidence as computed
    assert r.returncode == 0 and "note:" in r.stderr and "named .nc" in r.stderr
    result = minerisk.Scenario.load(region / "scenario.toml").run(threads=2, tile_size=256)
    with h5py.File(h5, "r") as f, h5py.File(evidence_of(h5), "r") as e:
        assert f["probability"][:].tobytes() == result.probability.tobytes()
        for name, layer in result.evidence.items():
            assert e[name][:].tobytes() == layer.tobytes()
    ds = result.to_xarray()
    assert ds.probability.dims == ("y", "x") and "UTM" in ds.crs.attrs["crs_wkt"]
    opened = minerisk.open(h5)
    assert np.array_equal(opened.probability.values, result.probability, equal_nan=True)
    assert "evidence_slope" in opened


def test_a_scenario_from_a_dict_equals_its_file(region):
    import tomllib

    values = tomllib.loads(scenario_text(region))
    scenario = minerisk.Scenario.from_dict(values)
    from_dict = scenario.run()
    from_file = minerisk.Scenario.load(region / "scenario.toml").run()
    assert from_dict.probability.shape == from_file.probability.shape
    assert np.isfinite(from_dict.probability).sum() > 0
    # The scenario is a copy: a later change to the dict's nested tables does not reach it.
    values["model"]["intercept"] = values["model"].get("intercept", 0) + 5
    assert np.array_equal(scenario.run().probability, from_dict.probability, equal_nan=True)


def test_any_mapping_is_a_table_and_a_numpy_vector_a_list(region):
    """A nested MappingProxyType, which the stub's Mapping promises, and a one-dimensional numpy
    array were refused as 'not a number, string, list or dict' (a probe)."""
    import tomllib
    import types

    values = tomllib.loads(scenario_text(region))
    plain = minerisk.Scenario.from_dict(values).run().probability
    values["model"] = types.MappingProxyType(values["model"])
    assert np.array_equal(minerisk.Scenario.from_dict(values).run().probability, plain, equal_nan=True)
    # A mapping whose items() differ from its storage runs what was checked: its items().
    class Scaled(dict):
        def items(self):
            return [(k, v * 10 if k == "intercept" else v) for k, v in super().items()]

    values["model"] = Scaled(dict(values["model"]))
    resolved = minerisk.Scenario.from_dict(values).resolved_toml
    assert f"intercept = {float(values['model']['intercept']) * 10}" in resolved, resolved
    values["grid"] = {"extent": np.array([1.0, 2.0, 3.0, 4.0])}
    with pytest.raises(minerisk.Error, match=r"grid"):  # read as a list, then checked as any list is
        minerisk.Scenario.from_dict(values)


def test_fit_and_evaluate_from_python(region, tmp_path):
    scenario = minerisk.Scenario.from_dict({**__import__("tomllib").loads(scenario_text(region))})
    fit = scenario.fit(background_ratio=2.0, block_size=1500.0)
    assert fit["coefficients"][0]["name"] == "intercept"
    assert "[model" in fit["fitted_toml"]
    out = scenario.run(tmp_path / "g.h5", picture=False)
    scores = minerisk.evaluate(out, region / "region.gpkg", layer="finds")
    assert 0 < scores["roc_auc"] < 1
    # where= as --where: the same report as the command line's, which keeps fewer items.
    where = "count >= 2"
    some = minerisk.evaluate(out, region / "region.gpkg", layer="finds", where=where)
    report = tmp_path / "e.json"
    r = run_minerisk("evaluate", out, "--truth", region / "region.gpkg", "--layer", "finds", "--where", where,
                     "-o", report, "-q")
    assert r.returncode == 0, r.stderr
    cli = json.loads(report.read_text())
    assert {k: v for k, v in some.items() if k != "grid"} == {k: v for k, v in cli.items() if k != "grid"}
    assert some["true_items"] < scores["true_items"]


def test_the_gil_is_released_while_a_kernel_runs():
    dem = np.random.default_rng(4).random((3000, 3000)).astype(np.float32)
    spans = []

    def work():
        start = time.perf_counter()
        minerisk.focal(dem, radius=30.0, statistic="mean", shape="circle", cell_size=(10.0, 10.0))
        spans.append((start, time.perf_counter()))

    threads = [threading.Thread(target=work) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    (a0, a1), (b0, b1) = sorted(spans)
    assert b0 < a1, "the second kernel only started once the first had finished: the GIL was held"


def test_bad_arguments_raise_clear_errors(tmp_path):
    with pytest.raises(ValueError, match="2-D"):
        minerisk.slope(np.zeros(5, np.float32), cell_size=(1, 1))
    with pytest.raises(ValueError, match="measure"):
        minerisk.terrain(np.zeros((3, 3), np.float32), "curvature", cell_size=(1, 1))
    with pytest.raises(ValueError, match="cell_size"):
        minerisk.slope(np.zeros((3, 3), np.float32))
    # Infinite or NaN sizes gave numbers; a radius of a million cells, MemoryError (bad_alloc).
    grid = np.zeros((8, 8), np.float32)
    with pytest.raises(ValueError, match="cell_size: both sizes must be positive, finite"):
        minerisk.slope(grid, cell_size=(float("inf"), 10))
    with pytest.raises(ValueError, match="geotransform: every number must be finite"):
        minerisk.slope(grid, geotransform=(float("nan"), 10, 0, 0, 0, -10))
    with pytest.raises(ValueError, match="radius: 1000000 m spans more than 4096 cells"):
        minerisk.focal(grid, radius=1e6, cell_size=(10, 10))
    with pytest.raises(ValueError, match="radius: give metres, 0 or more"):
        minerisk.focal(grid, radius=float("inf"), cell_size=(10, 10))
    # Cells of 1e200 m made the distance envelope's numbers NaN and its search endless (a hang
    # Ctrl-C could not stop); 1e120 m gave distances beyond float32, all infinite.
    mask = np.zeros((8, 8), np.uint8)
    mask[2, 2] = 1
    for size in (1e200, 1e120, 1e-200):
        with pytest.raises(ValueError, match="outside what distances can hold"):
            minerisk.distance_transform(mask, cell_size=(size, size))
    assert minerisk.distance_transform(mask, cell_size=(1e36, 1e36))[2, 3] == pytest.approx(1e36)
    frame = dict(geotransform=(0, 10, 0, 80, 0, -10))
    # Beyond 1e7 m (1e308 gave zeros everywhere, a review), as the density tool and a scenario.
    for bandwidth in (float("inf"), 1e-160, 1.0001e7, 1e308, float("nan")):
        with pytest.raises(ValueError, match=r"bandwidth: must be metres from 0.001 \(a millimetre\) to 1e7"):
            minerisk.point_density(np.array([[5.0, 5.0]]), (8, 8), bandwidth=bandwidth, **frame)
    with pytest.raises(ValueError, match="truncate: must be a positive, finite"):
        minerisk.point_density(np.array([[5.0, 5.0]]), (8, 8), bandwidth=10, truncate=float("nan"), **frame)
    # A weight counts items, as the command line's --weight-field (which refuses -2 too).
    with pytest.raises(ValueError, match="points: row 1 has a negative weight"):
        minerisk.point_density(np.array([[5.0, 5.0, 1.0], [5.0, 5.0, -2.0]]), (8, 8), bandwidth=10, **frame)
    with pytest.raises(ValueError, match="cap: must be a positive distance"):
        minerisk.line_distance(np.array([[0.0, 0, 10, 10]]), (8, 8), cap=float("nan"), **frame)
    # A grid's shape: two positive whole numbers (a list and numpy integers are fine).
    for shape in ((5.5, 5), (5,), (0, 5), (True, 5), "ab", (5, 5, 5), (2**70, 5)):
        for kernel in (lambda s: minerisk.line_distance(np.array([[0.0, 0, 10, 10]]), s, **frame),
                       lambda s: minerisk.point_density(np.array([[5.0, 5.0]]), s, bandwidth=10, **frame)):
            with pytest.raises(ValueError, match=r"shape: expected \(rows, columns\), two positive whole numbers"):
                kernel(shape)
    assert minerisk.line_distance(np.array([[0.0, 0, 10, 10]]), [np.int64(8), 8], **frame).shape == (8, 8)
    # A coordinate or a weight that is not finite would silently give NaN or nothing.
    with pytest.raises(ValueError, match="points: row 1 holds a coordinate or weight that is not a finite number"):
        minerisk.point_density(np.array([[5.0, 5.0, 1.0], [5.0, 5.0, float("nan")]]), (8, 8), bandwidth=10, **frame)
    with pytest.raises(ValueError, match="segments: row 0 has an end that is not a finite coordinate"):
        minerisk.line_distance(np.array([[0.0, float("nan"), 10, 10]]), (8, 8), **frame)
    with pytest.raises(TypeError):
        minerisk.slope("not an array", cell_size=(1, 1))
    # Lists and numpy arrays as well as tuples; anything else named, not pybind11's signature list.
    assert minerisk.slope([[1, 2, 3], [3, 4, 5], [1, 1, 1]], cell_size=np.array([10.0, 10.0])).shape == (3, 3)
    assert minerisk.line_distance([[0.0, 0, 10, 10]], [8, 8], geotransform=[0, 10, 0, 80, 0, -10]).shape == (8, 8)
    assert minerisk.point_density([[5.0, 5.0]], np.array([4, 4]), bandwidth=10, **frame).shape == (4, 4)
    with pytest.raises(ValueError, match="shape: expected"):
        minerisk.point_density([[5.0, 5.0]], np.array(4), bandwidth=10, **frame)
    for bad in ("ab", (1,), (True, 1), np.zeros((2, 2)), np.array(10.0), ("10", "10")):
        with pytest.raises(ValueError, match=r"cell_size: expected \(x, y\) in metres"):
            minerisk.slope(grid, cell_size=bad)
    with pytest.raises(TypeError, match="dem: expected a numpy array of numbers"):
        minerisk.slope(None, cell_size=(1, 1))
    with pytest.raises(TypeError, match="segments: expected an"):
        minerisk.line_distance(None, (8, 8), **frame)
    with pytest.raises(TypeError, match="points: expected an"):
        minerisk.point_density(None, (8, 8), bandwidth=10, **frame)
    # A cell size beside a geotransform was silently unused, "abc" too.
    with pytest.raises(ValueError, match="give cell_size=.* or geotransform=.*, not both"):
        minerisk.slope(grid, cell_size="abc", **frame)
    # Names in any case, as the command line and minerisk.tools take them.
    assert np.array_equal(minerisk.focal(grid, radius=20, statistic="MAX", shape="Square", cell_size=(10, 10)),
                          minerisk.focal(grid, radius=20, statistic="max", shape="square", cell_size=(10, 10)))
    assert minerisk.terrain(grid, "SLOPE", cell_size=(10, 10)).shape == grid.shape
    # Degrees beyond the poles are no place on Earth; distances are measured within half the globe.
    for gt in ((0, 1, 0, 95, 0, -1), (0, 1, 0, -85, 0, -1), (0, 50, 0, 40, 0, -1), (-180, 22.6, 0, 40, 0, -1)):
        with pytest.raises(ValueError, match="within latitudes -90 to 90 and span at most 180 degrees"):
            minerisk.slope(grid, geotransform=gt, geographic=True)
    # Cell sizes are metres: with geographic=True they were taken as degrees from latitude 0 up.
    with pytest.raises(ValueError, match="geographic=True needs geotransform"):
        minerisk.slope(grid, cell_size=(10, 10), geographic=True)
    with pytest.raises(TypeError, match="from_dict: expected a mapping shaped like the scenario file, not NoneType"):
        minerisk.Scenario.from_dict(None)
    with pytest.raises(minerisk.Error, match="scenario file not found"):
        minerisk.Scenario.load(tmp_path / "missing.toml")
    with pytest.raises(minerisk.Error, match="did you mean 'intercept'"):
        minerisk.Scenario.from_dict({"terrain": {"dem": "x.tif"}, "model": {"intercep": 0}})
    # What pybind11 could not cast was an opaque RuntimeError.
    with pytest.raises(minerisk.Error, match="key 'intercept' holds 1000000000000000000000000000000, beyond a 64-bit"):
        minerisk.Scenario.from_dict({"terrain": {"dem": "x.tif"}, "model": {"intercept": 10**30}})
    with pytest.raises(minerisk.Error, match="key 'title' holds text that is not valid Unicode"):
        minerisk.Scenario.from_dict({"title": "a\udcffb", "terrain": {"dem": "x.tif"}, "model": {"intercept": 0}})


def test_numpy_numbers_in_a_scenario_dict_are_numbers(region):
    """A dict built with numpy holds np.float32, np.int64 and 0-d arrays: numbers, as TOML's."""
    values = tomllib.loads(scenario_text(region))
    plain = minerisk.Scenario.from_dict(values).run().probability
    values["model"]["intercept"] = np.float32(values["model"]["intercept"])
    values["model"]["evidence"]["slope"]["weight"] = np.array(values["model"]["evidence"]["slope"]["weight"])
    values["model"]["evidence"]["finds"]["bandwidth"] = np.int64(values["model"]["evidence"]["finds"]["bandwidth"])
    assert minerisk.Scenario.from_dict(values).run().probability.tobytes() == plain.tobytes()


def test_kernels_equal_their_commands(region, tmp_path):
    """Each kernel from Python gives the command line's numbers on the same inputs."""
    dem_ds = gdal.Open(str(region / "dem.tif"))
    gt = dem_ds.GetGeoTransform()
    shape = (dem_ds.RasterYSize, dem_ds.RasterXSize)
    dem = dem_ds.ReadAsArray().astype(np.float32)
    dem[dem == -9999] = np.nan

    # focal: the DEM's mean within 55 m.
    assert run_minerisk("focal", region / "dem.tif", tmp_path / "f.tif", "--radius", "55", "-q").returncode == 0
    ours = minerisk.focal(dem, radius=55.0, geotransform=gt)
    assert np.array_equal(ours, read(tmp_path / "f.tif").astype(np.float32), equal_nan=True)

    # distance transform: a mask of the steepest cells.
    mask = (np.nan_to_num(minerisk.slope(dem, geotransform=gt)) > 30).astype(np.uint8)
    write_raster(tmp_path / "mask.tif", mask, geotransform=gt, dtype=gdal.GDT_Byte)
    assert run_minerisk("proximity", tmp_path / "mask.tif", tmp_path / "d.tif", "-q").returncode == 0
    assert np.array_equal(minerisk.distance_transform(mask, geotransform=gt), read(tmp_path / "d.tif").astype(np.float32))

    # point density: the finds, with their counts.
    finds_ds = ogr.Open(str(region / "region.gpkg"))  # kept alive: GDAL 3.6 frees the layer with it
    points = np.array([(f.GetGeometryRef().GetX(), f.GetGeometryRef().GetY(), f.GetField("count"))
                       for f in finds_ds.GetLayerByName("finds")])
    r = run_minerisk("density", region / "region.gpkg", tmp_path / "k.tif", "--layer", "finds", "--like",
                     region / "dem.tif", "--bandwidth", "250", "--weight-field", "count", "-q")
    assert r.returncode == 0, r.stderr
    ours = minerisk.point_density(points, shape, geotransform=gt, bandwidth=250.0)
    assert np.array_equal(ours, read(tmp_path / "k.tif").astype(np.float32))


def test_fit_options_from_python_are_checked(region):
    import tomllib

    scenario = minerisk.Scenario.from_dict(tomllib.loads(scenario_text(region)))
    with pytest.raises(minerisk.Error, match="folds"):
        scenario.fit(block_size=2000.0, folds=0, background_ratio=1.0)
    with pytest.raises(ValueError, match="unknown option"):
        scenario.fit(fold=3)
    # A value of the wrong type names its option and what it takes (not pybind11's cast error).
    with pytest.raises(TypeError, match="option 'knots' got <class 'float'> 3.5; give a whole number"):
        scenario.fit(knots=3.5)
    with pytest.raises(TypeError, match="option 'cross_validate'.*True or False"):
        scenario.fit(cross_validate="yes")
    # True is the number 1 to Python, but repeats=True (or l2=False) is a mistake, not a count.
    with pytest.raises(TypeError, match="option 'repeats' got <class 'bool'> True; give a whole number"):
        scenario.fit(repeats=True)
    with pytest.raises(TypeError, match="option 'l2' got <class 'bool'> False; give a number"):
        scenario.fit(l2=False)
    with pytest.raises(ValueError, match="unknown option 'foo'"):
        scenario.fit(foo=True)
    # numpy's booleans too; and None is neither a switch nor a path (pybind11 took it for False and "None").
    with pytest.raises(TypeError, match="option 'repeats' got <class 'numpy.bool_'> True; give a whole number"):
        scenario.fit(repeats=np.bool_(True))
    with pytest.raises(TypeError, match="option 'cross_validate' got <class 'NoneType'> None; give True or False"):
        scenario.fit(cross_validate=None)
    with pytest.raises(TypeError, match="option 'labels' got <class 'NoneType'> None; give a path"):
        scenario.fit(labels=None)
    with pytest.raises(TypeError, match="option 'zones' got <class 'str'> ''; give a path"):
        scenario.fit(zones="")
    # A path as bytes is a path, as everywhere in the module (it was refused as no path).
    with pytest.raises(minerisk.Error, match="missing_labels.tif"):
        scenario.fit(labels=b"/nonexistent/missing_labels.tif")


def test_a_sweep_from_python(region, tmp_path):
    sweep = tmp_path / "sweep.toml"
    sweep.write_text(f'base = "{region / "scenario.toml"}"\n[[axis]]\nparameter = "model.intercept"\n'
                     'values = [-5.5, -5.0, -4.5]\n')
    ds = minerisk.sweep(sweep, tmp_path / "s.h5", threads=2)
    assert ds["mean"].dims == ("y", "x")
    assert list(ds["parameter_model_intercept"].values) == [-5.5, -5.0, -4.5]
    areas = ds["expected_contaminated_area"].values
    assert areas[0] < areas[1] < areas[2]  # a larger intercept, more contaminated land
