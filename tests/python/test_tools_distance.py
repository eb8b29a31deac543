"""minerisk proximity against scipy, gdal_proximity and shapely (GEOS)."""
import numpy as np
import pytest
from osgeo import gdal, ogr
from scipy import ndimage
from shapely import wkt as shapely_wkt
from shapely.geometry import Point

from conftest import run_minerisk
from tools_helpers import peer, read, write_raster


def random_mask(shape, seed, density=0.002):
    rng = np.random.default_rng(seed)
    mask = (rng.random(shape) < density).astype(np.uint8)
    mask[shape[0] // 2, : shape[1] // 3] = 2  # a line of features with another value
    return mask


@pytest.mark.parametrize("cell", [(10.0, 10.0), (10.0, 25.0)])
def test_raster_distance_matches_scipy(tmp_path, cell):
    mask = random_mask((211, 307), 1)
    dx, dy = cell
    write_raster(tmp_path / "mask.tif", mask, geotransform=(500000.0, dx, 0, 4400000.0, 0, -dy), dtype=gdal.GDT_Byte)
    r = run_minerisk("proximity", tmp_path / "mask.tif", tmp_path / "d.tif", "-q", "--tile-size", "64",
                     "--nearest-value", tmp_path / "v.tif")
    assert r.returncode == 0, r.stderr
    want, (iy, ix) = ndimage.distance_transform_edt(mask == 0, sampling=(dy, dx), return_indices=True)
    got = read(tmp_path / "d.tif")
    assert np.abs(got - want).max() < 1e-3  # float32 output of an exact transform
    # The nearest feature's value: where the nearest is unique its value must match scipy's.
    values = read(tmp_path / "v.tif")
    agree = np.mean(values == mask[iy, ix])
    assert agree > 0.999  # ties between equally near features may pick either


def test_raster_distance_matches_gdal_proximity(tmp_path):
    mask = random_mask((150, 180), 2)
    write_raster(tmp_path / "mask.tif", mask, dtype=gdal.GDT_Byte)
    assert run_minerisk("proximity", tmp_path / "mask.tif", tmp_path / "d.tif", "-q").returncode == 0
    peer("gdal_proximity.py", "-q", "-distunits", "GEO", "-ot", "Float32", tmp_path / "mask.tif", tmp_path / "p.tif")
    assert np.abs(read(tmp_path / "d.tif") - read(tmp_path / "p.tif")).max() < 1e-2


def test_values_select_features_and_cap_clamps(tmp_path):
    mask = random_mask((60, 70), 3)
    write_raster(tmp_path / "mask.tif", mask, dtype=gdal.GDT_Byte)
    r = run_minerisk("proximity", tmp_path / "mask.tif", tmp_path / "d.tif", "-q", "--values", "2",
                     "--max-distance", "150")
    assert r.returncode == 0, r.stderr
    want = np.minimum(ndimage.distance_transform_edt(mask != 2, sampling=10.0), 150.0)
    assert np.abs(read(tmp_path / "d.tif") - want).max() < 1e-3


def test_no_feature_at_all_gives_no_data(tmp_path):
    write_raster(tmp_path / "mask.tif", np.zeros((5, 4), np.uint8), dtype=gdal.GDT_Byte)
    assert run_minerisk("proximity", tmp_path / "mask.tif", tmp_path / "d.tif", "-q").returncode == 0
    assert np.all(np.isnan(read(tmp_path / "d.tif")))


def test_vector_distance_matches_shapely(region, tmp_path):
    """Exact distance to the front lines and to the cleared polygons, against GEOS."""
    dem = gdal.Open(str(region / "dem.tif"))
    gt = dem.GetGeoTransform()
    rng = np.random.default_rng(4)
    rows = rng.integers(0, dem.RasterYSize, 3000)
    cols = rng.integers(0, dem.RasterXSize, 3000)
    xs, ys = gt[0] + (cols + 0.5) * gt[1], gt[3] + (rows + 0.5) * gt[5]
    ds = ogr.Open(str(region / "region.gpkg"))
    for layer_name in ("front_lines", "cleared"):
        geometries = [shapely_wkt.loads(f.GetGeometryRef().ExportToWkt()) for f in ds.GetLayerByName(layer_name)]
        out = tmp_path / f"{layer_name}.tif"
        r = run_minerisk("proximity", region / "region.gpkg", out, "--layer", layer_name, "--like",
                         region / "dem.tif", "-q", "--tile-size", "128")
        assert r.returncode == 0, r.stderr
        got = read(out)[rows, cols]
        want = np.array([min(g.distance(Point(x, y)) for g in geometries) for x, y in zip(xs, ys)])
        assert np.all(np.abs(got - want) <= 1e-6 * want + 1e-3), layer_name  # float32 rounding


def test_signed_distance_sign_follows_the_side(region, tmp_path):
    r = run_minerisk("proximity", region / "region.gpkg", tmp_path / "s.tif", "--layer", "front_lines", "--like",
                     region / "dem.tif", "--signed", "-q")
    assert r.returncode == 0, r.stderr
    signed = read(tmp_path / "s.tif")
    r = run_minerisk("proximity", region / "region.gpkg", tmp_path / "u.tif", "--layer", "front_lines", "--like",
                     region / "dem.tif", "-q")
    unsigned = read(tmp_path / "u.tif")
    assert np.allclose(np.abs(signed), unsigned)
    # The sample's lines run north to south: west of the line of contact is the right-hand side
    # of that direction (negative), the far east is left (positive).
    assert signed[300, 0] < 0 and signed[300, -1] > 0


def test_vector_input_needs_like(region, tmp_path):
    r = run_minerisk("proximity", region / "region.gpkg", tmp_path / "d.tif", "-q")
    assert r.returncode == 2
    assert "--like" in r.stderr
