"""Grids one cell wide or high, and the raster tools' netCDF as rioxarray places it.

GDAL's netCDF driver warns "1-pixel width/height files not supported" of any netCDF grid one cell
wide or high, then reads the geotransform the file records. minerisk took that warning as a
damaged file: `run` wrote a 7 x 1 grid that areas, map, report and evaluate then called
unreadable, and `slope -of netCDF` refused the format (a probe). And the tools' netCDF was
written bottom-up beside a top-left GeoTransform attribute, which rioxarray placed upside down."""
import json
import subprocess

import numpy as np
import pytest
import xarray
from osgeo import gdal

from conftest import run_minerisk, scenario_text

gdal.UseExceptions()


def gdalinfo(path):
    """gdalinfo -json: GDAL's netCDF driver is not opened in this process, where xarray's is."""
    return json.loads(subprocess.run(["gdalinfo", "-json", str(path)], check=True, capture_output=True, text=True).stdout)


def small_dem(region, path, width, height, cell=(10.0, -10.0)):
    """A DEM of width x height cells inside the sample region, at a corner off the 10 m lattice."""
    sample = gdal.Open(str(region / "dem.tif"))
    gt = sample.GetGeoTransform()
    ds = gdal.GetDriverByName("GTiff").Create(str(path), width, height, 1, gdal.GDT_Float32)
    ds.SetGeoTransform((gt[0] + 1003.7, cell[0], 0, gt[3] - 2002.7, 0, cell[1]))
    ds.SetProjection(sample.GetProjection())
    ds.GetRasterBand(1).WriteArray(np.arange(width * height, dtype=np.float32).reshape(height, width) * 3 + 100)
    ds = None
    return path


@pytest.mark.parametrize("width, height", [(7, 1), (1, 7), (1, 1)])
def test_a_grid_one_cell_wide_or_high_is_read_back(region, tmp_path, write_scenario, width, height):
    dem = small_dem(region, tmp_path / "dem.tif", width, height)
    s = write_scenario(scenario_text(region, dem=dem))
    out = tmp_path / "p.nc"
    assert run_minerisk("run", s, "-o", out, "-q").returncode == 0
    geotransform = gdal.Open(str(dem)).GetGeoTransform()
    assert gdalinfo(out)["geoTransform"] == pytest.approx(geotransform)
    for args in (["areas", out, "-o", tmp_path / "a.gpkg"], ["map", out, "-o", tmp_path / "m.png"],
                 ["report", out, "-o", tmp_path / "r.html"], ["diff", out, out, "-o", tmp_path / "d.tif"],
                 ["slope", dem, tmp_path / "slope.nc"]):
        r = run_minerisk(*args, "-q")
        assert r.returncode == 0, (args[0], r.stderr)
    written = gdalinfo(tmp_path / "slope.nc")
    assert written["geoTransform"] == pytest.approx(geotransform) and written["size"] == [width, height]


def test_a_tool_netcdf_is_placed_by_rioxarray_as_gdal_places_it(region, tmp_path):
    import rioxarray  # noqa: F401 - registers .rio

    dem = small_dem(region, tmp_path / "dem.tif", 40, 30, cell=(20.0, -30.0))
    out, tif = tmp_path / "slope.nc", tmp_path / "slope.tif"
    for path in (out, tif):
        assert run_minerisk("slope", dem, path, "-q").returncode == 0
    written = gdal.Open(str(tif))  # kept open while its band is read
    band = written.GetRasterBand(1)
    values = band.ReadAsArray()
    with xarray.open_dataset(out, decode_coords="all") as ds:
        assert ds.slope.rio.transform().to_gdal() == pytest.approx(gdal.Open(str(dem)).GetGeoTransform())
        # The rows in the GeoTIFF's order, the first the northern one.
        assert np.array_equal(ds.slope.values, np.where(values == band.GetNoDataValue(), np.nan, values), equal_nan=True)


def test_a_cf_grid_one_cell_wide_without_a_geotransform_is_said_unplaceable_not_damaged(region, tmp_path):
    """xarray's CF file records coordinates only, from which GDAL cannot take a cell size of one:
    the message said "damaged or truncated; replace it with a good copy" (a review)."""
    from osgeo import osr

    srs = osr.SpatialReference()
    srs.ImportFromEPSG(32638)
    x = xarray.DataArray([645888.7], dims="x", attrs={"standard_name": "projection_x_coordinate", "units": "m"})
    y = xarray.DataArray(4408112.3 - 10 * np.arange(7), dims="y",
                         attrs={"standard_name": "projection_y_coordinate", "units": "m"})
    elevation = xarray.DataArray(np.arange(7, dtype=np.float32).reshape(7, 1), dims=("y", "x"),
                                 coords={"x": x, "y": y}, attrs={"grid_mapping": "crs"})
    crs = xarray.DataArray(0, attrs={"grid_mapping_name": "transverse_mercator", "crs_wkt": srs.ExportToWkt()})
    xarray.Dataset({"elevation": elevation, "crs": crs}).to_netcdf(tmp_path / "strip.nc")
    for args in (["slope", tmp_path / "strip.nc", tmp_path / "s.tif"], ["areas", tmp_path / "strip.nc", "-o", tmp_path / "a.gpkg"]):
        r = run_minerisk(*args, "-q")
        assert r.returncode == 2 and r.stderr.count("\n") == 1, r.stderr
        assert "GDAL cannot place a netCDF grid one cell wide or high that records no GeoTransform" in r.stderr, r.stderr
        assert "damaged" not in r.stderr
