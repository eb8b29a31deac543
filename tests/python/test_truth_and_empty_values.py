"""Inputs that gave a report that looked right and was not: a truth whose counts are infinite
(every capture 0 %, "inf items", exit 0), a vector filter given with a raster truth (silently
not applied), an empty number on the command line (read as 0), and a sweep's base or
weights_from given as "" or as another sweep (a message about something else)."""
import numpy as np
import pytest
from osgeo import gdal, ogr, osr

from conftest import run_minerisk, scenario_text


@pytest.fixture(scope="module")
def grid(region, tmp_path_factory):
    folder = tmp_path_factory.mktemp("truth")
    scenario = folder / "scenario.toml"
    scenario.write_text(scenario_text(region))
    out = folder / "grid.nc"
    assert run_minerisk("run", scenario, "-o", out, "-q").returncode == 0
    return out


def label_raster(region, path, infinite=False):
    dem = gdal.Open(str(region / "dem.tif"))
    labels = np.zeros((dem.RasterYSize, dem.RasterXSize), np.float32)
    labels[400:420, 400:420] = 1
    if infinite:
        labels[10, 12] = np.inf
    ds = gdal.GetDriverByName("GTiff").Create(str(path), dem.RasterXSize, dem.RasterYSize, 1, gdal.GDT_Float32)
    ds.SetGeoTransform(dem.GetGeoTransform())
    ds.SetProjection(dem.GetProjection())
    ds.GetRasterBand(1).WriteArray(labels)
    ds = None
    return path


def test_an_infinite_count_is_refused_with_its_cell(region, grid, tmp_path):
    truth = label_raster(region, tmp_path / "labels.tif", infinite=True)
    r = run_minerisk("evaluate", grid, "--truth", truth, "-o", tmp_path / "e.json")
    assert r.returncode == 2 and "labels.tif' holds an infinite value" in r.stderr, r.stderr
    assert not (tmp_path / "e.json").exists()
    r = run_minerisk("evaluate", grid, "--truth", label_raster(region, tmp_path / "fine.tif"), "-o", tmp_path / "e.json")
    assert r.returncode == 0 and " inf items" not in r.stdout, r.stdout + r.stderr


def test_counts_beyond_a_float_are_refused(region, grid, tmp_path):
    """Two points of 2e38 items each in one cell: finite floats, whose sum was +inf."""
    dem = gdal.Open(str(region / "dem.tif"))
    x0, dx, _, y0, _, dy = dem.GetGeoTransform()
    path = tmp_path / "huge.gpkg"
    ds = ogr.GetDriverByName("GPKG").CreateDataSource(str(path))
    layer = ds.CreateLayer("devices", osr.SpatialReference(dem.GetProjection()), ogr.wkbPoint)
    layer.CreateField(ogr.FieldDefn("n", ogr.OFTReal))
    for k in range(2):
        f = ogr.Feature(layer.GetLayerDefn())
        f.SetField("n", 2e38)
        f.SetGeometry(ogr.CreateGeometryFromWkt(f"POINT ({x0 + (100.5 + k / 4) * dx} {y0 + 100.5 * dy})"))
        layer.CreateFeature(f)
    ds = None
    r = run_minerisk("evaluate", grid, "--truth", path, "--count-field", "n", "-o", tmp_path / "e.json")
    assert r.returncode == 2 and "gives the cell at row 100, column 100 an infinite count of true items (--count-field n beyond 3.4e38" in r.stderr, r.stderr


@pytest.mark.parametrize("option", [["--where", "minefield = 1"], ["--layer", "devices"], ["--count-field", "n"]])
def test_a_vector_option_with_a_raster_truth_is_refused(region, grid, tmp_path, option):
    truth = label_raster(region, tmp_path / "labels.tif")
    r = run_minerisk("evaluate", grid, "--truth", truth, *option, "-o", tmp_path / "e.json")
    assert r.returncode == 2 and f"{option[0]} reads a vector truth" in r.stderr and "leave" in r.stderr, r.stderr


