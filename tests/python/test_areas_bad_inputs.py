"""`minerisk areas` against what an adversarial probe tried: its inputs never overwritten (the
evidence file beside the grid included), no output into /dev, field names of an IMSMA export
that clash with the figures' without regard to case, costs that are infinite or missing on part
of an area, an explicit nan for an option, a capture share of nothing, and stderr kept clean of
HDF5's messages when threads read the grid."""
import csv
import json
import os
import shutil

import numpy as np
import pytest
from osgeo import gdal, ogr, osr

from areas_helpers import X0, Y0, bumps, run_areas, srs_wkt, write_grid
from conftest import generate_sample, run_minerisk

gdal.UseExceptions()
BLOBS = [(20, 20, 0.9, 5.0), (40, 60, 0.4, 6.0), (50, 15, 0.3, 1.5)]  # as test_areas_reference.py


def one_line_error(r, *words):
    assert r.returncode == 2 and r.stderr.startswith("minerisk: error: ") and r.stderr.count("\n") == 1, r.stderr
    for w in words:
        assert w in r.stderr, r.stderr


@pytest.fixture(scope="module")
def demo_grid(tmp_path_factory):
    folder = tmp_path_factory.mktemp("bad_areas")
    generate_sample.generate(str(folder / "region"), seed=5, size=300, cell=10.0)
    grid = folder / "g.nc"
    assert run_minerisk("run", folder / "region" / "scenario.toml", "-o", grid, "-q").returncode == 0
    return grid


def test_the_evidence_file_beside_the_grid_is_an_input(demo_grid, tmp_path):
    evidence = demo_grid.with_name("g_evidence.nc")
    before = evidence.read_bytes()
    for option in ("--json", "--csv"):
        r = run_minerisk("areas", demo_grid, "-o", tmp_path / "a.gpkg", option, evidence, "--overwrite")
        one_line_error(r, "is the input")
    assert evidence.read_bytes() == before


def test_no_output_goes_into_dev(demo_grid, tmp_path):
    r = run_minerisk("areas", demo_grid, "-o", tmp_path / "a.gpkg", "--json", "/dev/stdout", "--overwrite")
    one_line_error(r, "/dev")
    assert os.path.islink("/dev/stdout")


def test_imsma_field_names_that_clash_without_case_are_renamed(tmp_path):
    grid = write_grid(tmp_path / "g.tif", bumps(60, 80, BLOBS))
    path = tmp_path / "sha.gpkg"
    ds = ogr.GetDriverByName("GPKG").CreateDataSource(str(path))
    layer = ds.CreateLayer("sha", osr.SpatialReference(wkt=srs_wkt(32638)), ogr.wkbPolygon)
    names = ["ID", "Class", "AREA_HA", "rank", "src_rank", "FID_2", "Geom_x", ""]
    for n in names[:-1]:
        layer.CreateField(ogr.FieldDefn(n, ogr.OFTString))
    square = ogr.CreateGeometryFromWkt(f"POLYGON(({X0 + 100} {Y0 - 100},{X0 + 300} {Y0 - 100},{X0 + 300} {Y0 - 300},"
                                       f"{X0 + 100} {Y0 - 300},{X0 + 100} {Y0 - 100}))")
    f = ogr.Feature(layer.GetLayerDefn())
    for n in names[:-1]:
        f.SetField(n, f"value of {n}")
    f.SetGeometry(square)
    layer.CreateFeature(f)
    ds = None
    r, result, gpkg = run_areas(grid, tmp_path, "--polygons", f"{path}:sha", "--csv", tmp_path / "a.csv")
    assert r.returncode == 0, r.stderr
    out_ds = ogr.Open(str(gpkg))  # kept while its layer is read
    out = out_ds.GetLayerByName("areas")
    defn = out.GetLayerDefn()
    columns = [defn.GetFieldDefn(i).GetName() for i in range(defn.GetFieldCount())]
    assert len({c.lower() for c in columns}) == len(columns)
    row = out.GetNextFeature().items()
    kept = {v for k, v in row.items() if isinstance(v, str) and v.startswith("value of")}
    assert kept == {f"value of {n}" for n in names[:-1]}
    assert {"src_ID", "src_Class", "src_AREA_HA", "src_rank", "src_src_rank"} <= set(columns)
    with open(tmp_path / "a.csv", newline="") as f:
        header = next(csv.reader(f))
    assert [c for c in header if c.startswith("src_") or c in ("FID_2", "Geom_x")] == \
        [c for c in columns if c.startswith("src_") or c in ("FID_2", "Geom_x")]


