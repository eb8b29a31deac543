"""The array kernels take numbers as the command line's tools take a raster's: an infinity (or a
float64 value beyond float32's range, which becomes one) is refused rather than spread into a slope
of 90 degrees or a focal window of inf; a result beyond float32 is refused rather than returned as
an infinity; a float64 mask is read as stored (1e-50 is a feature). And the module's names: every
function the README lists is exported by `from minerisk import *` and has a type stub."""
import ast
import os
import re
import warnings

import numpy as np
import pytest

import minerisk
from conftest import ROOT

GRID = {"cell_size": (10, 10)}


@pytest.mark.parametrize("call", [
    lambda a: minerisk.slope(a, **GRID),
    lambda a: minerisk.terrain(a, "aspect", **GRID),
    lambda a: minerisk.hillshade(a, **GRID),
    lambda a: minerisk.focal(a, radius=10, **GRID),
    # A mask's float64 1e39 is read as stored: a feature, as any value other than 0.
    lambda a: minerisk.distance_transform(a.astype(np.float32) if a.dtype == np.float64 else a, **GRID),
])
@pytest.mark.parametrize("value, dtype", [(np.inf, np.float32), (-np.inf, np.float64), (1e39, np.float64)])
def test_an_infinite_input_is_refused_naming_its_cell(call, value, dtype):
    a = np.zeros((4, 5), dtype)
    a[2, 3] = value
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # numpy's overflow of 1e39 as it becomes float32
        with pytest.raises(ValueError, match=r"holds an infinite value at row 2, column 3 .*set such cells to NaN"):
            call(a)


def test_a_result_beyond_float32_is_refused():
    with pytest.raises(ValueError, match=r"focal: the result at row 0, column 0 is beyond float32's range"):
        minerisk.focal(np.full((3, 3), 3e38, np.float32), radius=10, statistic="sum", **GRID)
    with pytest.raises(ValueError, match=r"point_density: the result at row 0, column 0 is beyond float32's range"):
        minerisk.point_density(np.array([[5.0, 5.0, 1e40]]), (2, 2), geotransform=(0, 10, 0, 20, 0, -10), bandwidth=10)
    # Below the limit: numbers, as before.
    assert np.isfinite(minerisk.focal(np.full((3, 3), 1e37, np.float32), radius=10, statistic="sum", **GRID)).all()


@pytest.mark.parametrize("mask", [np.array([[1e-50, 0.0, 0.0]]), np.array([[2**62, 0, 0]], np.int64),
                                  np.array([[16777217, 0, 0]], np.int32), np.array([[1, 0, 0]], np.float16),
                                  np.array([[True, False, False]])])
def test_a_mask_is_read_as_stored(mask):
    """As float32, a float64 1e-50 was 0: no feature, every distance inf."""
    assert minerisk.distance_transform(mask, **GRID).tolist() == [[0.0, 10.0, 20.0]]
    assert minerisk.distance_transform(np.array([[0.0, np.nan, 1e-50]]), **GRID).tolist() == [[20.0, 10.0, 0.0]]


@pytest.mark.parametrize("x, says", [("650000", "str"), (True, "bool"), (None, "NoneType"),
                                     (np.array("650000"), "ndarray"), (np.array([1.0, 2.0]), "ndarray")])
def test_explain_takes_numbers_not_text(x, says):
    with pytest.raises(TypeError, match=f"x: expected a number, got {says}"):
        minerisk.explain("any.nc", x, 4405000.0)


def test_explain_takes_numpy_and_xarray_coordinates(region, tmp_path):
    """ds.x[60] (an xarray DataArray) and a 0-d array are numbers: refused by the first check."""
    out = tmp_path / "g.nc"
    minerisk.Scenario.load(region / "scenario.toml").run(out)
    ds = minerisk.open(out)
    expected = minerisk.explain(out, float(ds.x[60]), float(ds.y[40]))
    for x, y in ((ds.x[60], ds.y[40]), (np.array(float(ds.x[60])), np.float32(ds.y[40]))):
        assert minerisk.explain(out, x, y)["probability"] == expected["probability"]


def test_every_listed_function_is_exported_and_has_a_stub():
    namespace = {}
    exec("from minerisk import *", namespace)
    stubs = ast.parse((ROOT / "bindings" / "python" / "minerisk" / "__init__.pyi").read_text())
    stubbed = {n.name for n in stubs.body if isinstance(n, (ast.FunctionDef, ast.ClassDef))}
    for name in ("terrain", "slope", "aspect", "ruggedness", "hillshade", "distance_transform", "line_distance",
                 "point_density", "focal", "Scenario", "Result", "evaluate", "explain", "sweep", "open", "areas",
                 "map", "report"):
        assert name in namespace, f"{name} is not in minerisk.__all__"
        assert name in stubbed, f"{name} has no stub in __init__.pyi"