@pytest.mark.parametrize("command", [["diff", "{g}", "{g}", "-o", "{t}/c.tif", "--threshold", ""],
                                     ["explain", "{g}", "", "4405000"],
                                     ["areas", "{g}", "-o", "{t}/a.gpkg", "--t1", ""]])
def test_an_empty_number_is_refused(grid, tmp_path, command):
    """CLI11 read "" as 0: every cell of a diff counted as a rise."""
    r = run_minerisk(*[a.format(g=grid, t=tmp_path) for a in command])
    assert r.returncode == 2 and "'' is not a number" in r.stderr and len(r.stderr.strip().splitlines()) == 1, r.stderr
    assert list(tmp_path.iterdir()) == []


def test_a_sweep_names_an_empty_or_a_sweep_base_as_such(region, tmp_path):
    scenario = tmp_path / "scenario.toml"
    scenario.write_text(scenario_text(region))
    cases = {
        "empty_base.toml": ('base = ""\n', "key 'base' is empty; name the base scenario"),
        "empty_weights.toml": ('base = "scenario.toml"\nsamples = 2\n[uncertainty]\nweights_from = ""\n',
                               "key 'uncertainty.weights_from' is empty"),
        "sweep_base.toml": ('base = "empty_weights.toml"\nsamples = 2\n[uncertainty]\nfront_line_sd = 10\n',
                            "key 'base' names another sweep file"),
    }
    for name, (text, _) in cases.items():
        (tmp_path / name).write_text(text)
    for name, (_, message) in cases.items():
        r = run_minerisk("sweep", tmp_path / name, "-o", tmp_path / "out.h5", "-q")
        assert r.returncode == 2 and message in r.stderr, r.stderr
    assert not (tmp_path / "out.h5").exists()


def test_a_missing_truth_is_named_missing_from_python_too(grid, tmp_path):
    """Python's evaluate said "'...' is a raster ...; leave --layer out" for a file not there."""
    import minerisk
    with pytest.raises(minerisk.Error, match="not found; check the path"):
        minerisk.evaluate(grid, tmp_path / "nowhere.gpkg", layer="finds")


@pytest.mark.parametrize("command", ["evaluate", "areas"])
@pytest.mark.parametrize("empty, says", [(None, "null"), ("POINT EMPTY", "an empty one"),
                                         ("MULTIPOINT EMPTY", "an empty one")])
def test_a_true_item_without_a_place_is_refused(region, grid, tmp_path, command, empty, says):
    """A true device whose point is null or empty was left out of the count without a word:
    the capture and recall figures then scored fewer items than the truth holds."""
    dem = gdal.Open(str(region / "dem.tif"))
    x0, dx, _, y0, _, dy = dem.GetGeoTransform()
    path = tmp_path / "truth.gpkg"
    ds = ogr.GetDriverByName("GPKG").CreateDataSource(str(path))
    layer = ds.CreateLayer("devices", osr.SpatialReference(dem.GetProjection()), ogr.wkbPoint)
    for wkt in (f"POINT ({x0 + 100.5 * dx} {y0 + 100.5 * dy})", empty):
        f = ogr.Feature(layer.GetLayerDefn())
        if wkt:
            f.SetGeometry(ogr.CreateGeometryFromWkt(wkt))
        layer.CreateFeature(f)
    ds = None
    out = tmp_path / ("e.json" if command == "evaluate" else "a.gpkg")
    r = run_minerisk(command, grid, "--truth", path, "-o", out, "-q")
    assert r.returncode == 2 and r.stderr.count("\n") == 1, r.stderr
    advice = "with a filter (--where)" if command == "evaluate" else "of a copy made with ogr2ogr -where"
    assert f"feature 2 has no geometry ({says}); draw it, or leave it out {advice}" in r.stderr
    assert not out.exists()
    if command == "evaluate":  # areas' --where filters its --polygons
        r = run_minerisk(command, grid, "--truth", path, "--where", "fid = 1", "-o", out, "-q")
        assert r.returncode == 0, r.stderr
