"""minerisk.hillshade against gdaldem hillshade on random DEMs (square and non-square pixels,
with and without -compute_edges, other lights and z factors, a no-data cell), and against a
numpy brute force on a geographic grid (gdaldem 3.6 takes one scale for degrees, -s, where the
kernel uses the metres per degree of each row).

The kernel gives the illumination from 0 to 1; gdaldem writes the byte round(1 + 254 * value),
0 for no-data. gdaldem divides by an approximate square root (one Newton step after SSE's
rsqrt), so a value within ~1e-5 of a half byte may round the other way: bytes may differ by 1,
rarely."""
import numpy as np
import pytest

from tools_helpers import peer, read, write_raster

import minerisk  # noqa: E402  (built by scripts/setup: a failed import must fail, not skip)


def random_dem(shape, seed, relief=8.0):
    """Rough random terrain: a random walk smoothed a little, so slopes of every size and facing."""
    rng = np.random.default_rng(seed)
    walk = np.cumsum(np.cumsum(rng.normal(0, relief, shape), axis=0), axis=1) / np.sqrt(shape[0])
    return (walk + rng.normal(0, relief / 4, shape) + 800).astype(np.float32)


def as_gdaldem_bytes(shade):
    return np.where(np.isnan(shade), np.nan, np.floor(1 + 254 * shade + 0.5))


CASES = [
    # geotransform, azimuth, altitude, z factor
    ((500000.0, 10.0, 0.0, 4400000.0, 0.0, -10.0), 315.0, 45.0, 1.0),
    ((500000.0, 10.0, 0.0, 4400000.0, 0.0, -30.0), 315.0, 45.0, 1.0),
    ((500000.0, 25.0, 0.0, 4400000.0, 0.0, -5.0), 200.0, 25.0, 3.0),
    ((500000.0, 30.0, 0.0, 4400000.0, 0.0, -30.0), 90.0, 70.0, 0.5),
]


@pytest.mark.parametrize("geotransform,azimuth,altitude,z", CASES)
@pytest.mark.parametrize("edges", [True, False])
def test_equals_gdaldem_hillshade(tmp_path, geotransform, azimuth, altitude, z, edges):
    dem = random_dem((61, 83), seed=int(azimuth + altitude))
    dem[20, 30] = -9999  # a no-data cell: its neighbours take the centre (edges) or are no-data
    write_raster(tmp_path / "dem.tif", dem, geotransform=geotransform, nodata=-9999)
    flags = ["-compute_edges"] if edges else []
    peer("gdaldem", "hillshade", "-q", "-az", azimuth, "-alt", altitude, "-z", z, *flags,
         tmp_path / "dem.tif", tmp_path / "peer.tif")
    theirs = read(tmp_path / "peer.tif")
    values = dem.copy()
    values[values == -9999] = np.nan
    ours = minerisk.hillshade(values, geotransform=geotransform, azimuth=azimuth, altitude=altitude, z_factor=z,
                              compute_edges=edges)
    assert ours.dtype == np.float32
    assert np.array_equal(np.isnan(ours), np.isnan(theirs)), "no-data cells differ"
    valid = ~np.isnan(ours)
    assert np.nanmin(ours) >= 0 and np.nanmax(ours) <= 1
    diff = np.abs(as_gdaldem_bytes(ours) - theirs)[valid]
    assert diff.max() <= 1
    assert np.count_nonzero(diff) <= max(2, valid.sum() // 500), f"{np.count_nonzero(diff)} bytes differ"
    # The terrain covers the whole scale: cells in their own shadow and cells facing the light.
    assert (theirs[valid] == 1).any() or altitude >= 45
    assert theirs[valid].max() > 240


def test_flat_ground_has_the_sine_of_the_altitude():
    ours = minerisk.hillshade(np.full((5, 6), 120.0, np.float32), cell_size=(10.0, 10.0), altitude=30.0)
    assert np.allclose(ours, 0.5, atol=1e-6)


def metres_per_degree(lat):
    """Metres per degree of longitude and latitude on WGS 84 (prime-vertical and meridional radii)."""
    a, f = 6378137.0, 1 / 298.257223563
    e2 = f * (2 - f)
    s2 = np.sin(np.radians(lat)) ** 2
    n = a / np.sqrt(1 - e2 * s2)
    m = a * (1 - e2) / (1 - e2 * s2) ** 1.5
    return n * np.cos(np.radians(lat)) * np.pi / 180, m * np.pi / 180


def brute_force(dem, dx, dy, azimuth, altitude, z):
    """Horn's gradient at the interior cells, dx and dy in metres per row (arrays of rows), the
    cosine between the normal and the light."""
    e = z * dem.astype(np.float64)
    window = lambda r, c: e[1 + r:e.shape[0] - 1 + r, 1 + c:e.shape[1] - 1 + c]  # noqa: E731
    east = ((window(-1, 1) + 2 * window(0, 1) + window(1, 1)) - (window(-1, -1) + 2 * window(0, -1) + window(1, -1)))
    north = ((window(-1, -1) + 2 * window(-1, 0) + window(-1, 1)) - (window(1, -1) + 2 * window(1, 0) + window(1, 1)))
    dzde, dzdn = east / (8 * dx[1:-1, None]), north / (8 * dy[1:-1, None])
    az, alt = np.radians(azimuth), np.radians(altitude)
    light = np.array([np.sin(az) * np.cos(alt), np.cos(az) * np.cos(alt), np.sin(alt)])
    cos = (-dzde * light[0] - dzdn * light[1] + light[2]) / np.sqrt(1 + dzde ** 2 + dzdn ** 2)
    return np.maximum(cos, 0)


@pytest.mark.parametrize("azimuth,altitude,z", [(315.0, 45.0, 1.0), (150.0, 30.0, 2.0)])
def test_geographic_grid_uses_the_metres_per_degree_of_each_row(azimuth, altitude, z):
    # 3 arc-second cells from 62 to 61.5 degrees north: a degree of longitude shrinks by 1.7 %
    # from the top row to the bottom one.
    rows, cols = 600, 70
    step = 3 / 3600
    gt = (46.5, step, 0.0, 62.0, 0.0, -step)
    dem = random_dem((rows, cols), seed=7, relief=20.0)
    ours = minerisk.hillshade(dem, geotransform=gt, geographic=True, azimuth=azimuth, altitude=altitude, z_factor=z)
    lat = gt[3] + (np.arange(rows) + 0.5) * gt[5]
    mx, my = metres_per_degree(lat)
    want = brute_force(dem, mx * step, my * step, azimuth, altitude, z)
    assert np.abs(ours[1:-1, 1:-1] - want).max() < 1e-5
    # A single scale for the whole grid (gdaldem's -s, at the middle row) is a hundred times
    # further off than that: the comparison tells the two apart.
    mid = metres_per_degree(np.array([61.75]))
    single = brute_force(dem, np.full(rows, mid[0][0] * step), np.full(rows, mid[1][0] * step), azimuth, altitude, z)
    assert np.abs(single - want).max() > 1e-3


def test_bad_lights_are_refused():
    with pytest.raises(ValueError, match="altitude"):
        minerisk.hillshade(np.zeros((3, 3), np.float32), cell_size=(1.0, 1.0), altitude=95.0)
