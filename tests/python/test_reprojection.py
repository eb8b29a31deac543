"""A DEM in EPSG:4326 with vector layers in UTM, run on a UTM grid, matches the all-UTM run."""
import re
import subprocess

import h5py
import numpy as np
from osgeo import gdal

from conftest import run_minerisk, scenario_text, evidence_of

gdal.UseExceptions()


def test_geographic_dem_onto_a_utm_grid(region, tmp_path, write_scenario):
    dem_utm = gdal.Open(str(region / "dem.tif"))
    gt = dem_utm.GetGeoTransform()
    xmin, ymax = gt[0], gt[3]
    xmax, ymin = xmin + gt[1] * dem_utm.RasterXSize, ymax + gt[5] * dem_utm.RasterYSize
    # The same DEM in geographic coordinates, at about the same resolution (0.0001 degree).
    dem_geo = tmp_path / "dem_4326.tif"
    subprocess.run(["gdalwarp", "-q", "-t_srs", "EPSG:4326", "-r", "bilinear", "-tr", "0.0001", "0.0001",
                    "-dstnodata", "-9999", str(region / "dem.tif"), str(dem_geo)], check=True)
    assert "4326" in gdal.Open(str(dem_geo)).GetSpatialRef().GetAuthorityCode(None)

    grid = f"""
[grid]
crs = "EPSG:32638"
resolution = 10
bounds = [{xmin}, {ymin}, {xmax}, {ymax}]
"""
    utm = tmp_path / "utm.nc"
    geo = tmp_path / "geo.nc"
    # Evidence as computed (float32): the layers are compared as features.
    r1 = run_minerisk("run", write_scenario(scenario_text(region), "utm.toml"), "-o", utm, "--quiet", "--evidence",
                      "float32")
    r2 = run_minerisk("run", write_scenario(scenario_text(region, grid=grid, dem=dem_geo), "geo.toml"), "-o", geo,
                      "--quiet", "--evidence", "float32")
    assert r1.returncode == 0, r1.stderr
    assert r2.returncode == 0, r2.stderr

    with h5py.File(utm, "r") as a, h5py.File(geo, "r") as b, \
            h5py.File(evidence_of(utm), "r") as ea, h5py.File(evidence_of(geo), "r") as eb:
        assert np.array_equal(a["x"][:], b["x"][:]) and np.array_equal(a["y"][:], b["y"][:])
        pa, pb = a["probability"][:], b["probability"][:]
        fa, fb = ea["front_lines"][:], eb["front_lines"][:]
        sa, sb = ea["slope"][:] / -0.04, eb["slope"][:] / -0.04
    both = np.isfinite(pa) & np.isfinite(pb)
    assert both.mean() > 0.95
    # Layers that do not depend on the DEM are identical: same vectors, same grid.
    assert np.array_equal(fa[both], fb[both])
    # The DEM went to degrees and back through two bilinear resamplings, which smooth this rough
    # synthetic terrain by about a metre: slope differs a little, the probability very little,
    # and nothing is shifted (a misaligned grid would decorrelate the rough slope field).
    diff = np.abs(pa - pb)[both]
    assert np.median(diff) < 0.005, np.median(diff)
    assert np.percentile(diff, 99) < 0.1, np.percentile(diff, 99)
    assert np.corrcoef(sa[both], sb[both])[0, 1] > 0.9, np.corrcoef(sa[both], sb[both])[0, 1]

    # The DEM warp itself against gdalwarp on the same grid: gdaldem's slope of gdalwarp's result
    # equals our slope layer. (gdalwarp sizes its bilinear kernel per chunk, we once per grid,
    # so a few cells differ by a fraction of a degree.)
    warped = tmp_path / "dem_back.tif"
    slope_tif = tmp_path / "slope_back.tif"
    subprocess.run(["gdalwarp", "-q", "-t_srs", "EPSG:32638", "-r", "bilinear", "-te", str(xmin), str(ymin), str(xmax),
                    str(ymax), "-tr", "10", "10", "-et", "0", "-dstnodata", "-9999", str(dem_geo), str(warped)],
                   check=True)
    subprocess.run(["gdaldem", "slope", "-compute_edges", "-q", str(warped), str(slope_tif)], check=True)
    peer = gdal.Open(str(slope_tif)).ReadAsArray().astype(np.float64)
    peer[peer == -9999] = np.nan
    assert np.array_equal(np.isnan(peer), np.isnan(sb))
    peer_diff = np.abs(peer - sb)[np.isfinite(sb)]
    assert np.median(peer_diff) < 0.1 and peer_diff.max() < 2.0, (np.median(peer_diff), peer_diff.max())


