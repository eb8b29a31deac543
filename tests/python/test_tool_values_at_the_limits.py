"""Values a tool's float32 output cannot hold as they are: a result equal to the output's no-data
value (-9999 in data, a focal mean or a nearest feature's value, was written and read back as no
data), an infinity in an input (spread over the window: slope 90, a focal mean inf) and a result
beyond float32 (a sum or weights past 3.4e38, written as inf). Each is one line and exit 2,
nothing written; --dst-nodata (dst_nodata in Python) chooses another no-data value."""
import math

import numpy as np
import pytest
from osgeo import gdal, ogr

import minerisk
from conftest import run_minerisk
from test_tools_density_focal import write_points
from tools_helpers import read, write_raster

DATA = np.array([[-9999, -9999, 5], [1, 2, 3], [4, 5, 6]], np.float32)  # -9999 is data; 5 is no-data


def refused(tmp_path, *args, message):
    out = tmp_path / "out.tif"
    r = run_minerisk(*args[:2], out, *args[2:], "-q")
    assert r.returncode == 2 and message in r.stderr and r.stderr.count("\n") == 1, r.stderr
    assert not out.exists()


def test_a_result_equal_to_the_no_data_value_is_refused_and_dst_nodata_keeps_it(tmp_path):
    write_raster(tmp_path / "in.tif", DATA, nodata=5)
    refused(tmp_path, "focal", tmp_path / "in.tif", "--radius", "0",
            message="the focal statistic at row 0, column 0 is -9999, the output's no-data value")
    out = tmp_path / "kept.tif"
    r = run_minerisk("focal", tmp_path / "in.tif", out, "--radius", "0", "--dst-nodata", "nan", "-q")
    assert r.returncode == 0, r.stderr
    assert math.isnan(gdal.Open(str(out)).GetRasterBand(1).GetNoDataValue())
    want = np.where(DATA == 5, np.nan, DATA)
    np.testing.assert_array_equal(read(out), want)
    # Python: the same refusal, and the same file with dst_nodata.
    with pytest.raises(minerisk.Error, match="is -9999, the output's no-data value"):
        minerisk.tools.focal(tmp_path / "in.tif", tmp_path / "p.tif", radius=0)
    minerisk.tools.focal(tmp_path / "in.tif", tmp_path / "p.tif", radius=0, dst_nodata=float("nan"))
    assert (tmp_path / "p.tif").read_bytes() == out.read_bytes()


def test_a_nearest_feature_value_equal_to_the_no_data_value_is_refused(tmp_path):
    mask = np.zeros((4, 5), np.float32)
    mask[1, 2] = -9999  # the one feature, whose value is -9999
    write_raster(tmp_path / "mask.tif", mask)
    r = run_minerisk("proximity", tmp_path / "mask.tif", tmp_path / "d.tif", "--nearest-value", tmp_path / "v.tif", "-q")
    assert r.returncode == 2 and "is -9999, the output's no-data value" in r.stderr, r.stderr
    assert not (tmp_path / "d.tif").exists() and not (tmp_path / "v.tif").exists()
    r = run_minerisk("proximity", tmp_path / "mask.tif", tmp_path / "d.tif", "--nearest-value", tmp_path / "v.tif",
                     "--dst-nodata", "-1", "-q")
    assert r.returncode == 0, r.stderr
    assert (read(tmp_path / "v.tif") == -9999).all() and read(tmp_path / "d.tif")[1, 2] == 0


def test_dst_nodata_is_a_float32_value_and_flat_slope_shows_why_it_is_checked(tmp_path):
    write_raster(tmp_path / "flat.tif", np.full((6, 7), 100, np.float32))
    refused(tmp_path, "slope", tmp_path / "flat.tif", "--dst-nodata", "1e39",
            message="--dst-nodata: 1e+39 is no float32 value")
    refused(tmp_path, "slope", tmp_path / "flat.tif", "--dst-nodata", "0",
            message="the slope (degrees) at row 1, column 1 is 0, the output's no-data value")


@pytest.mark.parametrize("tool,dtype", [(["slope"], gdal.GDT_Float32), (["tri", "--compute-edges"], gdal.GDT_Float32),
                                        (["focal", "--radius", "15"], gdal.GDT_Float64),
                                        (["density", "--bandwidth", "15"], gdal.GDT_Float32),
                                        (["proximity"], gdal.GDT_Float32), (["proximity"], gdal.GDT_Float64)])
def test_an_infinite_input_value_is_refused(tmp_path, tool, dtype):
    """Also a Float64 mask, whose stored values proximity compares (the infinity was a feature)."""
    values = np.arange(120, dtype=np.float64).reshape(10, 12)
    values[2, 3] = -np.inf
    write_raster(tmp_path / "in.tif", values, dtype=dtype)
    refused(tmp_path, tool[0], tmp_path / "in.tif", *tool[1:], message="in.tif' holds an infinite value")


def test_the_cell_refused_is_the_first_for_any_threads_and_tiles(tmp_path):
    """Tiles check in parallel: the first to find a -9999 named its cell, another from run to run."""
    values = np.ones((90, 100), np.float32)
    for row, col in [(0, 90), (50, 50), (40, 95), (89, 0)]:
        values[row, col] = -9999
    write_raster(tmp_path / "in.tif", values)
    messages = set()
    for threads, tile in [(1, 16), (2, 16), (2, 17), (1, 512), (2, 32)]:
        r = run_minerisk("focal", tmp_path / "in.tif", tmp_path / "out.tif", "--radius", "0", "--threads", threads,
                         "--tile-size", tile, "-q")
        assert r.returncode == 2, r.stderr
        messages.add(r.stderr)
    assert len(messages) == 1 and "at row 0, column 90 is -9999" in messages.pop()


def test_results_beyond_float32_are_refused(tmp_path):
    write_raster(tmp_path / "big.tif", np.full((10, 12), 3e38, np.float32))
    refused(tmp_path, "focal", tmp_path / "big.tif", "--radius", "30", "--statistic", "sum",
            message="is beyond float32's range (3.4e38), in which the output is written")
    write_raster(tmp_path / "template.tif", np.zeros((10, 12), np.float32))
    write_points(tmp_path / "p.gpkg", [(500055.0, 4399955.0, 1)])
    # A weight of 1e40: finite, and past float32 in items per km2.
    ds = ogr.Open(str(tmp_path / "p.gpkg"), 1)
    layer = ds.GetLayer(0)
    layer.CreateField(ogr.FieldDefn("w", ogr.OFTReal))
    for f in layer:
        f.SetField("w", 1e40)
        layer.SetFeature(f)
    ds = None
    refused(tmp_path, "density", tmp_path / "p.gpkg", "--like", tmp_path / "template.tif", "--bandwidth", "20",
            "--weight-field", "w", message="is beyond float32's range")


def test_proximity_on_cells_too_large_for_distances_is_refused_not_endless(tmp_path):
    values = np.zeros((16, 16), np.float32)
    values[4, 4] = 1
    raster = write_raster(tmp_path / "huge.tif", values, geotransform=(0.0, 1e200, 0.0, 0.0, 0.0, -1e200))
    r = run_minerisk("proximity", raster, tmp_path / "d.tif", "-q")
    assert r.returncode == 2 and "outside what distances can hold" in r.stderr and r.stderr.count("\n") == 1, r.stderr
    assert not (tmp_path / "d.tif").exists()
