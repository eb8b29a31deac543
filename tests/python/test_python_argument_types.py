"""An argument of the wrong type names itself and what it takes, as minerisk's own messages do,
instead of pybind11's whole signature and every value given (a numpy array printed in full)."""
import threading

import numpy as np
import pytest

import minerisk


@pytest.mark.parametrize("call, says", [
    (lambda: minerisk.focal(np.zeros((50, 50)), radius="20", cell_size=(1, 1)), "focal(): radius: expected float, got str '20'"),
    (lambda: minerisk.hillshade(np.zeros((5, 5)), azimuth=None, cell_size=(1, 1)), "hillshade(): azimuth: expected float"),
    (lambda: minerisk.tools.slope("dem.tif", "s.tif", threads="2"), "slope(): threads: expected int, got str '2'"),
    (lambda: minerisk.tools.slope(None, "s.tif"), "slope(): dem: expected os.PathLike, got NoneType None"),
    (lambda: minerisk.tools.tri("dem.tif", "t.tif", creation_options="TILED=YES"),
     "tri(): creation_options: expected List[str], got str 'TILED=YES'"),
    (lambda: minerisk.tools.slope("dem.tif", "s.tif", compute_edge=True), "slope() got an unexpected keyword argument 'compute_edge'"),
    (lambda: minerisk.evaluate("g.nc", "t.gpkg", layer=None), "evaluate(): layer: expected str, got NoneType None"),
    (lambda: minerisk.slope(np.zeros((5, 5)), percent="no", cell_size=(1, 1)), "slope(): percent: expected bool, got str 'no'"),
    # pybind11 took None or 2 for a bool, and True for an int (a probe).
    (lambda: minerisk.slope(np.ones((3, 3)), compute_edges=None, cell_size=(1, 1)),
     "terrain(): compute_edges: expected bool, got NoneType None"),
    (lambda: minerisk.distance_transform(np.ones((3, 3)), return_nearest=1, cell_size=(1, 1)),
     "distance_transform(): return_nearest: expected bool, got int 1"),
    (lambda: minerisk.tools.slope("dem.tif", "s.tif", threads=True), "slope(): threads: expected int, got bool True"),
])
def test_a_wrong_type_names_the_argument(call, says):
    with pytest.raises(TypeError) as raised:
        call()
    assert str(raised.value) == says or str(raised.value).startswith(says), str(raised.value)
    assert "Invoked with" not in str(raised.value) and "0., 0." not in str(raised.value)


def test_a_scenarios_options_of_the_wrong_type_are_named(region, tmp_path):
    from conftest import scenario_text
    (tmp_path / "s.toml").write_text(scenario_text(region))
    scenario = minerisk.Scenario.load(tmp_path / "s.toml")
    for call, says in [(lambda: scenario.run(threads="2"), "run(): threads: expected int, got str '2'"),
                       (lambda: scenario.run(tmp_path / "o.nc", tile_size=64.0), "run(): tile_size: expected int, got float"),
                       (lambda: scenario.update(tmp_path / "o.nc", tile_size="64"), "update(): tile_size: expected Optional[int]")]:
        with pytest.raises(TypeError, match=r"^" + says.replace("(", r"\(").replace(")", r"\)").replace("[", r"\[").replace("]", r"\]")):
            call()
    assert not (tmp_path / "o.nc").exists()


def test_a_whole_number_beyond_the_engines_range_is_named(region, tmp_path):
    """threads=10**20 gave a TypeError that printed pybind11's internal signature (a probe)."""
    from conftest import scenario_text
    (tmp_path / "s.toml").write_text(scenario_text(region))
    scenario = minerisk.Scenario.load(tmp_path / "s.toml")
    for call, name in ((lambda: scenario.run(threads=10**20), "run"),
                       (lambda: minerisk.tools.slope(region / "dem.tif", tmp_path / "s.tif", threads=-10**20), "slope")):
        with pytest.raises(ValueError, match=rf"^{name}\(\): threads: -?100000000000000000000 is out of range"):
            call()
    assert not (tmp_path / "s.tif").exists()


def test_the_argument_named_is_the_one_pybind11_refused():
    """numpy's bool and a Decimal, which pybind11 converts, were blamed for a later argument's type;
    a keyword-only argument given by position, or a missing one, fell through to the signature."""
    import decimal
    values = np.zeros((5, 5), np.float32)
    for call, says in [
            (lambda: minerisk.focal(values, radius=10.0, cell_size=(1, 1), geographic=np.bool_(False), statistic=3),
             "focal(): statistic: expected str, got int 3"),
            (lambda: minerisk.focal(values, radius=decimal.Decimal("10"), statistic=3), "focal(): statistic: expected str"),
            (lambda: minerisk.focal(values, 10.0), "focal() takes 1 positional argument (values); give the others by name"),
            (lambda: minerisk.focal(values), "focal() missing required argument 'radius'")]:
        with pytest.raises(TypeError) as raised:
            call()
        assert str(raised.value) == says or str(raised.value).startswith(says), str(raised.value)


