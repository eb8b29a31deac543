"""Damaged files, impossible numbers and faults while writing: each stops with exit code 2 and
one line naming the file (and layer, field, feature) and what is wrong, leaves the previous
output as it was, changes no input and leaves no temporary file behind."""
import hashlib
import os
import pathlib
import shutil
import sqlite3
import subprocess
import uuid

import numpy as np
import pytest
from osgeo import gdal, ogr, osr

from conftest import run_minerisk, scenario_text
from test_bad_inputs import make_vector, replace_section

gdal.UseExceptions()
ogr.UseExceptions()

PREVIOUS = b"a previous good output that must survive"


def digest(path):
    return hashlib.sha256(pathlib.Path(path).read_bytes()).hexdigest()


def check_refused(args, folder, inputs, *expected, output="out.nc", any_of=()):
    """Runs minerisk with ARGS (OUT stands for the output) over an existing output; checks
    the refusal, that the output and the inputs are unchanged and that nothing was left."""
    folder = pathlib.Path(folder)
    out = folder / output
    out.write_bytes(PREVIOUS)
    before = sorted(os.listdir(folder))
    hashes = {p: digest(p) for p in inputs}
    # --overwrite: the refusal under test is the input's, not the existing output's.
    result = run_minerisk(*[out if a == "OUT" else a for a in args], *(["--overwrite"] if args[0] != "explain" else []))
    assert result.returncode == 2, (result.returncode, result.stderr)
    message = result.stderr.strip()
    assert message.count("\n") == 0, f"not one line: {message!r}"
    assert message.startswith("minerisk: error: ")
    for text in expected:
        assert text in message, f"{text!r} not in {message!r}"
    assert not any_of or any(text in message for text in any_of), message
    assert out.read_bytes() == PREVIOUS
    assert sorted(os.listdir(folder)) == before, "a stray file was left behind"
    for p, h in hashes.items():
        assert digest(p) == h, f"input {p} was changed"
    return message


def run_refused(scenario_path, folder, inputs, *expected):
    return check_refused(("run", scenario_path, "-o", "OUT", "-q"), folder, [scenario_path, *inputs], *expected)


def region_copy(region, folder, dem=None, gpkg=None):
    """A scenario over the region, with the DEM or the GeoPackage replaced."""
    text = scenario_text(region, dem=dem)
    if gpkg:
        text = text.replace(str(pathlib.Path(region) / "region.gpkg"), str(gpkg))
    path = pathlib.Path(folder) / "scenario.toml"
    path.write_text(text)
    return path


# --- damaged inputs -----------------------------------------------------------------------------

def damaged_gpkg(region, folder):
    """region.gpkg with one page of the finds table overwritten: OGR reads the features before it
    and then stops, with only a message ("database disk image is malformed")."""
    gpkg = pathlib.Path(folder) / "damaged.gpkg"
    shutil.copy(pathlib.Path(region) / "region.gpkg", gpkg)
    con = sqlite3.connect(gpkg)
    page_size = con.execute("pragma page_size").fetchone()[0]
    root = con.execute("select rootpage from sqlite_master where name = 'finds'").fetchone()[0]
    con.close()
    with open(gpkg, "r+b") as f:  # a leaf page of the table, a few pages past its root
        f.seek((root + 2) * page_size)
        f.write(b"\xa5" * page_size)
    # The premise: OGR reads part of the layer, then complains.
    n = 0
    with _quiet():
        ds = gdal.OpenEx(str(gpkg), gdal.OF_VECTOR)
        layer = ds.GetLayerByName("finds")
        try:
            for _ in layer:
                n += 1
        except RuntimeError:
            pass
        layer = ds = None
    ds = gdal.OpenEx(str(pathlib.Path(region) / "region.gpkg"), gdal.OF_VECTOR)
    total = ds.GetLayerByName("finds").GetFeatureCount()
    ds = None
    assert 0 < n < total, (n, total)
    return gpkg


class _quiet:
    def __enter__(self):
        gdal.PushErrorHandler("CPLQuietErrorHandler")

    def __exit__(self, *exc):
        gdal.PopErrorHandler()


