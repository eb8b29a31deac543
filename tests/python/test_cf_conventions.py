"""The outputs of run and sweep against the CF-1.8 conventions (cf_check.py says which sections),
and their grid mappings against the ones GDAL's netCDF driver writes for the same CRS."""
import shutil

import netCDF4
import numpy as np
import pytest
from osgeo import gdal, osr

import cf_check
from conftest import evidence_of, run_minerisk, scenario_text

gdal.UseExceptions()


@pytest.fixture(scope="module")
def run_output(region, tmp_path_factory):
    out = tmp_path_factory.mktemp("cf_run") / "out.nc"
    r = run_minerisk("run", region / "scenario.toml", "-o", out, "-q")
    assert r.returncode == 0, r.stderr
    return out


@pytest.fixture(scope="module")
def sweep_output(region, tmp_path_factory):
    folder = tmp_path_factory.mktemp("cf_sweep")
    sweep = folder / "sweep.toml"
    sweep.write_text(f'base = "{region / "scenario.toml"}"\nstack = true\nthresholds = [0.1, 0.5]\n'
                     '[[axis]]\nparameter = "model.intercept"\nvalues = [-5.0, -4.0]\n')
    out = folder / "sweep.nc"
    r = run_minerisk("sweep", sweep, "-o", out, "-q")
    assert r.returncode == 0, r.stderr
    return out


def test_a_run_grid_and_its_evidence_file_follow_cf(run_output):
    assert cf_check.check(run_output) == []
    assert cf_check.check(evidence_of(run_output)) == []


def test_a_sweep_output_follows_cf(sweep_output):
    assert cf_check.check(sweep_output) == []


def test_the_checker_finds_what_is_wrong(run_output, tmp_path):
    """The checks can fail: a copy with a grid mapping, a unit and a name broken is refused."""
    broken = tmp_path / "broken.nc"
    shutil.copy(run_output, broken)
    with netCDF4.Dataset(broken, "a") as ds:
        ds["probability"].delncattr("grid_mapping")
        ds["x"].units = "furlongs_of_nothing"
        ds["crs"].grid_mapping_name = "no_such_projection"
        ds.Conventions = "CF-1.0"
    errors = "\n".join(cf_check.check(broken))
    for expected in ("5.6 probability: no grid_mapping", "'furlongs_of_nothing' is not a UDUNITS unit",
                     "'no_such_projection' is not in appendix F", "2.6.1"):
        assert expected in errors, errors


# The CRSs of CF's appendix F that a mine action grid meets, each with GDAL's own netCDF output
# as the reference: LAEA (EPSG:3035), UTM, geographic, polar stereographic variants B (3413)
# and A (32661), Albers (5070), Lambert conformal conic 2SP (2154), Mercator (3395) and
# Lambert cylindrical equal area (6933), and a geostationary view sweeping along x.
CRS_CODES = [3035, 32638, 4326, 3413, 32661, 5070, 2154, 3395, 6933,
             "+proj=geos +h=35785831 +lon_0=40 +sweep=x +ellps=WGS84 +units=m +no_defs"]


def srs_of(code):
    srs = osr.SpatialReference()
    srs.SetFromUserInput(f"EPSG:{code}" if isinstance(code, int) else code)
    return srs


def gdal_grid_mapping(code, folder):
    """The grid mapping attributes `gdal_translate -of netCDF` writes for EPSG:code."""
    srs = srs_of(code)
    tif = folder / "peer.tif"
    ds = gdal.GetDriverByName("GTiff").Create(str(tif), 4, 4, 1, gdal.GDT_Float32)
    ds.SetProjection(srs.ExportToWkt())
    ds.SetGeoTransform([0, 1, 0, 0, 0, -1] if srs.IsGeographic() else [1000, 10, 0, 2000, 0, -10])
    ds = None
    nc = folder / "peer.nc"
    gdal.Translate(str(nc), str(tif), format="netCDF")
    with netCDF4.Dataset(nc) as peer:
        for var in peer.variables.values():
            if "grid_mapping_name" in var.ncattrs():
                return {k: var.getncattr(k) for k in var.ncattrs()}
    raise AssertionError(f"GDAL wrote no grid mapping for EPSG:{code}")


def grid_over_region(region, code, cells=12):
    """A [grid] table of `cells` x `cells` over the middle of the region, in EPSG:code."""
    dem = gdal.Open(str(region / "dem.tif"))
    gt = dem.GetGeoTransform()
    cx, cy = gt[0] + gt[1] * dem.RasterXSize / 2, gt[3] + gt[5] * dem.RasterYSize / 2
    source = osr.SpatialReference(wkt=dem.GetProjection())
    target = srs_of(code)
    for s in (source, target):
        s.SetAxisMappingStrategy(osr.OAMS_TRADITIONAL_GIS_ORDER)
    x, y, _ = osr.CoordinateTransformation(source, target).TransformPoint(cx, cy)
    step = 0.001 if target.IsGeographic() else 100.0
    half = cells * step / 2
    crs = f"EPSG:{code}" if isinstance(code, int) else code
    return (f'[grid]\ncrs = "{crs}"\nresolution = {step}\n'
            f"bounds = [{x - half}, {y - half}, {x + half}, {y + half}]\n")


@pytest.mark.parametrize("code", CRS_CODES, ids=[str(c).split()[0] for c in CRS_CODES])
def test_grid_mappings_match_gdals(region, tmp_path, write_scenario, code):
    scenario = write_scenario(scenario_text(region, grid=grid_over_region(region, code)))
    out = tmp_path / "out.nc"
    r = run_minerisk("run", scenario, "-o", out, "-q", "--no-picture")
    assert r.returncode == 0, r.stderr
    peer = gdal_grid_mapping(code, tmp_path)
    with netCDF4.Dataset(out) as ours_ds:
        ours = {k: ours_ds["crs"].getncattr(k) for k in ours_ds["crs"].ncattrs()}
    assert ours["grid_mapping_name"] == peer["grid_mapping_name"]
    # Every CF parameter GDAL writes, with its value; GDAL's own extras (long_name, its WKT) aside.
    skip = {"long_name", "spatial_ref", "crs_wkt", "GeoTransform", "grid_mapping_name"}
    for key, value in peer.items():
        if key in skip:
            continue
        assert key in ours, f"{code}: {key} missing (GDAL writes {value})"
        if isinstance(value, str):
            assert ours[key] == value, (code, key)
        else:
            assert np.allclose(np.atleast_1d(ours[key]), np.atleast_1d(value), rtol=1e-12, atol=1e-9), (code, key)
    assert cf_check.check(out) == []
    # And GDAL reads our file back in the same CRS.
    back = osr.SpatialReference(wkt=gdal.Open(f'NETCDF:"{out}":probability').GetProjection())
    # (A CRS given as a PROJ string compares by its PROJ definition: IsSame also weighs the
    # WKT's names, "unknown" datum and all.)
    assert back.IsSame(srs_of(code)) or back.ExportToProj4() == srs_of(code).ExportToProj4(), code
