"""evaluate's capture curve is of the share of the land, by true area as areas measures it: on
a geographic grid a cell near the pole is smaller. It counted cells, so a grid from the equator
to 75 degrees north whose northern half is riskiest gave "10 % of the area holds 10 % of the
items" where that half is 37 % of the land and areas --truth said 13.5 % (a probe)."""
import json

import numpy as np
import pytest
from osgeo import gdal, ogr, osr

from conftest import run_minerisk

gdal.UseExceptions()
ogr.UseExceptions()
ITEMS = [(5.2, 70.1), (10.3, 40.2), (3.3, 10.3), (20.1, 5.2)]  # two in each half


def latitude_grid(tmp_path):
    """20 x 50 cells of 1.5 degrees over 0-30 E, 0-75 N: 0.9 in the northern half, 0.1 south."""
    srs = osr.SpatialReference()
    srs.ImportFromEPSG(4326)
    values = np.full((50, 20), 0.1, np.float32)
    values[:25] = 0.9
    grid = tmp_path / "lat.tif"
    ds = gdal.GetDriverByName("GTiff").Create(str(grid), 20, 50, 1, gdal.GDT_Float32)
    ds.SetGeoTransform((0, 1.5, 0, 75, 0, -1.5))
    ds.SetProjection(srs.ExportToWkt())
    ds.GetRasterBand(1).WriteArray(values)
    ds = None
    truth = tmp_path / "truth.gpkg"
    source = ogr.GetDriverByName("GPKG").CreateDataSource(str(truth))
    layer = source.CreateLayer("devices", srs, ogr.wkbPoint)
    for x, y in ITEMS:
        feature = ogr.Feature(layer.GetLayerDefn())
        feature.SetGeometry(ogr.CreateGeometryFromWkt(f"POINT ({x} {y})"))
        layer.CreateFeature(feature)
    source = None
    return grid, truth


def northern_share():
    """The northern half's share of the land: the ellipsoid's zone areas, by authalic latitude
    (WGS84), brute force over thin bands."""
    e2 = 0.00669437999014
    def band(lat0, lat1, steps=20000):  # area of a band per radian of longitude, up to a constant
        lat = np.radians(np.linspace(lat0, lat1, steps + 1))
        f = np.cos(lat) / (1 - e2 * np.sin(lat) ** 2) ** 2
        return np.sum((f[1:] + f[:-1]) / 2 * np.diff(lat))
    return band(37.5, 75) / band(0, 75)


def test_capture_is_of_the_share_of_true_area_as_areas_measures_it(tmp_path):
    grid, truth = latitude_grid(tmp_path)
    r = run_minerisk("evaluate", grid, "--truth", f"{truth}:devices", "-o", tmp_path / "e.json", "-q")
    assert r.returncode == 0, r.stderr
    evaluation = json.loads((tmp_path / "e.json").read_text())
    north = northern_share()
    assert north == pytest.approx(0.371, abs=0.001)
    # The riskiest 10 % of the land is a part of the northern half, which holds half the items.
    assert evaluation["capture_at_area"]["10%"] == pytest.approx(0.5 * 0.10 / north, rel=1e-4)
    assert evaluation["capture_curve_percent_area"][30] == pytest.approx(0.5 * 0.30 / north, rel=1e-4)
    r = run_minerisk("areas", grid, "-o", tmp_path / "a.gpkg", "--json", tmp_path / "a.json", "-q",
                     "--truth", f"{truth}:devices", "--min-area", "0", "--smooth", "0")
    assert r.returncode == 0, r.stderr
    areas = json.loads((tmp_path / "a.json").read_text())
    assert evaluation["capture_at_area"]["10%"] == pytest.approx(areas["truth"]["capture_at_10_percent_land"], rel=1e-9)
    # ROC-AUC ranks cells, as scikit-learn does: the two halves tie within, each holds two items.
    assert evaluation["roc_auc"] == pytest.approx(0.5, abs=1e-12)