def test_vector_layers_in_another_crs_are_transformed(region, tmp_path, write_scenario):
    """The same layers in EPSG:4326 give the same evidence on the UTM grid."""
    geo_gpkg = tmp_path / "region_4326.gpkg"
    subprocess.run(["ogr2ogr", "-t_srs", "EPSG:4326", str(geo_gpkg), str(region / "region.gpkg")], check=True)
    text = scenario_text(region).replace(str(region / "region.gpkg"), str(geo_gpkg))
    assert str(geo_gpkg) in text
    utm, geo = tmp_path / "utm.nc", tmp_path / "geo.nc"
    # Evidence as computed (float32): distances are recovered from the front lines' layer.
    assert run_minerisk("run", write_scenario(scenario_text(region), "utm.toml"), "-o", utm, "-q", "--evidence",
                        "float32").returncode == 0
    r = run_minerisk("run", write_scenario(text, "geo.toml"), "-o", geo, "-q", "--evidence", "float32")
    assert r.returncode == 0, r.stderr
    with h5py.File(utm, "r") as a, h5py.File(geo, "r") as b, \
            h5py.File(evidence_of(utm), "r") as ea, h5py.File(evidence_of(geo), "r") as eb:
        # Distances: vertices round-trip through degrees to well under a millimetre, but the
        # straight segments between them bend slightly in UTM: a few centimetres at most here.
        da = np.log(ea["front_lines"][:] / 3.5) * -400.0
        db = np.log(eb["front_lines"][:] / 3.5) * -400.0
        ok = np.isfinite(da) & np.isfinite(db) & (da < 3000)
        assert np.max(np.abs(da - db)[ok]) < 0.5
        # Polygons cover the same cells but for centres within centimetres of an edge.
        ca, cb = ea["records"][:], eb["records"][:]
        both = np.isfinite(ca) & np.isfinite(cb)
        assert np.mean(ca[both] != cb[both]) < 1e-3
        pa, pb = a["probability"][:], b["probability"][:]
        both = np.isfinite(pa) & np.isfinite(pb)
        assert np.percentile(np.abs(pa - pb)[both], 99.9) < 1e-3


def test_a_web_mercator_grid_is_said_to_measure_in_its_plane(region, tmp_path, write_scenario):
    """On a grid in Web Mercator (EPSG:3857, a basemap's CRS) distances, densities and slopes are
    measured in its plane, 1.3 times the true lengths at 40 degrees: the run said nothing, where
    areas notes the same of hectares. A UTM grid gets no note."""
    from osgeo import osr
    utm, mercator = osr.SpatialReference(), osr.SpatialReference()
    utm.ImportFromEPSG(32638)
    mercator.ImportFromEPSG(3857)
    for srs in (utm, mercator):
        srs.SetAxisMappingStrategy(osr.OAMS_TRADITIONAL_GIS_ORDER)
    x, y, _ = osr.CoordinateTransformation(utm, mercator).TransformPoint(643000.0, 4417000.0)
    grid = f'[grid]\ncrs = "EPSG:3857"\nresolution = 20\nbounds = [{x - 2000}, {y - 2000}, {x + 2000}, {y + 2000}]\n'
    r = run_minerisk("run", write_scenario(scenario_text(region, grid=grid)), "-o", tmp_path / "m.nc")
    assert r.returncode == 0, r.stderr
    assert re.search(r"measured in the plane of the grid's CRS, which at the grid's centre shows about 1\.3\d times the "
                     r"true lengths;", r.stderr), r.stderr
    # An equal-area CRS keeps areas but not lengths: EASE-Grid 2.0 (standard parallels 30 degrees)
    # at 40 degrees stretches east-west by about cos 30 / cos 40 and shrinks north-south as much.
    ease = osr.SpatialReference()
    ease.ImportFromEPSG(6933)
    ease.SetAxisMappingStrategy(osr.OAMS_TRADITIONAL_GIS_ORDER)
    x, y, _ = osr.CoordinateTransformation(utm, ease).TransformPoint(643000.0, 4417000.0)
    grid = f'[grid]\ncrs = "EPSG:6933"\nresolution = 20\nbounds = [{x - 2000}, {y - 2000}, {x + 2000}, {y + 2000}]\n'
    r = run_minerisk("run", write_scenario(scenario_text(region, grid=grid), name="ease.toml"), "-o", tmp_path / "e.nc")
    assert r.returncode == 0, r.stderr
    assert "shows about 1.13 times the true lengths east-west and 0.89 times north-south" in r.stderr, r.stderr
    r = run_minerisk("run", write_scenario(scenario_text(region), name="utm.toml"), "-o", tmp_path / "u.nc")
    assert r.returncode == 0 and "plane of the grid's CRS" not in r.stderr, r.stderr
