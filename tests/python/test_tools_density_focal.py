"""minerisk density against a brute-force sum and scipy; minerisk focal against scipy.ndimage;
the tools' output format and their independence of threads and tile size."""
import numpy as np
import pytest
from osgeo import gdal, ogr
from scipy import ndimage

from conftest import run_minerisk
from tools_helpers import read, utm, write_raster


def write_points(path, points):
    ds = ogr.GetDriverByName("GPKG").CreateDataSource(str(path))
    layer = ds.CreateLayer("finds", utm(), ogr.wkbPoint)
    layer.CreateField(ogr.FieldDefn("count", ogr.OFTInteger))
    for x, y, w in points:
        f = ogr.Feature(layer.GetLayerDefn())
        f.SetGeometry(ogr.CreateGeometryFromWkt(f"POINT ({x} {y})"))
        f.SetField("count", int(w))
        layer.CreateFeature(f)
    ds = None


def test_point_density_matches_a_brute_force_sum(tmp_path):
    rng = np.random.default_rng(6)
    x0, y0, cell, w, h = 500000.0, 4400000.0, 10.0, 120, 90
    pts = [(x0 + rng.uniform(-300, w * cell + 300), y0 - rng.uniform(-300, h * cell + 300), rng.integers(1, 4))
           for _ in range(400)]
    write_points(tmp_path / "p.gpkg", pts)
    write_raster(tmp_path / "t.tif", np.zeros((h, w), np.float32))
    bandwidth = 60.0
    r = run_minerisk("density", tmp_path / "p.gpkg", tmp_path / "d.tif", "--like", tmp_path / "t.tif", "--bandwidth",
                     bandwidth, "--weight-field", "count", "-q", "--tile-size", "32")
    assert r.returncode == 0, r.stderr
    got = read(tmp_path / "d.tif")
    cx = x0 + (np.arange(w) + 0.5) * cell
    cy = y0 - (np.arange(h) + 0.5) * cell
    X, Y = np.meshgrid(cx, cy)
    want = np.zeros_like(X)
    for px, py, pw in pts:  # no truncation at all
        want += pw * np.exp(-((X - px) ** 2 + (Y - py) ** 2) / (2 * bandwidth ** 2))
    want *= 1e6 / (2 * np.pi * bandwidth ** 2)
    total = sum(p[2] for p in pts)
    bound = np.exp(-8.0) * total * 1e6 / (2 * np.pi * bandwidth ** 2)  # README's truncation bound
    assert np.all(np.abs(got - want) <= bound + 1e-5 * want)


def test_count_raster_density_matches_scipy_gaussian_filter(tmp_path):
    rng = np.random.default_rng(7)
    counts = (rng.random((150, 170)) < 0.01).astype(np.float32) * rng.integers(1, 5, (150, 170))
    write_raster(tmp_path / "c.tif", counts)
    r = run_minerisk("density", tmp_path / "c.tif", tmp_path / "d.tif", "--bandwidth", "50", "-q", "--tile-size", "64")
    assert r.returncode == 0, r.stderr
    want = ndimage.gaussian_filter(counts.astype(np.float64), sigma=5.0, mode="constant") * 1e6 / 100.0
    assert np.abs(read(tmp_path / "d.tif") - want).max() <= 1e-5 * want.max()


def footprint(radius_cells_x, radius_cells_y, shape, cell_x, cell_y, radius_m):
    j, i = np.mgrid[-radius_cells_y:radius_cells_y + 1, -radius_cells_x:radius_cells_x + 1]
    if shape == "square":
        return np.ones_like(i, dtype=bool)
    return (i * cell_x) ** 2 + (j * cell_y) ** 2 <= radius_m ** 2 * (1 + 1e-12)


@pytest.mark.parametrize("shape", ["circle", "square"])
@pytest.mark.parametrize("statistic", ["mean", "sum", "count", "max", "min"])
def test_focal_matches_scipy(tmp_path, shape, statistic):
    rng = np.random.default_rng(8)
    values = rng.normal(10, 3, (70, 90)).astype(np.float32)
    values[rng.random(values.shape) < 0.05] = -9999
    write_raster(tmp_path / "v.tif", values, geotransform=(500000.0, 10.0, 0, 4400000.0, 0, -15.0), nodata=-9999)
    radius = 40.0
    r = run_minerisk("focal", tmp_path / "v.tif", tmp_path / "f.tif", "--statistic", statistic, "--radius", radius,
                     "--shape", shape, "-q", "--tile-size", "32")
    assert r.returncode == 0, r.stderr
    got = read(tmp_path / "f.tif")
    valid = values != -9999
    fp = footprint(4, 2, shape, 10.0, 15.0, radius)
    data = np.where(valid, values, 0).astype(np.float64)
    count = ndimage.correlate(valid.astype(np.float64), fp.astype(np.float64), mode="constant")
    total = ndimage.correlate(data, fp.astype(np.float64), mode="constant")
    if statistic == "sum":
        want = total
    elif statistic == "count":
        want = count
    elif statistic == "mean":
        want = np.where(count > 0, total / np.maximum(count, 1), np.nan)
    elif statistic == "max":
        want = ndimage.maximum_filter(np.where(valid, values, -np.inf), footprint=fp, mode="constant", cval=-np.inf)
    else:
        want = ndimage.minimum_filter(np.where(valid, values, np.inf), footprint=fp, mode="constant", cval=np.inf)
    want = np.where(np.isinf(want), np.nan, want)
    assert np.array_equal(np.isnan(got), np.isnan(want))
    ok = ~np.isnan(got)
    assert np.abs(got[ok] - want[ok]).max() <= 1e-4 * (1 + np.abs(want[ok]).max())


