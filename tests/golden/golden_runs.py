"""Golden cases of minerisk run: fixture, conftest, all-features, grids, fitted and sample-region runs."""
import json

from osgeo import gdal

from golden_common import (FIXTURE, case, fitted_toml_values, hdf5_digests, run_file_digests, json_values, prefixed, rounded_weights,
                           run_outputs, text_digest)
from golden_scenarios import all_features_scenario, conftest_scenario, conftest_scenario_file
from golden_sweeps_fits import fit_block_cv
from golden_tools import evaluate


# run ------------------------------------------------------------------------------------------


@case("run_fixture_scenario")
def _(ctx):
    """generate_sample's own scenario.toml (relative paths), default tile size."""
    return run_outputs(ctx.run("fixture", ctx.region / "scenario.toml"))


@case("run_conftest_scenario")
def _(ctx):
    """conftest's scenario_text: slope, front lines exp_decay, finds log1p, records, cleared."""
    return run_outputs(ctx.run("conftest", conftest_scenario_file(ctx)))


@case("run_conftest_scenario_tile100_threads1")
def _(ctx):
    """The same at tile size 100 on one thread, no picture (must equal the default's arrays)."""
    return run_file_digests(ctx.run("conftest_t100", conftest_scenario_file(ctx), "--tile-size", "100", "--threads", "1",
                                "--no-picture"))


@case("run_all_features_default_tile")
def _(ctx):
    return run_outputs(ctx.run("all_features", all_features_scenario(ctx)))


@case("run_all_features_tile128")
def _(ctx):
    return run_outputs(ctx.run("all_features_t128", all_features_scenario(ctx), "--tile-size", "128"))


@case("run_utm_grid_resampled")
def _(ctx):
    """A [grid] of 15 m cells inside the DEM's extent: the DEM warped bilinearly, vectors on it."""
    grid = '[grid]\ncrs = "EPSG:32638"\nresolution = [15, 12]\nbounds = [640505, 4414300, 645500, 4419700]\n'
    s = ctx.scenario("utm_grid.toml", conftest_scenario(ctx.region, grid=grid))
    return run_outputs(ctx.run("utm_grid", s, "--tile-size", "200"))


@case("run_geographic_grid")
def _(ctx):
    """An EPSG:4326 target grid (0.0001 degree cells): the UTM DEM and layers onto degrees,
    distances in metres by the ellipsoid's scale."""
    grid = '[grid]\ncrs = "EPSG:4326"\nresolution = 0.0001\nbounds = [46.640, 39.866, 46.705, 39.916]\n'
    s = ctx.scenario("geographic_grid.toml", conftest_scenario(ctx.region, grid=grid))
    return run_outputs(ctx.run("geographic_grid", s))


@case("run_geographic_dem_onto_utm_grid")
def _(ctx):
    """As tests/python/test_reprojection.py: the DEM warped to EPSG:4326 (by GDAL, in Python),
    run on the original UTM grid."""
    region = ctx.region
    dem_geo = region / "dem_4326.tif"
    if not dem_geo.exists():
        gdal.Warp(str(dem_geo), str(region / "dem.tif"), dstSRS="EPSG:4326", resampleAlg="bilinear",
                  xRes=0.0001, yRes=0.0001, dstNodata=-9999)
    gt = ctx.region_geotransform
    n = FIXTURE["size"]
    grid = (f'[grid]\ncrs = "EPSG:32638"\nresolution = 10\n'
            f'bounds = [{gt[0]}, {gt[3] + gt[5] * n}, {gt[0] + gt[1] * n}, {gt[3]}]\n')
    s = ctx.scenario("geographic_dem.toml", conftest_scenario(region, grid=grid, dem=dem_geo))
    return run_outputs(ctx.run("geographic_dem", s))


@case("run_fitted_scenario")
def _(ctx):
    """The scenario written by the block cross-validated fit, run as it is."""
    fitted, _, _ = fit_block_cv(ctx)
    return run_outputs(ctx.run("fitted", fitted))


@case("sample_region_seed7_run")
def _(ctx):
    """scripts/demo: generate_region.py --preset sample --seed 7, then run its scenario.toml."""
    return run_outputs(ctx.run("sample_region", ctx.sample_region / "scenario.toml"))


@case("sample_region_seed7_fit_run_evaluate")
def _(ctx):
    """README's table: fit (block 600, background 5), run the fitted scenario, evaluate against
    the truth's devices."""
    region = ctx.sample_region
    fitted, report, _ = ctx.fit("sample_region", region / "scenario.toml", "--block-size", "600",
                                "--background-ratio", "5")
    out = json_values(json.loads(report.read_text()), "fit_report")
    out.update(fitted_toml_values(fitted.read_text(), ctx.scratch))
    rounded = fitted.with_name("fitted_rounded.toml")
    rounded.write_text(rounded_weights(fitted.read_text()))
    grid = ctx.run("sample_region_fitted", rounded)
    out.update(prefixed("fitted_run", run_file_digests(grid)))
    out.update(evaluate(ctx, grid, "sample_region_devices", "--truth", region / "truth.gpkg", "--layer", "devices"))
    return out
