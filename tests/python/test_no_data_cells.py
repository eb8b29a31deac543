"""Cells without data: a DEM or a raster layer with none over the grid is named in the refusal,
and explain gives a no-data cell no rank."""
import json
import pathlib

import numpy as np
from osgeo import gdal

from conftest import run_minerisk, scenario_text
from test_bad_data import region_copy, run_refused


def empty_copy_of_the_dem(region, path):
    """The region's DEM with every cell no-data."""
    gdal.Translate(str(path), str(pathlib.Path(region) / "dem.tif"))
    ds = gdal.Open(str(path), gdal.GA_Update)
    band = ds.GetRasterBand(1)
    band.Fill(band.GetNoDataValue())
    ds = band = None
    return path


def test_dem_with_no_data_over_the_grid(region, tmp_path):
    dem = empty_copy_of_the_dem(region, tmp_path / "empty.tif")
    s = region_copy(region, tmp_path, dem=dem)
    run_refused(s, tmp_path, [dem], "terrain.dem", "empty.tif", "no data over the grid")


def test_a_raster_layer_with_no_data_over_the_grid_is_named(region, tmp_path):
    """Every cell no-data because of a raster layer, not the DEM: the message named the DEM alone."""
    layer = empty_copy_of_the_dem(region, tmp_path / "empty.tif")
    s = tmp_path / "scenario.toml"
    s.write_text(scenario_text(region) + f'\n[model.evidence.elevation]\nfeature = "raster"\npath = "{layer}"\n'
                                         'weight = 0.001\n')
    run_refused(s, tmp_path, [layer], "every cell of the grid is no-data", "or raster layer 'elevation'", "empty.tif")


def test_explain_on_a_no_data_cell_gives_no_rank(region, tmp_path):
    """A cell without data ranked 0 % (the lowest of the region); it has no rank."""
    dem = tmp_path / "holed.tif"
    gdal.Translate(str(dem), str(pathlib.Path(region) / "dem.tif"))
    ds = gdal.Open(str(dem), gdal.GA_Update)
    band = ds.GetRasterBand(1)
    band.WriteArray(np.full((20, 20), band.GetNoDataValue(), np.float32), 100, 100)
    x0, cell, _, y0, _, _ = ds.GetGeoTransform()
    ds = band = None
    scenario = region_copy(region, tmp_path, dem=dem)
    out = tmp_path / "holed.nc"
    assert run_minerisk("run", scenario, "-o", out, "-q").returncode == 0
    x, y = x0 + 110.5 * cell, y0 - 110.5 * cell
    r = run_minerisk("explain", out, x, y, "--json")
    assert r.returncode == 0, r.stderr
    report = json.loads(r.stdout)
    holed = [layer for layer in report["layers"] if layer["contribution"] is None]  # NaN: the slope's
    assert report["probability_rank"] is None and holed and all(layer["rank"] is None for layer in holed)
    table = run_minerisk("explain", out, x, y).stdout
    assert table.splitlines()[-1].endswith("no data") and "0.0%" not in table
    # The slope's log-odds and the total are "no data" too (printf wrote "nan").
    assert "nan" not in table.lower() and any(line.startswith("total log-odds") and line.endswith("no data")
                                              for line in table.splitlines()), table