TOOL_RUNS = {
    "slope": lambda r, out: ("slope", r / "dem.tif", out, "--compute-edges"),
    "proximity": lambda r, out: ("proximity", r / "region.gpkg", out, "--layer", "front_lines", "--like", r / "dem.tif"),
    "density": lambda r, out: ("density", r / "region.gpkg", out, "--layer", "finds", "--like", r / "dem.tif",
                               "--bandwidth", "250"),
    "focal": lambda r, out: ("focal", r / "dem.tif", out, "--statistic", "mean", "--radius", "55"),
}


@pytest.mark.parametrize("tool", sorted(TOOL_RUNS))
def test_tools_give_the_same_bits_for_any_threads_and_tiles(region, tmp_path, tool):
    outputs = []
    for threads, tile in (("1", "64"), ("2", "512"), ("2", "200")):
        out = tmp_path / f"{threads}_{tile}.tif"
        r = run_minerisk(*TOOL_RUNS[tool](region, out), "--threads", threads, "--tile-size", tile, "-q")
        assert r.returncode == 0, r.stderr
        outputs.append(gdal.Open(str(out)).ReadAsArray().tobytes())
    assert outputs[0] == outputs[1] == outputs[2]


def test_tool_output_is_tiled_compressed_and_georeferenced(region, tmp_path):
    out = tmp_path / "slope.tif"
    assert run_minerisk("slope", region / "dem.tif", out, "-q").returncode == 0
    ds, dem = gdal.Open(str(out)), gdal.Open(str(region / "dem.tif"))
    assert ds.GetGeoTransform() == dem.GetGeoTransform()
    assert ds.GetSpatialRef().IsSame(dem.GetSpatialRef())
    assert ds.GetMetadata("IMAGE_STRUCTURE")["COMPRESSION"] == "ZSTD"
    assert ds.GetRasterBand(1).GetBlockSize() == [512, 512]
    assert ds.GetRasterBand(1).GetNoDataValue() == -9999
    out2 = tmp_path / "plain.tif"
    assert run_minerisk("slope", region / "dem.tif", out2, "-q", "--compress", "none").returncode == 0
    assert "COMPRESSION" not in gdal.Open(str(out2)).GetMetadata("IMAGE_STRUCTURE")


def test_tool_bad_input_exit_code_and_nothing_written(tmp_path):
    r = run_minerisk("slope", tmp_path / "missing.tif", tmp_path / "out.tif")
    assert r.returncode == 2
    assert "not found" in r.stderr and r.stderr.strip().count("\n") == 0
    assert not (tmp_path / "out.tif").exists()


@pytest.mark.parametrize("nodata, value", [(16777217.0, 16777216.0), (1e-50, 0.0)])
def test_a_float64_no_data_hides_only_its_own_value(tmp_path, nodata, value):
    """No-data is compared as stored: float32 rounds 16777217 to 16777216 (and 1e-50 to 0), which
    hid those valid cells from focal and density."""
    grid = np.full((5, 5), value)
    grid[2, 2] = nodata
    write_raster(tmp_path / "in.tif", grid, nodata=nodata, dtype=gdal.GDT_Float64)
    r = run_minerisk("focal", tmp_path / "in.tif", tmp_path / "count.tif", "--radius", "0", "--statistic", "count",
                     "-q")
    assert r.returncode == 0, r.stderr
    want = np.ones((5, 5))
    want[2, 2] = 0
    assert np.array_equal(read(tmp_path / "count.tif"), want)
    r = run_minerisk("focal", tmp_path / "in.tif", tmp_path / "sum.tif", "--radius", "0", "--statistic", "sum", "-q")
    assert r.returncode == 0, r.stderr
    assert read(tmp_path / "sum.tif")[0, 0] == np.float32(value)
    r = run_minerisk("density", tmp_path / "in.tif", tmp_path / "d.tif", "--bandwidth", "30", "-q")
    assert r.returncode == 0, r.stderr
    assert (read(tmp_path / "d.tif")[0, 0] > 0) == (value > 0)


def test_a_value_beyond_float32_is_refused(tmp_path):
    grid = np.ones((4, 4))
    grid[3, 3] = 1e39
    write_raster(tmp_path / "in.tif", grid, dtype=gdal.GDT_Float64)
    r = run_minerisk("focal", tmp_path / "in.tif", tmp_path / "max.tif", "--radius", "10", "--statistic", "max", "-q")
    assert r.returncode == 2 and r.stderr.count("\n") == 1, r.stderr
    assert "holds 1e+39, beyond the range of float32" in r.stderr and not (tmp_path / "max.tif").exists()