def test_damaged_geopackage_is_not_read_partially(region, tmp_path):
    gpkg = damaged_gpkg(region, tmp_path)
    s = region_copy(region, tmp_path, gpkg=gpkg)
    run_refused(s, tmp_path, [gpkg], "finds", "layer 'finds'", "damaged.gpkg", "database disk image is malformed",
                "damaged")


def damaged_tile_tif(region, folder):
    """dem.tif with the start of its second tile's compressed data overwritten."""
    tif = pathlib.Path(folder) / "damaged.tif"
    shutil.copy(pathlib.Path(region) / "dem.tif", tif)
    ds = gdal.Open(str(tif))
    offset = int(ds.GetRasterBand(1).GetMetadataItem("BLOCK_OFFSET_1_0", "TIFF"))
    ds = None
    with open(tif, "r+b") as f:
        f.seek(offset)
        f.write(b"\xff" * 64)
    return tif


def test_damaged_geotiff_tile_in_a_run(region, tmp_path):
    tif = damaged_tile_tif(region, tmp_path)
    s = region_copy(region, tmp_path, dem=tif)
    message = run_refused(s, tmp_path, [tif, pathlib.Path(region) / "region.gpkg"], "terrain.dem", "damaged.tif",
                          "reading", "GDAL reports", "damaged")
    assert "internal error" not in message


def test_damaged_geotiff_tile_warped_onto_another_grid(region, tmp_path):
    # A grid of 15 m cells: the DEM goes through GDAL's warper, which meets the bad block too.
    tif = damaged_tile_tif(region, tmp_path)
    grid = '[grid]\ncrs = "EPSG:32638"\nresolution = 15\nbounds = [640000, 4414000, 646000, 4420000]\n'
    s = tmp_path / "scenario.toml"
    s.write_text(scenario_text(region, dem=tif, grid=grid))
    run_refused(s, tmp_path, [tif], "terrain.dem", "damaged.tif", "GDAL reports")


def test_damaged_geotiff_tile_in_a_tool(region, tmp_path):
    tif = damaged_tile_tif(region, tmp_path)
    check_refused(("slope", tif, "OUT", "-q"), tmp_path, [tif], "input", "damaged.tif", "GDAL reports",
                  output="out.tif")


def test_truncated_geotiff_is_called_damaged_not_unreferenced(region, tmp_path):
    tif = tmp_path / "truncated.tif"
    tif.write_bytes((pathlib.Path(region) / "dem.tif").read_bytes()[:300])
    s = region_copy(region, tmp_path, dem=tif)
    message = run_refused(s, tmp_path, [tif], "terrain.dem", "truncated.tif", "unreadable", "truncated")
    assert "has no CRS" not in message