@pytest.mark.parametrize("call", [
    lambda a: minerisk.slope(a, **GRID),
    lambda a: minerisk.hillshade(a, **GRID),
    lambda a: minerisk.focal(a, radius=10, **GRID),
])
def test_a_masked_arrays_masked_cells_are_no_data_not_the_values_under_the_mask(call):
    """rasterio's read(masked=True) gives a masked array: its fill values (-9999) were used as
    elevations, cliffs of 89.9 degrees at the mask's edge."""
    dem = (np.arange(400, dtype=np.float32).reshape(20, 20) % 20) * 3
    masked = np.ma.masked_array(dem.copy(), mask=np.zeros(dem.shape, bool))
    masked.mask[5:10, 5:10] = True
    masked.data[5:10, 5:10] = -9999
    with_nan = dem.copy()
    with_nan[5:10, 5:10] = np.nan
    assert np.array_equal(call(masked), call(with_nan), equal_nan=True)


@pytest.mark.parametrize("values", [np.array([["1", "2"], ["3", "4"]]), np.array([[b"1", b"2"]]),
                                    np.zeros((3, 3), "datetime64[s]"), np.zeros((3, 3), "timedelta64[s]"),
                                    np.zeros((3, 3), np.complex64), np.ma.masked_array(np.array([["1", "2"]])),
                                    np.ma.masked_array(np.zeros((3, 3), np.complex64))])
def test_text_dates_and_complex_numbers_are_a_type_error(values):
    """Text of digits was parsed and complex numbers cast to their real part (with numpy's warning)."""
    with pytest.raises(TypeError, match=re.escape(f"dem: expected an array of numbers, got dtype {values.dtype}")):
        minerisk.slope(values, **GRID)
    # Python objects: numbers (and None, no data) are taken; text or complex numbers are not.
    with pytest.raises(TypeError, match="got dtype object holding text or complex numbers"):
        minerisk.slope(np.arange(9.0).reshape(3, 3).astype(str).astype(object), **GRID)
    assert minerisk.slope(np.array([[1.0, None], [2.0, 3.0]], dtype=object), **GRID).shape == (2, 2)


# Under scripts/sanitize, AddressSanitizer's allocator (preloaded into Python) aborts on a request
# this large instead of returning NULL, which numpy turns into its MemoryError.
@pytest.mark.skipif("asan" in os.environ.get("LD_PRELOAD", ""), reason="AddressSanitizer aborts on a 160 GB malloc")
def test_an_array_too_large_to_convert_is_a_memory_error_not_a_type_error():
    with pytest.raises(MemoryError):
        minerisk.slope(np.broadcast_to(np.float64(1), (200000, 200000)), **GRID)


def test_focal_refuses_a_geographic_grid_as_the_focal_tool_does():
    with pytest.raises(ValueError, match="a radius in metres needs a projected grid"):
        minerisk.focal(np.zeros((10, 10), np.float32), radius=20, geotransform=(30, 0.01, 0, 60, 0, -0.01), geographic=True)


GEO = {"geotransform": (179.9, 0.1, 0, 60, 0, -0.1), "geographic": True}  # 179.9 to 180.2 east


def test_geographic_vectors_are_placed_as_the_command_line_places_a_layer():
    """A find at -179.85 (180.15 a turn on) was measured across the globe from a grid at 180.15, and a
    latitude beyond the pole was taken as it stood."""
    here = minerisk.point_density(np.array([[180.15, 59.85]]), (3, 3), bandwidth=5000, **GEO)
    a_turn_on = minerisk.point_density(np.array([[-179.85, 59.85]]), (3, 3), bandwidth=5000, **GEO)
    assert here.max() > 0 and np.array_equal(here, a_turn_on)
    # A line across the 180th meridian is 2 degrees long, not 358: each vertex continues from the last.
    across = minerisk.line_distance(np.array([[179.0, 59.85, -179.0, 59.85]]), (3, 3), **GEO)
    unwrapped = minerisk.line_distance(np.array([[179.0, 59.85, 181.0, 59.85]]), (3, 3), **GEO)
    assert np.array_equal(across, unwrapped) and across.max() < 12000  # metres: a row of 0.1 degrees away at most
    two_parts = minerisk.line_distance(np.array([[179.0, 59.0, 179.5, 59.0], [179.5, 59.0, -179.0, 59.0]]), (3, 3), **GEO)
    assert np.array_equal(two_parts, minerisk.line_distance(np.array([[179.0, 59.0, 181.0, 59.0]]), (3, 3), **GEO))
    # A line's segments written on either side of the meridian are still one line: a hairpin
    # whose tip, at 180.05, is written -179.95 in its second segment. Unlinked, two cells beside
    # the tip took the wrong side.
    bent = [[179.0, 59.88, 180.05, 59.8], [-179.95, 59.8, 179.0, 59.72]]
    unbent = [[179.0, 59.88, 180.05, 59.8], [180.05, 59.8, 179.0, 59.72]]
    assert np.array_equal(minerisk.line_distance(np.array(bent), (3, 3), signed=True, **GEO),
                          minerisk.line_distance(np.array(unbent), (3, 3), signed=True, **GEO))
    for call, name in ((lambda: minerisk.point_density(np.array([[180.0, 95.0]]), (3, 3), bandwidth=5000, **GEO), "points"),
                       (lambda: minerisk.line_distance(np.array([[180.0, 59.0, 180.1, -91.0]]), (3, 3), **GEO), "segments")):
        with pytest.raises(ValueError, match=name + r": row 0 has latitude (95|-91), beyond the poles"):
            call()
