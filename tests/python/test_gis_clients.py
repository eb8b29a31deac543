"""The demo's output in the real clients a planner or researcher uses, each opened by the plain
file name as a drag-and-drop or a first command would: QGIS (PyQGIS, headless), rioxarray,
gdalinfo, gdal_translate -of COG and gdalwarp. Each client's test is skipped only when its
package is absent (scripts/setup installs them all)."""
import importlib.util
import json
import os
import subprocess

import pytest
from osgeo import gdal, osr

from conftest import evidence_of

gdal.UseExceptions()
PYTHON = "/usr/bin/python3"


@pytest.fixture(scope="module")
def demo(demo_folder):
    """What scripts/demo makes: the sample region's DEM and out/sample.nc (conftest's demo_folder)."""
    return demo_folder / "sample" / "dem.tif", demo_folder / "sample.nc"


def dem_crs_and_extent(dem):
    ds = gdal.Open(str(dem))
    gt = ds.GetGeoTransform()
    extent = (gt[0], gt[3] + gt[5] * ds.RasterYSize, gt[0] + gt[1] * ds.RasterXSize, gt[3])
    return ds.GetProjection(), extent


QGIS_SCRIPT = r"""
import json, os, sys
from qgis.core import (QgsApplication, QgsProviderRegistry, QgsProviderSublayerDetails, QgsProject,
                       QgsMapLayerType, QgsRasterLayer)
app = QgsApplication([], False)
app.initQgis()
results = []
for path in sys.argv[1:]:
    # What a drag-and-drop does in QGIS 3.22: ask the providers for the file's sublayers, then
    # load each raster one (QGIS asks which when there are several).
    details = QgsProviderRegistry.instance().querySublayers(path)
    options = QgsProviderSublayerDetails.LayerOptions(QgsProject.instance().transformContext())
    for d in details:
        if d.type() != QgsMapLayerType.RasterLayer:
            continue
        layer = d.toLayer(options)
        e = layer.extent()
        results.append({"file": path, "uri": d.uri(), "valid": layer.isValid(), "wkt": layer.crs().toWkt(),
                        "extent": [e.xMinimum(), e.yMinimum(), e.xMaximum(), e.yMaximum()],
                        "bands": layer.bandCount()})
        del layer
    # And a plain QgsRasterLayer of the path, as a script or a processing tool would make it.
    plain = QgsRasterLayer(path, "plain")
    results.append({"file": path, "uri": "plain", "valid": plain.isValid()})
    del plain
    details = options = None
print(json.dumps(results))
app.exitQgis()
"""


@pytest.mark.skipif(importlib.util.find_spec("qgis") is None, reason="python3-qgis is not installed")
def test_qgis_opens_the_grid_and_its_evidence_by_their_plain_names(demo, tmp_path):
    dem, out = demo
    wkt, extent = dem_crs_and_extent(dem)
    script = tmp_path / "qgis_open.py"
    script.write_text(QGIS_SCRIPT)
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen", "XDG_RUNTIME_DIR": str(tmp_path)}
    # QGIS only reads the files: under scripts/sanitize it runs without the ASan runtime that
    # the Python module needs, which would check Qt's and QGIS's own memory instead of ours.
    env.pop("LD_PRELOAD", None)
    r = subprocess.run([PYTHON, str(script), str(out), str(evidence_of(out))], capture_output=True, text=True,
                       env=env, timeout=300)
    assert r.returncode == 0, r.stderr[-3000:]
    results = json.loads(r.stdout.strip().splitlines()[-1])
    expected = osr.SpatialReference(wkt=wkt)
    grid = [x for x in results if x["file"] == str(out)]
    layers = [x for x in results if x["file"] == str(evidence_of(out)) and x["uri"] != "plain"]
    # The grid: one raster, valid whether dropped or opened by its name.
    assert [x["valid"] for x in grid] == [True] * len(grid) and len(grid) >= 2
    # The evidence file: one valid layer per evidence layer of the scenario.
    assert sorted(x["uri"].rsplit(":", 1)[1] for x in layers) == ["clearance", "finds", "front_lines", "records", "slope"]
    for x in [g for g in grid if g["uri"] != "plain"] + layers:
        assert x["valid"], x
        assert osr.SpatialReference(wkt=x["wkt"]).IsSame(expected), x["uri"]
        assert x["extent"] == pytest.approx(extent, abs=1e-6), x["uri"]
        assert x["bands"] == 1


