"""Where a grid's georeferencing ends: longitudes a whole turn away, grids wider than half the
globe (distances are measured within a grid's span), and rasters placed by control points only."""
import json

import numpy as np
from osgeo import gdal, ogr, osr
import pytest

from conftest import run_minerisk, scenario_text
from test_bad_data import geographic_raster
from test_bad_inputs import make_vector


@pytest.mark.parametrize("west, east_of_180", [(179.975, 180.01), (200.0, 200.02)])
def test_explain_takes_a_longitude_a_whole_turn_away(tmp_path, west, east_of_180):
    """A point at -179.99 is the grid's 180.01; explain refused it as outside the grid."""
    grid = geographic_raster(tmp_path / "g.tif", west, 40.0, 50, 50, 0.001)
    cells = set()
    for lon, crs in ((east_of_180, []), (east_of_180 - 360, []), (east_of_180 - 360, ["--crs", "EPSG:4326"])):
        result = run_minerisk("explain", grid, lon, 39.97, "--json", *crs)
        assert result.returncode == 0, result.stderr
        e = json.loads(result.stdout)
        cells.add((e["row"], e["col"]))
    assert cells == {(30, round((east_of_180 - west) / 0.001 - 0.5))}


@pytest.mark.parametrize("cols, cell", [(360, 1.0), (181, 1.0)])
def test_a_grid_wider_than_half_the_globe_is_refused(tmp_path, cols, cell):
    """Distances are measured within the grid's span of longitude: on a grid from -180 to 180 the
    cells either side of its seam were 40,000 km apart (a proximity of 4e7 m, a density of 0)."""
    like = geographic_raster(tmp_path / "like.tif", -180.0, 10.0, cols, 20, cell)
    gpkg = tmp_path / "finds.gpkg"
    make_vector(gpkg, "finds", ogr.wkbPoint, [("POINT (179.5 0.5)", {})], srs_epsg=4326)
    for args in (["proximity", gpkg, tmp_path / "p.tif", "--like", like],
                 ["density", gpkg, tmp_path / "d.tif", "--like", like, "--bandwidth", "10000"],
                 ["slope", like, tmp_path / "s.tif"]):
        result = run_minerisk(*args, "-q")
        assert result.returncode == 2 and "more than the 180 minerisk takes for any grid" in result.stderr, result.stderr
        assert len(result.stderr.splitlines()) == 1
    assert sorted(p.name for p in tmp_path.iterdir()) == ["finds.gpkg", "like.tif"]
    half = geographic_raster(tmp_path / "half.tif", -90.0, 10.0, 180, 20, 1.0)
    assert run_minerisk("proximity", gpkg, tmp_path / "p.tif", "--like", half, "-q").returncode == 0


def test_a_raster_georeferenced_by_control_points_only_is_named_so(region, tmp_path):
    """A scanned map with GCPs has a CRS for them but no geotransform; it was called 'no CRS'."""
    gcp = tmp_path / "gcp.tif"
    ds = gdal.GetDriverByName("GTiff").Create(str(gcp), 20, 20, 1, gdal.GDT_Float32)
    ds.GetRasterBand(1).WriteArray(np.arange(400, dtype=np.float32).reshape(20, 20))
    srs = osr.SpatialReference()
    srs.ImportFromEPSG(32638)
    ds.SetGCPs([gdal.GCP(5e5 + 10 * c, 44e5 - 10 * r, 0, c, r) for c, r in ((0, 0), (20, 0), (0, 20), (20, 20))],
               srs.ExportToWkt())
    ds = None
    scenario = tmp_path / "scenario.toml"
    scenario.write_text(scenario_text(region, dem=gcp))
    for args in (["slope", gcp, tmp_path / "s.tif"], ["explain", gcp, 500050, 4399950],
                 ["run", scenario, "-o", tmp_path / "out.nc"]):
        result = run_minerisk(*args, "-q")
        assert result.returncode == 2 and "4 ground control points, not a geotransform" in result.stderr, result.stderr
        assert "gdalwarp" in result.stderr and len(result.stderr.splitlines()) == 1


def test_a_layer_tens_of_kilometres_off_a_grid_near_the_pole_is_used(tmp_path):
    """At 78 degrees north a degree of longitude is 23 km: a road 30 km east of a small grid was
    refused as 'far outside the grid', where 100 km is allowed on a projected grid."""
    like = geographic_raster(tmp_path / "like.tif", 15.0, 78.05, 50, 50, 0.001)
    for km, used in ((30, True), (200, False)):
        lon = 15.05 + km / 23.2
        gpkg = tmp_path / f"road_{km}km.gpkg"
        make_vector(gpkg, "roads", ogr.wkbLineString, [(f"LINESTRING ({lon} 78.0, {lon} 78.05)", {})], srs_epsg=4326)
        result = run_minerisk("proximity", gpkg, tmp_path / f"d{km}.tif", "--like", like, "-q")
        if used:
            assert result.returncode == 0, result.stderr
        else:
            assert result.returncode == 2 and "far outside the grid" in result.stderr, result.stderr
