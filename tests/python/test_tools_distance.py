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


def test_no_feature_at_all_is_refused(tmp_path):
    """A mask of no feature (all 0, all no data, or no cell holding --values: a typo) wrote every
    distance as no data, exit 0, where a vector layer without features is refused."""
    write_raster(tmp_path / "mask.tif", np.zeros((5, 4), np.uint8), dtype=gdal.GDT_Byte)
    r = run_minerisk("proximity", tmp_path / "mask.tif", tmp_path / "d.tif", "-q")
    assert r.returncode == 2 and "no cell of raster" in r.stderr and "(every cell is 0 or no data)" in r.stderr, r.stderr
    assert r.stderr.count("\n") == 1 and not (tmp_path / "d.tif").exists()
    write_raster(tmp_path / "classes.tif", np.arange(20, dtype=np.uint8).reshape(5, 4), dtype=gdal.GDT_Byte)
    r = run_minerisk("proximity", tmp_path / "classes.tif", tmp_path / "d.tif", "-q", "--values", "70,71.5")
    assert r.returncode == 2 and "(no cell holds --values 70,71.5)" in r.stderr, r.stderr
    assert not (tmp_path / "d.tif").exists()
    # One feature in the last of many bands of rows (the check reads each band's column ends).
    lone = np.zeros((100, 7), np.uint8)
    lone[99, 6] = 1
    write_raster(tmp_path / "lone.tif", lone, dtype=gdal.GDT_Byte)
    r = run_minerisk("proximity", tmp_path / "lone.tif", tmp_path / "d.tif", "-q", "--tile-size", "16")
    assert r.returncode == 0 and read(tmp_path / "d.tif")[99, 6] == 0, r.stderr


def features_of(tmp_path, array, dtype, *options, nodata=None):
    """The cells proximity takes as features: those at distance 0."""
    write_raster(tmp_path / "m.tif", array, dtype=dtype, nodata=nodata)
    r = run_minerisk("proximity", tmp_path / "m.tif", tmp_path / "d.tif", "-q", "--overwrite", *options)
    assert r.returncode == 0, r.stderr
    return np.argwhere(read(tmp_path / "d.tif") == 0).tolist()


def test_features_are_compared_as_the_file_stores_them(tmp_path):
    # Int32 and Float64 masks hold values float32 cannot: 16777217 is not 16777216, and 1e-50 is
    # not 0 (reading them as float32 merged the first two and lost the last).
    big = np.zeros((8, 9), np.int32)
    big[1, 2], big[6, 7] = 16777217, 16777216
    assert features_of(tmp_path, big, gdal.GDT_Int32, "--values", "16777217") == [[1, 2]]
    tiny = np.zeros((8, 9), np.float64)
    tiny[2, 3], tiny[5, 5] = 1e-50, 1.00000001
    assert features_of(tmp_path, tiny, gdal.GDT_Float64) == [[2, 3], [5, 5]]
    assert features_of(tmp_path, tiny, gdal.GDT_Float64, "--values", "1.00000001") == [[5, 5]]
    r = run_minerisk("proximity", tmp_path / "m.tif", tmp_path / "d1.tif", "-q", "--values", "1")  # 1.00000001 is not 1
    assert r.returncode == 2 and "no cell holds --values 1)" in r.stderr, r.stderr
    # Bytes: no-data is never a feature; a no-data value a byte cannot hold matches no cell.
    small = np.zeros((8, 9), np.uint8)
    small[0, 0], small[4, 4], small[7, 8] = 255, 3, 1
    assert features_of(tmp_path, small, gdal.GDT_Byte, nodata=255) == [[4, 4], [7, 8]]
    assert features_of(tmp_path, small, gdal.GDT_Byte, nodata=300) == [[0, 0], [4, 4], [7, 8]]
    assert features_of(tmp_path, small, gdal.GDT_Byte, "--values", "3", "255", nodata=255) == [[4, 4]]
    # Every stored type gives the features the float path gives where float32 holds the values.
    for dtype in (gdal.GDT_Byte, gdal.GDT_UInt16, gdal.GDT_Int32, gdal.GDT_Float32, gdal.GDT_Float64):
        assert features_of(tmp_path, small.astype(np.float64), dtype, "--values", "1", "3") == [[4, 4], [7, 8]]


def test_bands_and_threads_give_the_same_distances(tmp_path):
    # Features on the rows either side of band borders (tile size 16), columns with none.
    mask = np.zeros((70, 300), np.uint8)
    mask[[0, 15, 16, 31, 47, 69], [5, 100, 101, 250, 299, 0]] = 1
    write_raster(tmp_path / "m.tif", mask, dtype=gdal.GDT_Byte)
    outputs = []
    for options in (["--tile-size", "16", "--threads", "1"], ["--tile-size", "16", "--threads", "2"],
                    ["--tile-size", "4096"]):
        r = run_minerisk("proximity", tmp_path / "m.tif", tmp_path / "d.tif", "-q", "--overwrite", *options)
        assert r.returncode == 0, r.stderr
        outputs.append(gdal.Open(str(tmp_path / "d.tif")).ReadAsArray())
    assert all(np.array_equal(outputs[0].view(np.uint32), o.view(np.uint32)) for o in outputs[1:])
    want = ndimage.distance_transform_edt(mask == 0, sampling=10.0)
    assert np.abs(outputs[0] - want).max() < 1e-3


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


def test_values_nan_is_refused(region, tmp_path):
    """NaN equals no value: every cell would have been "no feature", written as no data, exit 0."""
    r = run_minerisk("proximity", region / "dem.tif", tmp_path / "d.tif", "--values", "1,nan")
    assert r.returncode == 2 and r.stderr.count("\n") == 1, r.stderr
    assert "--values: NaN matches no cell" in r.stderr and not (tmp_path / "d.tif").exists()


@pytest.mark.parametrize("tool, option, extra", [
    ("proximity", ["--layer", "finds"], []), ("proximity", ["--where", "count > 1"], []),
    ("density", ["--layer", "finds"], ["--bandwidth", "50"]), ("density", ["--weight-field", "count"], ["--bandwidth", "50"]),
])
def test_vector_options_on_a_raster_input_are_refused(region, tmp_path, tool, option, extra):
    """density ignored --layer, --where and --weight-field on a raster of counts (and proximity
    --layer and --where on a raster mask), where --signed was refused: the user meant a vector."""
    r = run_minerisk(tool, region / "dem.tif", tmp_path / "d.tif", *option, *extra, "-q")
    assert r.returncode == 2 and f"{option[0]}: only for a vector INPUT (with --like)" in r.stderr, r.stderr
    assert not (tmp_path / "d.tif").exists()