def write_cost(path, values):
    return write_grid(path, values.astype(np.float32))


@pytest.mark.parametrize("bad", ["inf", "hole"])
def test_a_cost_that_is_infinite_or_missing_on_part_of_an_area_is_refused(tmp_path, bad):
    p = bumps(60, 80, BLOBS)
    grid = write_grid(tmp_path / "g.tif", p)
    cost = np.full(p.shape, 100.0)
    if bad == "inf":
        cost[:] = np.inf
    else:
        r, c = np.unravel_index(np.argmax(p), p.shape)
        cost[r - 1:r + 2, c - 1:c + 2] = np.nan  # inside the strongest blob
    r, _, _ = run_areas(grid, tmp_path, "--cost", write_cost(tmp_path / "cost.tif", cost), "--budget", "1000")
    # An infinity is refused as the raster is read, as in every raster; a hole by areas itself.
    one_line_error(r, "--cost", "holds an infinite value" if bad == "inf" else "finite cost")


@pytest.mark.parametrize("option", ["--t1", "--smooth", "--budget-ha", "--min-area", "--capture-t1"])
def test_an_explicit_nan_is_refused_not_taken_for_the_default(tmp_path, option):
    grid = write_grid(tmp_path / "g.tif", bumps(60, 80, BLOBS))
    r, _, _ = run_areas(grid, tmp_path, option, "nan")
    one_line_error(r, "not a number")


def test_a_capture_share_of_a_grid_without_contamination(tmp_path):
    grid = write_grid(tmp_path / "g.tif", np.zeros((30, 30), np.float32))
    r, _, _ = run_areas(grid, tmp_path, "--capture-t1", "0.9")
    one_line_error(r, "no expected contamination")


def test_threads_reading_the_grid_leave_stderr_clean(demo_grid, tmp_path):
    region = demo_grid.parent / "region" / "region.gpkg"
    for threads in (2, 8):
        r = run_minerisk("areas", demo_grid, "-o", tmp_path / "a.gpkg", "--overwrite", "-q", "--threads", threads,
                         "--polygons", f"{region}:records", "--reduce")
        assert r.returncode == 0 and r.stderr == "" and r.stdout == "", r.stderr[:2000]


def test_a_file_of_several_layers_names_them_and_the_way_to_choose(demo_grid, tmp_path):
    """On the command line a layer is chosen as PATH:LAYER (evaluate: --layer), not with a
    scenario's layer = "..."."""
    region = demo_grid.parent / "region" / "region.gpkg"
    for option in ("--truth", "--polygons"):
        r = run_minerisk("areas", demo_grid, "-o", tmp_path / "a.gpkg", option, region)
        one_line_error(r, f"{option}: '{region}' holds", "finds", "choose one as PATH:LAYER")
        assert 'layer = "' not in r.stderr
    r = run_minerisk("evaluate", demo_grid, "--truth", region)
    one_line_error(r, "choose one as PATH:LAYER (evaluate: or with --layer)")
    # evaluate takes PATH:LAYER as areas does, with the figures of --layer.
    reports = []
    for k, truth in enumerate(([f"{region}:finds"], [region, "--layer", "finds"])):
        r = run_minerisk("evaluate", demo_grid, "--truth", *truth, "-o", tmp_path / f"e{k}.json", "-q")
        assert r.returncode == 0, r.stderr
        reports.append(json.loads((tmp_path / f"e{k}.json").read_text()))
    assert reports[0]["roc_auc"] == reports[1]["roc_auc"] and reports[0]["true_items"] == reports[1]["true_items"] > 0