@pytest.mark.skipif(importlib.util.find_spec("rioxarray") is None, reason="python3-rioxarray is not installed")
def test_rioxarray_finds_the_crs_with_a_plain_open_dataset(demo):
    import rioxarray  # noqa: F401 - registers the .rio accessor
    import xarray as xr

    dem, out = demo
    dem_ds = gdal.Open(str(dem))
    expected = osr.SpatialReference(wkt=dem_ds.GetProjection())
    for path in (out, evidence_of(out)):
        with xr.open_dataset(path) as ds:
            assert ds.rio.crs is not None, path
            assert osr.SpatialReference(wkt=ds.rio.crs.to_wkt()).IsSame(expected)
            for name in ds.data_vars:
                assert ds[name].rio.crs == ds.rio.crs, name
                assert tuple(ds[name].rio.transform())[:6] == pytest.approx(
                    [dem_ds.GetGeoTransform()[i] for i in (1, 2, 0, 4, 5, 3)]), name


def test_gdalinfo_translate_to_cog_and_warp_take_the_plain_name(demo, tmp_path):
    from osgeo_utils.samples.validate_cloud_optimized_geotiff import validate

    dem, out = demo
    wkt, extent = dem_crs_and_extent(dem)
    info = json.loads(subprocess.run(["gdalinfo", "-json", str(out)], check=True, capture_output=True,
                                     text=True).stdout)
    assert info["size"] == [gdal.Open(str(dem)).RasterXSize, gdal.Open(str(dem)).RasterYSize]
    assert osr.SpatialReference(wkt=info["coordinateSystem"]["wkt"]).IsSame(osr.SpatialReference(wkt=wkt))
    assert info["geoTransform"] == pytest.approx(list(gdal.Open(str(dem)).GetGeoTransform()))
    cog = tmp_path / "probability_cog.tif"
    subprocess.run(["gdal_translate", "-q", "-of", "COG", str(out), str(cog)], check=True)
    warnings, errors, _ = validate(str(cog), full_check=True)
    assert errors == [], errors
    assert gdal.Open(str(cog)).GetRasterBand(1).GetOverviewCount() >= 1
    warped = tmp_path / "lonlat.tif"
    subprocess.run(["gdalwarp", "-q", "-t_srs", "EPSG:4326", str(out), str(warped)], check=True)
    w = gdal.Open(str(warped))
    assert osr.SpatialReference(wkt=w.GetProjection()).GetAuthorityCode(None) == "4326"
    stats = w.GetRasterBand(1).ComputeStatistics(False)
    assert 0 <= stats[0] and stats[1] <= 1 and stats[1] > 0.1


@pytest.mark.skipif(importlib.util.find_spec("qgis") is None, reason="python3-qgis is not installed")
def test_qgis_shows_which_grid_the_areas_were_made_from(demo, tmp_path):
    """The areas' run id was only in the GeoPackage's metadata, which no page of QGIS 3.22's layer
    properties shows; the README said it did. It is now in the layer's description, its abstract."""
    from conftest import run_minerisk
    _, grid = demo
    areas = tmp_path / "areas.gpkg"
    assert run_minerisk("areas", grid, "-o", areas, "-q").returncode == 0
    script = tmp_path / "abstract.py"
    script.write_text("import os, sys\nfrom qgis.core import QgsApplication, QgsVectorLayer\n"
                      "app = QgsApplication([], False)\napp.initQgis()\n"
                      "layer = QgsVectorLayer(sys.argv[1] + '|layername=areas', 'areas', 'ogr')\n"
                      "print(layer.isValid(), layer.metadata().abstract(), flush=True)\nos._exit(0)\n")
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen", "XDG_RUNTIME_DIR": str(tmp_path)}
    env.pop("LD_PRELOAD", None)
    r = subprocess.run([PYTHON, str(script), str(areas)], capture_output=True, text=True, env=env, timeout=300)
    run_id = gdal.Open(f'NETCDF:"{grid}":probability').GetMetadataItem("NC_GLOBAL#run_id")
    assert run_id and r.stdout.strip().endswith(f"from the grid of run {run_id} (variable probability)"), r.stdout
    assert r.stdout.startswith("True ")
