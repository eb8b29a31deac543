"""A layer named on the command line as PATH:LAYER, by areas, map and evaluate alike: split at the
first colon whose PATH exists, so a folder of shapefiles, a /vsizip/ member and a layer name
holding a colon work, and a GDAL raster name (NETCDF:"f.nc":var) stays whole."""
import json
import shutil
import zipfile

from osgeo import gdal

from conftest import run_minerisk

gdal.UseExceptions()


def scores(grid, truth, tmp_path, *more):
    r = run_minerisk("evaluate", grid, "--truth", truth, *more, "-q", "--overwrite", "-o", tmp_path / "e.json")
    assert r.returncode == 0, r.stderr
    return json.loads((tmp_path / "e.json").read_text())


def test_every_way_of_naming_the_layer_scores_the_same(demo_folder, tmp_path):
    grid, truth = demo_folder / "sample.nc", demo_folder / "sample" / "truth.gpkg"
    expected = scores(grid, truth, tmp_path, "--layer", "devices")
    gdal.VectorTranslate(str(tmp_path / "shp"), str(truth), format="ESRI Shapefile", layers=["devices"])
    gdal.VectorTranslate(str(tmp_path / "ns.gpkg"), str(truth), layers=["devices"], layerName="ns:mines")
    shutil.copy(truth, tmp_path / "truth.gpkg")
    with zipfile.ZipFile(tmp_path / "t.zip", "w") as z:
        z.write(tmp_path / "truth.gpkg", "truth.gpkg")
    for name in (f"{truth}:devices", f"{tmp_path / 'shp'}:devices", f"/vsizip/{tmp_path / 't.zip'}/truth.gpkg:devices",
                 f"{tmp_path / 'ns.gpkg'}:ns:mines"):
        got = scores(grid, name, tmp_path)
        assert (got["roc_auc"], got["true_items"]) == (expected["roc_auc"], expected["true_items"]), name
    assert got["truth"] == str(tmp_path / "ns.gpkg") and got["truth_layer"] == "ns:mines"
    r = run_minerisk("areas", grid, "-o", tmp_path / "a.gpkg", "--truth", f"{tmp_path / 'ns.gpkg'}:ns:mines", "-q")
    assert r.returncode == 0, r.stderr
    r = run_minerisk("evaluate", grid, "--truth", f"{truth}:", "-q", "-o", tmp_path / "x.json")
    assert r.returncode == 2 and "names no layer after the colon" in r.stderr, r.stderr


def test_python_evaluate_records_the_truth_as_it_was_read(demo_folder):
    import minerisk
    result = minerisk.evaluate(demo_folder / "sample.nc", f"{demo_folder / 'sample' / 'truth.gpkg'}:devices")
    assert (result["truth"], result["truth_layer"]) == (str(demo_folder / "sample" / "truth.gpkg"), "devices")