@pytest.mark.parametrize("smooth", ["1e300", "1e7"])
def test_a_smoothing_wider_than_the_grid_is_refused(tmp_path, smooth):
    """--smooth 1e300 ended in GEOS's TopologyException as an internal error (exit 1)."""
    grid = write_grid(tmp_path / "g.tif", bumps(60, 80, BLOBS))
    r, _, _ = run_areas(grid, tmp_path, "--smooth", smooth)
    one_line_error(r, "--smooth", "wider than the grid")


@pytest.mark.parametrize("name", ['q"uote.nc', "back\\slash.nc"])
def test_a_grid_name_gdals_netcdf_driver_cannot_open_is_named(demo_grid, tmp_path, name):
    """It said "cannot be read as a grid", as if the file were not one."""
    grid = tmp_path / name
    shutil.copyfile(demo_grid, grid)
    for args in (["areas", grid, "-o", tmp_path / "a.gpkg"], ["explain", grid, "0", "0"]):
        one_line_error(run_minerisk(*args), "double quote or a backslash; rename the file")


def test_a_weighted_criterion_an_area_lacks_is_refused(demo_grid, tmp_path):
    """--slope-weight took a slope it could not compute as 0 (flat): areas outside a DEM that
    covers part of the grid, or every area when the scenario's DEM was moved or the grid is a
    GeoTIFF, rose in the ranking without a word; so did a missing impact. Refused, naming the area."""
    dem = demo_grid.parent / "region" / "dem.tif"
    half = tmp_path / "dem_west.tif"
    source = gdal.Open(str(dem))
    gdal.Translate(str(half), source, srcWin=[0, 0, source.RasterXSize // 4, source.RasterYSize])
    r = run_minerisk("areas", demo_grid, "-o", tmp_path / "a.gpkg", "--min-area", "0.05", "--dem", half,
                     "--slope-weight", "1", "-q")
    one_line_error(r, "--slope-weight: area ", "has no slope: it lies outside the DEM", "dem_west.tif")
    assert not (tmp_path / "a.gpkg").exists()
    # The same grid as a GeoTIFF: no scenario, so no DEM, unless --dem gives one.
    tif = tmp_path / "p.tif"
    gdal.Translate(str(tif), gdal.Open(f'NETCDF:"{demo_grid}":probability'))
    r = run_minerisk("areas", tif, "-o", tmp_path / "a.gpkg", "--slope-weight", "1", "-q")
    one_line_error(r, "--slope-weight needs a DEM", "give --dem RASTER")
    r = run_minerisk("areas", tif, "-o", tmp_path / "a.gpkg", "--slope-weight", "1", "--dem", dem, "-q")
    assert r.returncode == 0, r.stderr
    # An impact raster over part of the grid.
    impact = tmp_path / "impact_west.tif"
    west = gdal.GetDriverByName("GTiff").CreateCopy(str(impact), gdal.Open(str(half)))
    west.GetRasterBand(1).WriteArray(np.ones((west.RasterYSize, west.RasterXSize), np.float32))
    west = None
    r = run_minerisk("areas", demo_grid, "-o", tmp_path / "b.gpkg", "--min-area", "0.05", "--impact", impact,
                     "--impact-weight", "1", "-q")
    one_line_error(r, "--impact-weight: area ", "has no impact: it lies outside", "impact_west.tif")
    # A given polygon on no cell of the grid (class no_data) has no figures at all, and ranks
    # last whatever the weights: not refused.
    ds = gdal.Open(f'NETCDF:"{demo_grid}":probability')
    x0, dx, _, y0, _, dy = ds.GetGeoTransform()
    given = tmp_path / "given.gpkg"
    out = ogr.GetDriverByName("GPKG").CreateDataSource(str(given))
    layer = out.CreateLayer("records", osr.SpatialReference(wkt=ds.GetProjection()), ogr.wkbPolygon)
    for xa, ya in ((x0 + 50 * dx, y0 + 50 * dy), (x0 - 5000, y0 + 5000)):  # on the grid, and far off it
        f = ogr.Feature(layer.GetLayerDefn())
        f.SetGeometry(ogr.CreateGeometryFromWkt(
            f"POLYGON (({xa} {ya}, {xa + 200} {ya}, {xa + 200} {ya - 200}, {xa} {ya - 200}, {xa} {ya}))"))
        layer.CreateFeature(f)
    out = None
    r = run_minerisk("areas", demo_grid, "-o", tmp_path / "g.gpkg", "--polygons", given, "--slope-weight", "5", "-q")
    assert r.returncode == 0, r.stderr
    written = ogr.Open(str(tmp_path / "g.gpkg"))  # kept: its layer dies with it
    rows = sorted((f.GetField("rank"), f.GetField("class")) for f in written.GetLayer("areas"))
    assert rows[-1][1] == "no_data" and rows[0][1] != "no_data", rows  # last, though the other's priority is below 0
    # Without the weights, the figures stay blank where there are none, as before.
    r = run_minerisk("areas", demo_grid, "-o", tmp_path / "b.gpkg", "--min-area", "0.05", "--dem", half, "--impact", impact,
                     "-q")
    assert r.returncode == 0, r.stderr


def test_overlapping_polygons_are_measured_and_an_empty_grid_has_no_share(demo_grid, tmp_path):
    """Given polygons are each scored in full; a duplicated record then put its land in the
    shares and a budget twice (a share of 200 %) without saying how much land that was. The JSON
    and the table now give the land in two polygons or more. And a grid of zeros printed 'nan %'."""
    ds = gdal.Open(f'NETCDF:"{demo_grid}":probability')
    x0, dx, _, y0, _, dy = ds.GetGeoTransform()
    polygons = tmp_path / "dup.gpkg"
    out = ogr.GetDriverByName("GPKG").CreateDataSource(str(polygons))
    srs = osr.SpatialReference(wkt=ds.GetProjection())
    layer = out.CreateLayer("records", srs, ogr.wkbPolygon)
    # Two copies of a 40 x 40 cell square, and one of 20 x 20 cells apart from it: 1600 cells shared.
    for c0, r0, n in ((10, 10, 40), (10, 10, 40), (100, 100, 20)):
        xa, xb, ya, yb = x0 + c0 * dx, x0 + (c0 + n) * dx, y0 + r0 * dy, y0 + (r0 + n) * dy
        f = ogr.Feature(layer.GetLayerDefn())
        f.SetGeometry(ogr.CreateGeometryFromWkt(f"POLYGON (({xa} {ya}, {xb} {ya}, {xb} {yb}, {xa} {yb}, {xa} {ya}))"))
        layer.CreateFeature(f)
    out = None
    r = run_minerisk("areas", demo_grid, "-o", tmp_path / "a.gpkg", "--polygons", polygons, "--json", tmp_path / "a.json")
    assert r.returncode == 0, r.stderr
    summary = json.loads((tmp_path / "a.json").read_text())
    assert summary["overlap_ha"] == pytest.approx(1600 * abs(dx * dy) / 1e4)
    assert "of it in two polygons or more" in r.stdout, r.stdout
    zero = tmp_path / "zero.tif"
    z = gdal.GetDriverByName("GTiff").CreateCopy(str(zero), ds)
    z.GetRasterBand(1).Fill(0)
    z = None
    r = run_minerisk("areas", zero, "-o", tmp_path / "z.gpkg", "--budget-ha", "10")
    assert r.returncode == 0 and "none of the expected contamination (the grid holds none)" in r.stdout, r.stdout + r.stderr
    assert "nan" not in r.stdout


def test_the_geopackage_extension_in_any_case(demo_grid, tmp_path):
    """UP.GPKG was refused as 'does not end in .gpkg' (map and report take .PDF and .HTML), and
    '.gpkg' alone, a name without a stem, was said not to end in .gpkg."""
    r = run_minerisk("areas", demo_grid, "-o", tmp_path / "UP.GPKG", "-q")
    assert r.returncode == 0, r.stderr
    assert ogr.Open(str(tmp_path / "UP.GPKG")).GetDriver().GetName() == "GPKG"
    one_line_error(run_minerisk("areas", demo_grid, "-o", tmp_path / ".gpkg"), "has no name before .gpkg")
    one_line_error(run_minerisk("areas", demo_grid, "-o", tmp_path / "a.shp"), "does not end in .gpkg")
