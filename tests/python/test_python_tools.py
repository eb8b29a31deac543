"""minerisk.tools against the command line: for each tool and a representative set of options,
the same input gives the same output raster, bit for bit (values, geotransform, CRS, no-data);
a bad argument raises minerisk.Error with the command line's message; progress and stopping."""
import os
import re
import threading

import numpy as np
import pytest
from osgeo import gdal

import minerisk
from conftest import run_minerisk
from tools_helpers import write_raster

gdal.UseExceptions()


@pytest.fixture(scope="module")
def inputs(region, tmp_path_factory):
    """The sample region plus a feature mask, a raster of counts and a raster with no-data."""
    folder = tmp_path_factory.mktemp("tool_inputs")
    rng = np.random.default_rng(11)
    mask = (rng.random((211, 307)) < 0.002).astype(np.uint8)
    mask[105, :100] = 2
    write_raster(folder / "mask.tif", mask, geotransform=(500000.0, 10.0, 0, 4400000.0, 0, -25.0), dtype=gdal.GDT_Byte)
    counts = (rng.random((150, 170)) < 0.01).astype(np.float32) * rng.integers(1, 5, (150, 170))
    write_raster(folder / "counts.tif", counts)
    values = rng.normal(10, 3, (70, 90)).astype(np.float32)
    values[rng.random(values.shape) < 0.05] = -9999
    write_raster(folder / "values.tif", values, geotransform=(500000.0, 10.0, 0, 4400000.0, 0, -15.0), nodata=-9999)
    return {"dem": region / "dem.tif", "gpkg": region / "region.gpkg", "mask": folder / "mask.tif",
            "counts": folder / "counts.tif", "values": folder / "values.tif"}


# name: (tool, its input (a key of `inputs`), command-line options, the same options as keyword
# arguments). "{dem}" is the region's DEM; "{near}" a second output beside the first.
CASES = {
    "slope": ("slope", "dem", [], {}),
    "slope_percent_edges": ("slope", "dem", ["--percent", "--compute-edges"], {"percent": True, "compute_edges": True}),
    "slope_tiles_deflate": ("slope", "dem", ["--tile-size", "64", "--threads", "1", "--compress", "DEFLATE"],
                            {"tile_size": 64, "threads": 1, "compress": "DEFLATE"}),
    "aspect": ("aspect", "dem", [], {}),
    "aspect_options": ("aspect", "dem", ["--trigonometric", "--zero-for-flat", "--compute-edges"],
                       {"trigonometric": True, "zero_for_flat": True, "compute_edges": True}),
    "tri": ("tri", "dem", [], {}),
    "tri_edges_lzw": ("tri", "dem", ["--compute-edges", "--compress", "LZW", "--tile-size", "200"],
                      {"compute_edges": True, "compress": "LZW", "tile_size": 200}),
    "proximity_mask_nearest": ("proximity", "mask", ["--tile-size", "64", "--nearest-value", "{near}"],
                               {"tile_size": 64, "nearest_value": "{near}"}),
    "proximity_mask_values": ("proximity", "mask", ["--values", "1,2", "--max-distance", "150", "--compress", "none"],
                              {"values": [1, 2], "max_distance": 150.0, "compress": "none"}),
    "proximity_lines_signed": ("proximity", "gpkg",
                               ["--layer", "front_lines", "--like", "{dem}", "--signed", "--max-distance", "2000"],
                               {"layer": "front_lines", "like": "{dem}", "signed": True, "max_distance": 2000.0}),
    "proximity_polygons": ("proximity", "gpkg", ["--layer", "cleared", "--like", "{dem}", "--tile-size", "128"],
                           {"layer": "cleared", "like": "{dem}", "tile_size": 128}),
    "proximity_where": ("proximity", "gpkg", ["--layer", "finds", "--like", "{dem}", "--where", "count > 1"],
                        {"layer": "finds", "like": "{dem}", "where": "count > 1"}),
    "density_points": ("density", "gpkg", ["--layer", "finds", "--like", "{dem}", "--bandwidth", "250"],
                       {"layer": "finds", "like": "{dem}", "bandwidth": 250.0}),
    "density_weighted": ("density", "gpkg", ["--layer", "finds", "--like", "{dem}", "--bandwidth", "100",
                                             "--weight-field", "count", "--truncate", "3", "--tile-size", "100"],
                         {"layer": "finds", "like": "{dem}", "bandwidth": 100.0, "weight_field": "count",
                          "truncate": 3.0, "tile_size": 100}),
    "density_counts": ("density", "counts", ["--bandwidth", "50", "--tile-size", "64"],
                       {"bandwidth": 50.0, "tile_size": 64}),
    "focal_mean": ("focal", "dem", ["--radius", "55"], {"radius": 55.0}),
    "focal_max_square": ("focal", "values", ["--statistic", "max", "--radius", "40", "--shape", "square",
                                             "--tile-size", "32"],
                         {"statistic": "max", "radius": 40.0, "shape": "square", "tile_size": 32}),
    "focal_count": ("focal", "values", ["--statistic", "count", "--radius", "30"],
                    {"statistic": "count", "radius": 30.0}),
    "focal_sum_upper": ("focal", "values", ["--statistic", "SUM", "--radius", "30", "--shape", "Circle"],
                        {"statistic": "SUM", "radius": 30.0, "shape": "Circle"}),
}


