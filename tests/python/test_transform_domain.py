"""A layer's values outside its transform's domain: log1p below -1 (an elevation under sea level)
made those cells a probability of no data in run, and fit left their training cells out, with
nothing said. Both now refuse in one line naming the layer."""
import numpy as np
from osgeo import gdal

from conftest import run_minerisk, scenario_text


def test_log1p_below_minus_one_is_refused_by_run_and_fit(region, tmp_path, write_scenario):
    dem = gdal.Open(str(region / "dem.tif"))
    values = np.random.default_rng(2).uniform(-5, 5, (dem.RasterYSize, dem.RasterXSize)).astype(np.float32)
    path = tmp_path / "signed.tif"
    ds = gdal.GetDriverByName("GTiff").Create(str(path), dem.RasterXSize, dem.RasterYSize, 1, gdal.GDT_Float32)
    ds.SetGeoTransform(dem.GetGeoTransform())
    ds.SetProjection(dem.GetProjection())
    ds.GetRasterBand(1).WriteArray(values)
    ds = None
    layer = f'\n[model.evidence.signed]\nfeature = "raster"\npath = "{path}"\nweight = 0.3\ntransform = "{{}}"\n'
    scenario = write_scenario(scenario_text(region) + layer.format("log1p"))
    message = "layer 'model.evidence.signed' holds values of -1 or below, where its transform log1p is not finite"
    r = run_minerisk("run", scenario, "-o", tmp_path / "out.nc", "-q")
    assert r.returncode == 2 and message in r.stderr and r.stderr.count("\n") == 1, r.stderr
    assert not (tmp_path / "out.nc").exists()
    r = run_minerisk("fit", scenario, "-o", tmp_path / "fitted.toml", "--background-ratio", "2", "-q")
    assert r.returncode == 2 and message in r.stderr, r.stderr
    # The same values with a transform defined there run.
    linear = write_scenario(scenario_text(region) + layer.format("linear"), name="linear.toml")
    assert run_minerisk("run", linear, "-o", tmp_path / "out.nc", "-q").returncode == 0


def test_a_contribution_beyond_float32_is_refused(region, tmp_path, write_scenario):
    """weight x value past 3.4e38 was stored as an infinite contribution: explain's log-odds no
    longer gave the probability."""
    dem = gdal.Open(str(region / "dem.tif"))
    path = tmp_path / "big.tif"
    ds = gdal.GetDriverByName("GTiff").Create(str(path), dem.RasterXSize, dem.RasterYSize, 1, gdal.GDT_Float32)
    ds.SetGeoTransform(dem.GetGeoTransform())
    ds.SetProjection(dem.GetProjection())
    ds.GetRasterBand(1).Fill(3e38)
    ds = None
    layer = f'\n[model.evidence.big]\nfeature = "raster"\npath = "{path}"\nweight = 1e6\ntransform = "linear"\n'
    r = run_minerisk("run", write_scenario(scenario_text(region) + layer), "-o", tmp_path / "out.nc", "-q")
    assert r.returncode == 2 and "layer 'model.evidence.big': its weight times its transformed value goes beyond" \
        in r.stderr, r.stderr
    assert not (tmp_path / "out.nc").exists()


def test_a_find_density_beyond_float32_names_the_counts_not_the_weight(region, tmp_path, write_scenario):
    """A find counted 3e38 makes a density past 3.4e38: the refusal said to lower the weight,
    which cannot help (the density itself is what overflowed)."""
    from osgeo import ogr
    from test_bad_inputs import make_vector
    gpkg = tmp_path / "finds.gpkg"
    make_vector(gpkg, "finds", ogr.wkbPoint, [("POINT (643000 4417000)", {"count": 3e38})],
                fields=[("count", ogr.OFTReal)])
    text = scenario_text(region).replace(f'path = "{region / "region.gpkg"}"\nlayer = "finds"', f'path = "{gpkg}"\nlayer = "finds"')
    r = run_minerisk("run", write_scenario(text), "-o", tmp_path / "out.nc", "-q")
    assert r.returncode == 2 and "layer 'model.evidence.finds': its value (find_density) goes beyond float32's range" \
        in r.stderr and "rescale them" in r.stderr, r.stderr
    assert not (tmp_path / "out.nc").exists()
