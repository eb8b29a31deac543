"""Rasters of doubles and wide integers, read the one way every reader shares (band_cells.cpp):
no-data matched as stored, and a value beyond float32 refused, whether a grid is read
(explain, evaluate, diff, areas), a raster on the grid, or one warped onto it."""
import json
import pathlib

import numpy as np
from osgeo import gdal

from conftest import run_minerisk, scenario_text
from tools_helpers import write_raster


def test_a_float64_grid_keeps_a_value_float32_would_round_to_its_no_data(tmp_path):
    """0.5 and 0.5 + 1e-12 are one float32; only the cell that holds the no-data is no-data."""
    nodata = 0.5 + 1e-12
    grid = np.full((6, 6), 0.25)
    grid[1, 1], grid[4, 4] = 0.5, nodata
    write_raster(tmp_path / "p.tif", grid, nodata=nodata, dtype=gdal.GDT_Float64)
    x0, y0, cell = 500000.0, 4400000.0, 10.0

    def explained(row, col):
        r = run_minerisk("explain", tmp_path / "p.tif", x0 + (col + 0.5) * cell, y0 - (row + 0.5) * cell, "--json")
        assert r.returncode == 0, r.stderr
        return json.loads(r.stdout)["probability"]
    assert explained(1, 1) == 0.5
    assert explained(4, 4) is None  # NaN: the cell that holds the no-data


def test_a_warped_float64_layer_beyond_float32_is_refused(region, tmp_path):
    """Warped onto the grid (here half a cell off), in double: a block of 1e39 interpolates to
    1e39, which float32 cannot hold; it became an infinity in the grid."""
    region = pathlib.Path(region)
    dem = gdal.Open(str(region / "dem.tif"))
    x0, cell, _, y0, _, _ = dem.GetGeoTransform()
    values = np.ones((dem.RasterYSize, dem.RasterXSize))
    values[200:210, 200:210] = 1e39
    layer = write_raster(tmp_path / "wide.tif", values, geotransform=(x0 + cell / 2, cell, 0, y0 - cell / 2, 0, -cell),
                         nodata=-9999, dtype=gdal.GDT_Float64)
    scenario = tmp_path / "s.toml"
    scenario.write_text(scenario_text(region) + f'\n[model.evidence.wide]\nfeature = "raster"\npath = "{layer}"\n'
                                                'weight = 0.001\n')
    r = run_minerisk("run", scenario, "-o", tmp_path / "o.nc", "-q")
    assert r.returncode == 2 and r.stderr.count("\n") == 1, r.stderr
    assert f"raster '{layer}' holds " in r.stderr and "e+3" in r.stderr and "beyond the range of float32" in r.stderr
    assert not (tmp_path / "o.nc").exists()