def raster(path):
    ds = gdal.Open(str(path))
    band = ds.GetRasterBand(1)
    return {"values": band.ReadAsArray().tobytes(), "dtype": band.DataType, "size": (ds.RasterXSize, ds.RasterYSize),
            "geotransform": ds.GetGeoTransform(), "projection": ds.GetProjection(), "nodata": band.GetNoDataValue(),
            "description": band.GetDescription(), "block": band.GetBlockSize(),
            "compression": ds.GetMetadata("IMAGE_STRUCTURE").get("COMPRESSION")}


def fill(value, inputs, near):
    if isinstance(value, str):
        return value.replace("{dem}", str(inputs["dem"])).replace("{near}", str(near))
    return value


@pytest.mark.parametrize("case", sorted(CASES))
def test_python_tool_writes_the_same_raster_as_the_command(inputs, tmp_path, case):
    tool, source, argv, kwargs = CASES[case]
    cli_out, py_out = tmp_path / "cli.tif", tmp_path / "py.tif"
    r = run_minerisk(tool, inputs[source], cli_out, *[fill(a, inputs, tmp_path / "cli_near.tif") for a in argv], "-q")
    assert r.returncode == 0, r.stderr
    kwargs = {k: fill(v, inputs, tmp_path / "py_near.tif") for k, v in kwargs.items()}
    returned = getattr(minerisk.tools, tool)(inputs[source], py_out, **kwargs)
    assert returned == str(py_out)
    assert raster(py_out) == raster(cli_out)
    # The same file, bit for bit (the tiles in the plan's order whatever thread finished first).
    assert py_out.read_bytes() == cli_out.read_bytes()
    if "nearest_value" in kwargs:
        assert raster(tmp_path / "py_near.tif") == raster(tmp_path / "cli_near.tif")


# name: (command-line arguments with {o} for the output, the same call in Python).
BAD = {
    "signed_with_a_raster": (["proximity", "{mask}", "{o}", "--signed"],
                             lambda i, o: minerisk.tools.proximity(i["mask"], o, signed=True)),
    "vector_without_like": (["proximity", "{gpkg}", "{o}"], lambda i, o: minerisk.tools.proximity(i["gpkg"], o)),
    "nearest_value_with_a_vector": (
        ["proximity", "{gpkg}", "{o}", "--layer", "front_lines", "--like", "{dem}", "--nearest-value", "{o}.n.tif"],
        lambda i, o: minerisk.tools.proximity(i["gpkg"], o, layer="front_lines", like=i["dem"],
                                              nearest_value=str(o) + ".n.tif")),
    "values_with_a_vector": (
        ["proximity", "{gpkg}", "{o}", "--layer", "front_lines", "--like", "{dem}", "--values", "1"],
        lambda i, o: minerisk.tools.proximity(i["gpkg"], o, layer="front_lines", like=i["dem"], values=[1])),
    "points_without_like": (["density", "{gpkg}", "{o}", "--bandwidth", "10"],
                            lambda i, o: minerisk.tools.density(i["gpkg"], o, bandwidth=10.0)),
    "unknown_layer": (["proximity", "{gpkg}", "{o}", "--layer", "front_line", "--like", "{dem}"],
                      lambda i, o: minerisk.tools.proximity(i["gpkg"], o, layer="front_line", like=i["dem"])),
    "missing_input": (["slope", "{dem}.missing", "{o}"],
                      lambda i, o: minerisk.tools.slope(str(i["dem"]) + ".missing", o)),
    "tile_size": (["tri", "{dem}", "{o}", "--tile-size", "8"],
                  lambda i, o: minerisk.tools.tri(i["dem"], o, tile_size=8)),
    "radius_too_large": (["focal", "{dem}", "{o}", "--radius", "1e6"],
                         lambda i, o: minerisk.tools.focal(i["dem"], o, radius=1e6)),
    "compression": (["slope", "{dem}", "{o}", "--compress", "JPEG"],
                    lambda i, o: minerisk.tools.slope(i["dem"], o, compress="JPEG")),
}