def test_a_type_error_inside_a_progress_callback_is_not_renamed(tmp_path):
    import _minerisk
    from osgeo import gdal, osr
    srs = osr.SpatialReference()
    srs.ImportFromEPSG(32637)
    ds = gdal.GetDriverByName("GTiff").Create(str(tmp_path / "dem.tif"), 20, 20, 1, gdal.GDT_Float32)
    ds.SetGeoTransform((500000, 10, 0, 4000000, 0, -10))
    ds.SetProjection(srs.ExportToWkt())
    ds = None

    def progress(fraction):
        _minerisk.focal(np.zeros((2, 2)), radius="x")  # the callback's own mistake

    with pytest.raises(TypeError, match=r"^focal\(\): incompatible function arguments"):
        minerisk.tools.slope(tmp_path / "dem.tif", tmp_path / "s.tif", progress=progress)
    assert not (tmp_path / "s.tif").exists()


def test_the_wrapped_functions_pickle_by_reference():
    import pickle
    assert pickle.loads(pickle.dumps(minerisk.focal)) is minerisk.focal
    assert pickle.loads(pickle.dumps(minerisk.tools.slope)) is minerisk.tools.slope


@pytest.mark.parametrize("call, says", [
    (lambda t: minerisk.Scenario.load(t / "scenario.toml\0garbage"), "source: "),
    (lambda t: minerisk.Scenario.from_dict({"terrain": {"dem": "x\0.tif"}}), "resolve_scenario(): scenario: holds a NUL"),
    (lambda t: minerisk.evaluate(t / "g.nc", t / "t.gpkg", where="count > 1\0 OR 1=1"), "evaluate(): where: holds a NUL"),
    (lambda t: minerisk.tools.slope(t / "dem.tif", str(t / "o\0.tif")), "slope(): output: holds a NUL"),
    (lambda t: minerisk.tools.slope(str(t / "dem\0.tif").encode(), t / "o.tif"), "slope(): dem: holds a NUL"),
    (lambda t: minerisk.map(t / "g.nc", t / "m.png", roads=["a\0b"]), "map(): options: holds a NUL"),
    (lambda t: minerisk.explain(str(t / "g\0.nc"), 0, 0), "grid: "),
])
def test_a_text_holding_a_nul_is_refused_not_cut_there(tmp_path, call, says):
    """C++ and GDAL end a text at a NUL: Scenario.load('scenario.toml\\0x') loaded scenario.toml,
    and a filter 'count > 1\\0 OR 1=1' was applied as 'count > 1' while the report echoed it
    whole (a probe)."""
    (tmp_path / "scenario.toml").write_text("not read")
    with pytest.raises(ValueError) as raised:
        call(tmp_path)
    assert str(raised.value).startswith(says) and "NUL character" in str(raised.value), str(raised.value)


def test_a_float64_beyond_float32_warns_nothing_before_the_refusal():
    import warnings
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # numpy's "overflow encountered in cast" would raise here
        with pytest.raises(ValueError, match="holds an infinite value at row 0, column 0"):
            minerisk.slope(np.full((3, 3), 1e300), cell_size=(1, 1))


def test_the_checks_before_the_call_refuse_nothing_they_should_take(region, tmp_path):
    """Regressions a probe found in the first version of the checks: a list that holds itself hung
    the NUL walk (pybind11 refused it at once), 0-d numpy and xarray values of the kind were
    refused, update's Optional tile_size took True, and a progress callback ran under the
    wrapper's numpy error state instead of the caller's."""
    import tomllib
    import xarray as xr

    values = tomllib.loads((region / "scenario.toml").read_text())
    cycle = []
    cycle += [cycle, cycle]
    values["extra"] = cycle
    with pytest.raises(TypeError, match="lists may hold only numbers, booleans and strings"):
        minerisk.Scenario.from_dict(values, base_dir=region)
    assert minerisk.slope(np.ones((3, 3)), cell_size=(1, 1), compute_edges=xr.DataArray(True)).shape == (3, 3)
    assert minerisk.slope(np.ones((3, 3)), cell_size=(1, 1), compute_edges=np.array(False)).shape == (3, 3)
    minerisk.tools.slope(region / "dem.tif", tmp_path / "a.tif", threads=xr.DataArray(2), tile_size=np.int64(512))
    with pytest.raises(TypeError, match=r"^update\(\): tile_size: expected Optional\[int\], got bool True$"):
        minerisk.Scenario.load(region / "scenario.toml").update(tmp_path / "u.nc", tile_size=True)
    with pytest.raises(TypeError, match=r"^slope\(\): threads: expected int, got DataArray$"):
        minerisk.tools.slope(region / "dem.tif", tmp_path / "b.tif", threads=xr.DataArray(2.5))
    seen = []  # numpy's error state is per thread: the callback's calls on the caller's thread
    with np.errstate(over="raise"):
        minerisk.tools.slope(region / "dem.tif", tmp_path / "c.tif",
                             progress=lambda f: seen.append(np.geterr()["over"]) if threading.current_thread() is
                             threading.main_thread() else None)
    assert seen and set(seen) == {"raise"}
