"""minerisk slope, aspect and tri against gdaldem on the same inputs: edges, no-data, tiny and
non-square rasters."""
import numpy as np
import pytest

from conftest import run_minerisk
from tools_helpers import peer, read, write_raster

MODES = [("slope", "slope"), ("aspect", "aspect"), ("tri", "TRI")]


def compare(ours_path, peer_path, circular=False):
    ours, theirs = read(ours_path), read(peer_path)
    assert np.array_equal(np.isnan(ours), np.isnan(theirs)), "no-data cells differ"
    diff = np.abs(ours - theirs)[~np.isnan(ours)]
    if circular:
        diff = np.minimum(diff, 360 - diff)
    return diff.max() if diff.size else 0.0


@pytest.mark.parametrize("ours,theirs", MODES)
@pytest.mark.parametrize("edges", [False, True])
def test_against_gdaldem_on_the_sample_dem(region, tmp_path, ours, theirs, edges):
    dem = region / "dem.tif"  # has a no-data corner
    flag = ["--compute-edges"] if edges else []
    peer_flag = ["-compute_edges"] if edges else []
    r = run_minerisk(ours, dem, tmp_path / "ours.tif", "-q", "--tile-size", "128", *flag)
    assert r.returncode == 0, r.stderr
    peer("gdaldem", theirs, "-q", *peer_flag, dem, tmp_path / "peer.tif")
    assert compare(tmp_path / "ours.tif", tmp_path / "peer.tif", circular=ours == "aspect") <= 1e-3


@pytest.mark.parametrize("ours,theirs", MODES)
@pytest.mark.parametrize("shape", [(1, 1), (1, 7), (7, 1), (2, 2), (3, 5)])
def test_tiny_rasters_with_no_data(tmp_path, ours, theirs, shape):
    rng = np.random.default_rng(sum(shape))
    dem = (rng.normal(100, 5, shape)).astype(np.float32)
    if dem.size > 4:
        dem.flat[2] = -9999
    write_raster(tmp_path / "dem.tif", dem, nodata=-9999)
    for edges in (False, True):
        flag = ["--compute-edges"] if edges else []
        peer_flag = ["-compute_edges"] if edges else []
        r = run_minerisk(ours, tmp_path / "dem.tif", tmp_path / "ours.tif", "-q", "--overwrite", *flag)
        assert r.returncode == 0, r.stderr
        peer("gdaldem", theirs, "-q", *peer_flag, tmp_path / "dem.tif", tmp_path / "peer.tif")
        ours_v, peer_v = read(tmp_path / "ours.tif"), read(tmp_path / "peer.tif")
        if edges and 1 in shape:
            # gdaldem computes nothing on a one-row or one-column grid; minerisk repeats the
            # nearest cell there (README), so only the no-data cells are compared.
            assert np.all(np.isnan(ours_v[dem == -9999]))
            continue
        assert np.array_equal(np.isnan(ours_v), np.isnan(peer_v))
        diff = np.abs(ours_v - peer_v)[~np.isnan(ours_v)]
        assert diff.size == 0 or diff.max() <= 1e-3


def test_slope_on_non_square_pixels_matches_gdaldem(tmp_path):
    rng = np.random.default_rng(5)
    dem = np.cumsum(rng.normal(0, 2, (40, 30)), axis=1).astype(np.float32) + 500
    write_raster(tmp_path / "dem.tif", dem, geotransform=(500000.0, 10.0, 0, 4400000.0, 0, -30.0))
    assert run_minerisk("slope", tmp_path / "dem.tif", tmp_path / "ours.tif", "-q", "--compute-edges").returncode == 0
    peer("gdaldem", "slope", "-q", "-compute_edges", tmp_path / "dem.tif", tmp_path / "peer.tif")
    assert compare(tmp_path / "ours.tif", tmp_path / "peer.tif") <= 1e-3


def test_aspect_on_non_square_pixels_is_the_true_downhill_direction(tmp_path):
    # A plane rising 1 m per 10 m eastwards and 1 m per 30 m northwards faces down to the
    # south-west: downhill direction (-1/10, -1/30) in (east, north), azimuth 180 + atan(3).
    # (gdaldem ignores the cell size in aspect, so it would say 225 here.)
    rows, cols = np.mgrid[0:9, 0:9]
    dem = (cols * 1.0 + (8 - rows) * 1.0).astype(np.float32)
    write_raster(tmp_path / "dem.tif", dem, geotransform=(500000.0, 10.0, 0, 4400000.0, 0, -30.0))
    assert run_minerisk("aspect", tmp_path / "dem.tif", tmp_path / "ours.tif", "-q").returncode == 0
    aspect = read(tmp_path / "ours.tif")[1:-1, 1:-1]
    assert np.allclose(aspect, 180 + np.degrees(np.arctan(3.0)), atol=1e-4)


def test_percent_slope(tmp_path):
    dem = np.tile(np.arange(6, dtype=np.float32) * 2.0, (5, 1))  # 2 m per 10 m: 20 %
    write_raster(tmp_path / "dem.tif", dem)
    assert run_minerisk("slope", tmp_path / "dem.tif", tmp_path / "p.tif", "-q", "--percent").returncode == 0
    assert np.allclose(read(tmp_path / "p.tif")[1:-1, 1:-1], 20.0, atol=1e-4)