@pytest.mark.parametrize("case", sorted(BAD))
def test_bad_argument_raises_the_commands_message(inputs, tmp_path, case):
    argv, call = BAD[case]
    out = tmp_path / "out.tif"
    names = {"{mask}": inputs["mask"], "{gpkg}": inputs["gpkg"], "{dem}": inputs["dem"], "{o}": out}
    args = []
    for a in argv:
        for key, value in names.items():
            a = a.replace(key, str(value))
        args.append(a)
    r = run_minerisk(*args, "-q")
    assert r.returncode == 2
    prefix = "minerisk: error: "
    assert r.stderr.startswith(prefix) and r.stderr.count("\n") == 1, r.stderr
    cli_message = r.stderr[len(prefix):].strip()
    cli_message = re.sub(r"; run 'minerisk \w+ --help' for usage$", "", cli_message)  # CLI11's parse errors
    with pytest.raises(minerisk.Error) as raised:
        call(inputs, out)
    # The same message, naming the argument as each spells it (tile_size in Python).
    assert str(raised.value) == cli_message.replace("--tile-size:", "tile_size:")
    assert os.listdir(tmp_path) == []


def test_bad_keyword_values_are_refused_with_the_option_named(inputs, tmp_path):
    """Values the command line's parser refuses before any work: the tool refuses them too."""
    out = tmp_path / "out.tif"
    for call, option in ((lambda: minerisk.tools.density(inputs["counts"], out, bandwidth=0.0), "--bandwidth"),
                         (lambda: minerisk.tools.density(inputs["counts"], out, bandwidth=5.0, truncate=20.0),
                          "--truncate"),
                         (lambda: minerisk.tools.proximity(inputs["mask"], out, max_distance=-1.0), "--max-distance"),
                         (lambda: minerisk.tools.focal(inputs["dem"], out, radius=-1.0), "--radius"),
                         (lambda: minerisk.tools.focal(inputs["dem"], out, radius=5.0, statistic="median"),
                          "--statistic"),
                         (lambda: minerisk.tools.focal(inputs["dem"], out, radius=5.0, shape="hexagon"), "--shape"),
                         (lambda: minerisk.tools.slope(inputs["dem"], out, threads=-1), "threads")):  # as Python names it
        with pytest.raises(minerisk.Error, match="^" + option):
            call()
    assert os.listdir(tmp_path) == []
    with pytest.raises(TypeError):
        minerisk.tools.slope(inputs["dem"], out, progress=3)


def tall_mask(folder):
    """A 300-row mask: 19 bands of 16 rows in each of proximity's two passes."""
    folder.mkdir()
    mask = np.zeros((300, 70), np.uint8)
    mask[10::37, 5] = 1
    return write_raster(folder / "mask.tif", mask, dtype=gdal.GDT_Byte)


def test_proximity_reports_its_first_pass_on_one_thread(tmp_path):
    mask = tall_mask(tmp_path / "in")
    out_dir = tmp_path / "out"
    out_dir.mkdir()
    calls = []

    def progress(fraction):
        calls.append((fraction, threading.get_ident(), bool(os.listdir(out_dir))))
        return True

    minerisk.tools.proximity(mask, out_dir / "d.tif", threads=1, tile_size=16, progress=progress)
    first_pass = [c for c in calls if not c[2]]  # before any output (or its temporary) existed
    assert len(first_pass) == 19 and all(f <= 0.5 for f, _, _ in first_pass)
    assert len(calls) == 38 and calls[-1][0] == 1.0
    assert [c[0] for c in calls] == sorted(c[0] for c in calls)
    assert {c[1] for c in calls} == {threading.get_ident()}  # threads=1 honoured in both passes
    assert os.listdir(out_dir) == ["d.tif"]


def test_progress_returning_false_stops_in_the_first_pass_and_writes_nothing(tmp_path):
    mask = tall_mask(tmp_path / "in")
    out_dir = tmp_path / "out"
    out_dir.mkdir()
    seen = []

    def stop(fraction):
        seen.append(bool(os.listdir(out_dir)))
        return False

    with pytest.raises(KeyboardInterrupt, match="no output was written"):
        minerisk.tools.proximity(mask, out_dir / "d.tif", tile_size=16, progress=stop)
    assert seen and not seen[0]
    assert os.listdir(out_dir) == []


def test_an_exception_in_progress_stops_the_tool_and_is_raised(inputs, tmp_path):
    def fail(fraction):
        raise RuntimeError("stop here")

    with pytest.raises(RuntimeError, match="stop here"):
        minerisk.tools.focal(inputs["dem"], tmp_path / "f.tif", radius=30.0, tile_size=64, progress=fail)
    assert os.listdir(tmp_path) == []


def test_progress_from_worker_threads_with_the_gil_released(inputs, tmp_path):
    """Two threads call back into Python while the tool runs without the GIL (no deadlock)."""
    fractions = []
    minerisk.tools.slope(inputs["dem"], tmp_path / "s.tif", threads=2, tile_size=32,
                         progress=lambda f: fractions.append(f))  # None: keep going
    assert len(fractions) == 19 * 19 and max(fractions) == 1.0