def test_truncated_grid_file_given_to_evaluate(region, tmp_path):
    good = tmp_path / "good.nc"
    assert run_minerisk("run", region_copy(region, tmp_path), "-o", good, "-q", "--no-picture").returncode == 0
    bad = tmp_path / "truncated.nc"
    data = good.read_bytes()
    bad.write_bytes(data[: len(data) // 2])
    gpkg = pathlib.Path(region) / "region.gpkg"
    result = run_minerisk("evaluate", bad, "--truth", gpkg, "--layer", "finds", "-o", tmp_path / "report.json")
    assert result.returncode == 2, result.stderr
    assert result.stderr.count("\n") == 1 and "truncated.nc" in result.stderr, result.stderr
    assert not (tmp_path / "report.json").exists()


# --- numbers in the data ------------------------------------------------------------------------

@pytest.mark.parametrize("value, shown", [
    (float("inf"), "count = inf, not a finite number"), ("nan", "count = nan, not a finite number"),
    (-2.0, "count = -2, outside [0, inf)"), ("many", "'many', not a number")])
def test_find_counts_checked(region, tmp_path, value, shown):
    gpkg = tmp_path / "finds.gpkg"
    kind = ogr.OFTString if isinstance(value, str) else ogr.OFTReal
    make_vector(gpkg, "finds", ogr.wkbPoint, [("POINT (643000 4417000)", {"count": 1}),
                                              ("POINT (643100 4417000)", {"count": value})],
                fields=[("count", kind)])
    text = replace_section(scenario_text(region), "finds", f'path = "{gpkg}"\nlayer = "finds"\ncount_field = "count"')
    s = tmp_path / "scenario.toml"
    s.write_text(text)
    run_refused(s, tmp_path, [gpkg], "finds", "layer 'finds'", "finds.gpkg", "feature 2", shown)


@pytest.mark.parametrize("section, field, value, shown", [
    ("cleared", "pod", "nan", "pod = nan, not a finite number"),
    ("cleared", "pod", float("inf"), "pod = inf, not a finite number"),
    ("records", "reliability", -0.5, "reliability = -0.5, outside [0, 1]"),
    ("records", "reliability", "1.5", "reliability = 1.5, outside [0, 1]")])
def test_probabilities_in_polygon_layers_checked(region, tmp_path, section, field, value, shown):
    gpkg = tmp_path / f"{section}.gpkg"
    kind = ogr.OFTString if isinstance(value, str) else ogr.OFTReal
    square = "POLYGON ((641000 4415000, 641500 4415000, 641500 4415500, 641000 4415500, 641000 4415000))"
    make_vector(gpkg, section, ogr.wkbPolygon, [(square, {field: value})], fields=[(field, kind)])
    text = replace_section(scenario_text(region), section, f'path = "{gpkg}"\n{field}_field = "{field}"')
    s = tmp_path / "scenario.toml"
    s.write_text(text)
    run_refused(s, tmp_path, [gpkg], section, f"{section}.gpkg", "feature 1", shown)


def test_density_weights_checked(region, tmp_path):
    gpkg = tmp_path / "weights.gpkg"
    make_vector(gpkg, "finds", ogr.wkbPoint, [("POINT (643000 4417000)", {"w": float("inf")})],
                fields=[("w", ogr.OFTReal)])
    dem = pathlib.Path(region) / "dem.tif"
    check_refused(("density", gpkg, "OUT", "--like", dem, "--bandwidth", "100", "--weight-field", "w", "-q"), tmp_path,
                  [gpkg, dem], "input", "weights.gpkg", "feature 1", "w = inf, not a finite number", output="out.tif")


def test_vertex_that_is_not_a_number(region, tmp_path):
    gpkg = tmp_path / "lines.gpkg"
    ds = ogr.GetDriverByName("GPKG").CreateDataSource(str(gpkg))
    srs = osr.SpatialReference()
    srs.ImportFromEPSG(32638)
    layer = ds.CreateLayer("front_lines", srs, ogr.wkbLineString)
    line = ogr.Geometry(ogr.wkbLineString)
    for x, y in [(643000, 4417000), (float("nan"), 4417500), (643500, 4417500)]:
        line.AddPoint_2D(x, y)
    feature = ogr.Feature(layer.GetLayerDefn())
    feature.SetGeometry(line)
    layer.CreateFeature(feature)
    ds = feature = layer = None
    text = replace_section(scenario_text(region), "front_lines", f'path = "{gpkg}"')
    s = tmp_path / "scenario.toml"
    s.write_text(text)
    run_refused(s, tmp_path, [gpkg], "front_lines", "lines.gpkg", "feature 1", "not a finite number")


def test_density_bandwidth_beyond_any_grid(region, tmp_path):
    counts = tmp_path / "counts.tif"
    gdal.Translate(str(counts), str(pathlib.Path(region) / "dem.tif"))
    check_refused(("density", counts, "OUT", "--bandwidth", "1e7", "-q"), tmp_path, [counts], "--bandwidth",
                  "more than 4096", output="out.tif")


# --- the 180th meridian -------------------------------------------------------------------------

def geographic_raster(path, west, north, cols, rows, cell):
    """A flat EPSG:4326 raster."""
    srs = osr.SpatialReference()
    srs.ImportFromEPSG(4326)
    ds = gdal.GetDriverByName("GTiff").Create(str(path), cols, rows, 1, gdal.GDT_Float32)
    ds.SetGeoTransform([west, cell, 0, north, 0, -cell])
    ds.SetProjection(srs.ExportToWkt())
    ds.GetRasterBand(1).WriteArray(np.full((rows, cols), 100.0, np.float32))
    ds = None
    return path


def metric_distance_reference(lon, lat, a, b):
    """Brute force: each cell centre to the segment a-b in the local metric of its latitude
    (metres per degree on WGS 84), the segment's longitudes taken as given (unwrapped)."""
    f = 1 / 298.257223563
    e2 = f * (2 - f)
    phi = np.radians(lat)
    w = np.sqrt(1 - e2 * np.sin(phi) ** 2)
    sx = 6378137.0 / w * np.cos(phi) * np.pi / 180
    sy = 6378137.0 * (1 - e2) / w ** 3 * np.pi / 180
    px, py = (lon - a[0]) * sx, (lat - a[1]) * sy
    dx, dy = (b[0] - a[0]) * sx, (b[1] - a[1]) * sy
    t = np.clip((px * dx + py * dy) / (dx * dx + dy * dy), 0, 1)
    return np.hypot(px - t * dx, py - t * dy)


@pytest.mark.parametrize("west", [179.5, -180.5])
def test_line_across_the_antimeridian(tmp_path, west):
    like = geographic_raster(tmp_path / "like.tif", west, 0.5, 100, 100, 0.01)
    gpkg = tmp_path / "line.gpkg"
    make_vector(gpkg, "lines", ogr.wkbLineString, [("LINESTRING (179.9 -0.3, -179.9 0.3)", {})], srs_epsg=4326)
    out = tmp_path / "distance.tif"
    result = run_minerisk("proximity", gpkg, out, "--like", like, "-q")
    assert result.returncode == 0, result.stderr
    got = gdal.Open(str(out)).ReadAsArray().astype(np.float64)
    centre = west + 0.5  # the line as it lies on this grid: 0.2 degrees long, across 180
    a, b = (179.9 - 360 * (centre < 0), -0.3), (180.1 - 360 * (centre < 0), 0.3)
    lon = west + (np.arange(100) + 0.5) * 0.01
    lat = 0.5 - (np.arange(100) + 0.5) * 0.01
    expected = metric_distance_reference(lon[None, :], lat[:, None], a, b)
    np.testing.assert_allclose(got, expected, rtol=1e-5, atol=0.05)
    assert got.max() < 75000  # read as 359.8 degrees long, it would be far off at the corners


def test_finds_across_the_antimeridian(tmp_path):
    like = geographic_raster(tmp_path / "like.tif", 179.5, 0.5, 100, 100, 0.01)
    densities = []
    for lon in (-179.95, 180.05):  # the same place
        gpkg = tmp_path / f"finds{lon}.gpkg"
        make_vector(gpkg, "finds", ogr.wkbPoint, [(f"POINT ({lon} 0.1)", {})], srs_epsg=4326)
        out = tmp_path / f"density{lon}.tif"
        result = run_minerisk("density", gpkg, out, "--like", like, "--bandwidth", "2000", "-q")
        assert result.returncode == 0, result.stderr
        densities.append(gdal.Open(str(out)).ReadAsArray())
    assert densities[1].max() > 0
    np.testing.assert_allclose(densities[0], densities[1], rtol=1e-6, atol=1e-9)


# --- grids --------------------------------------------------------------------------------------


def test_geographic_dem_beyond_the_pole(region, tmp_path):
    dem = geographic_raster(tmp_path / "polar.tif", 10.0, 90.05, 40, 20, 0.01)  # 89.85 to 90.05 N
    check_refused(("slope", dem, "OUT", "-q"), tmp_path, [dem], "polar.tif", "beyond the pole", "-90 to 90",
                  output="out.tif")
    s = region_copy(region, tmp_path, dem=dem)
    run_refused(s, tmp_path, [dem], "terrain.dem", "polar.tif", "beyond the pole")


@pytest.mark.parametrize("bounds, resolution", [
    ("[0, 0, 4294967296, 4294967296]", "1"),   # 2^32 x 2^32: wraps to 0 in 64-bit arithmetic
    ("[0, 0, 2147483648, 16]", "1"),           # 2^31 x 16: few cells, 16 GB of x coordinates
    ("[0, 0, 1e300, 1e300]", "1e-10"),         # beyond any integer
    ("[0, 0, 1000, 1e300]", "10"),             # 100 x 1e299 cells
    ("[0, 0, 16777217, 10]", "1"),             # one cell past the side's limit
])
def test_grid_beyond_the_size_limits(region, tmp_path, bounds, resolution):
    grid = f'[grid]\ncrs = "EPSG:32638"\nresolution = {resolution}\nbounds = {bounds}\n'
    s = tmp_path / "scenario.toml"
    s.write_text(scenario_text(region, grid=grid))
    run_refused(s, tmp_path, [], "keys 'grid.bounds' and 'grid.resolution'", "more than minerisk handles")
    # Counts in every digit up to 1e21, then with an exponent (not 300 digits).
    said = {"[0, 0, 1000, 1e300]": "the grid is 100 x 1e+299 cells",
            "[0, 0, 16777217, 10]": "the grid is 16777217 x 10 cells"}  # not 1.67772e+07, below the limit
    if bounds in said:
        r = run_minerisk("run", s, "-o", tmp_path / "o.nc", "-q")
        assert said[bounds] in r.stderr, r.stderr


# --- a full disk ----------------------------------------------------------------------------------

@pytest.fixture
def small_disk(tmp_path):
    """A 6 MB tmpfs (root only; skipped where mounting is not allowed)."""
    mount = tmp_path / f"disk-{uuid.uuid4().hex[:8]}"
    mount.mkdir()
    if os.geteuid() != 0:
        pytest.skip("mounting a small tmpfs needs root")
    result = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=6m", "tmpfs", str(mount)], capture_output=True,
                            text=True)
    if result.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here: {result.stderr.strip()}")
    try:
        yield mount
    finally:
        subprocess.run(["umount", str(mount)], check=True)


def fill(disk, leave_bytes):
    """Fills the disk until only about `leave_bytes` are free."""
    st = os.statvfs(disk)
    free = st.f_bavail * st.f_frsize
    (disk / "filler").write_bytes(b"\0" * max(0, free - leave_bytes))
    return disk / "filler"


@pytest.mark.parametrize("share", [0.0, 0.5, "picture"])
def test_run_on_a_full_disk(region, tmp_path, small_disk, share):
    s = region_copy(region, tmp_path)
    good = tmp_path / "good.nc"
    assert run_minerisk("run", s, "-o", good, "-q").returncode == 0
    grid_size, picture_size = good.stat().st_size, good.with_suffix(".png").stat().st_size
    # Room for the previous output only; then for half the grid; then the grid and half the picture.
    leave = grid_size + picture_size // 2 if share == "picture" else max(16384, int(grid_size * share))
    filler = fill(small_disk, leave)
    # Refused for free space before writing (no room even for a fully compressed grid), or
    # stopped by the write that found the disk full.
    message = check_refused(("run", s, "-o", "OUT", "-q"), small_disk, [s, filler], str(small_disk),
                            any_of=("no space left on the device of folder", "not enough space"))
    assert "internal error" not in message and "HDF5-DIAG" not in message


def test_tool_on_a_full_disk(region, small_disk):
    filler = fill(small_disk, 256 * 1024)
    dem = pathlib.Path(region) / "dem.tif"
    check_refused(("slope", dem, "OUT", "-q"), small_disk, [dem, filler], "no space left on the device of folder",
                  output="out.tif")


def test_an_input_path_with_a_component_over_255_bytes(tmp_path):
    long_name = tmp_path / ("d" * 300) / "scenario.toml"
    r = run_minerisk("run", long_name, "-o", tmp_path / "out.nc", "-q")
    assert r.returncode == 2, r.stderr
    assert r.stderr.strip().count("\n") == 0 and "internal error" not in r.stderr
    assert "name too long" in r.stderr.lower()
    assert os.listdir(tmp_path) == []
