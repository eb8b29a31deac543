"""The Python module as a GIS citizen: minerisk.open() and Result.to_xarray() give datasets whose
rioxarray CRS and transform are the DEM's (projected and geographic grids, run and sweep
outputs); and the command line's output options from Python: overwrite (refused without it, as
the command line), format and creation_options for the tools, variable for evaluate and explain."""
import json
import os
import pathlib

import numpy as np
import pytest
import rioxarray  # noqa: F401 - registers .rio (minerisk imports it too; the tests need it)
import xarray as xr
from osgeo import gdal, osr
from osgeo_utils.samples.validate_cloud_optimized_geotiff import validate

import minerisk
from conftest import run_minerisk, scenario_text, evidence_of, EVIDENCE_STEP

gdal.UseExceptions()

XY_ATTRIBUTES = ("standard_name", "units", "axis", "long_name")


@pytest.fixture(scope="module")
def dem(region):
    ds = gdal.Open(str(region / "dem.tif"))
    return {"wkt": ds.GetProjection(), "geotransform": ds.GetGeoTransform(), "shape": (ds.RasterYSize, ds.RasterXSize)}


@pytest.fixture(scope="module")
def run_output(region, tmp_path_factory):
    return minerisk.Scenario.load(region / "scenario.toml").run(tmp_path_factory.mktemp("gis_run") / "run.nc",
                                                                picture=False)


@pytest.fixture(scope="module")
def sweep_output(region, tmp_path_factory):
    folder = tmp_path_factory.mktemp("gis_sweep")
    sweep = folder / "sweep.toml"
    # The front lines' weight varies, so the percentiles rank cells unlike the mean.
    sweep.write_text(f'base = "{region / "scenario.toml"}"\n[[axis]]\n'
                     'parameter = "model.evidence.front_lines.weight"\nvalues = [0.0, 3.5, 7.0]\n')
    minerisk.sweep(sweep, folder / "sweep.nc")
    return folder / "sweep.nc"


def same_crs(crs, wkt):
    """rioxarray's CRS (rasterio's) against a WKT GDAL read, compared by OSR."""
    ours, theirs = osr.SpatialReference(), osr.SpatialReference()
    ours.ImportFromWkt(crs.to_wkt())
    theirs.ImportFromWkt(wkt)
    return bool(ours.IsSame(theirs))


def assert_georeferenced(ds, wkt, geotransform, variables):
    """The Dataset and each of `variables` carry the CRS and the geotransform (GDAL's order),
    from the crs coordinate; the geotransform also agrees with the x/y coordinates."""
    assert "crs" in ds.coords and "crs" not in ds.data_vars
    for obj in [ds] + [ds[v] for v in variables]:
        assert same_crs(obj.rio.crs, wkt), obj.rio.crs
        assert obj.rio.transform().to_gdal() == tuple(geotransform)
        assert np.allclose(obj.rio.transform(recalc=True).to_gdal(), geotransform, rtol=1e-12, atol=1e-9)


def test_open_a_run_output_gives_the_dems_crs_and_transform(run_output, dem):
    ds = minerisk.open(run_output)
    evidence = [v for v in ds.data_vars if v.startswith("evidence_")]
    assert {"evidence_slope", "evidence_front_lines", "evidence_finds", "evidence_records"} <= set(evidence)
    assert_georeferenced(ds, dem["wkt"], dem["geotransform"], ["probability"] + evidence)
    assert ds.probability.shape == dem["shape"]
    # CF attributes of the coordinates and the grid mapping, as the file has them.
    assert ds.x.attrs["standard_name"] == "projection_x_coordinate" and ds.x.attrs["units"] == "m"
    assert ds.y.attrs["axis"] == "Y" and ds.y.attrs["long_name"]
    crs = ds.crs.attrs
    assert crs["grid_mapping_name"] == "transverse_mercator" and crs["longitude_of_central_meridian"] == 45.0
    assert crs["crs_wkt"] == crs["spatial_ref"] and crs["GeoTransform"]
    # The evidence file read on its own is georeferenced too.
    evidence = xr.open_dataset(evidence_of(run_output))
    assert_georeferenced(evidence, dem["wkt"], dem["geotransform"], list(evidence.data_vars))


def test_to_xarray_reads_like_the_file(region, run_output, dem):
    result = minerisk.Scenario.load(region / "scenario.toml").run()
    ds, opened = result.to_xarray(), minerisk.open(run_output)
    assert set(ds.data_vars) == set(opened.data_vars)
    assert_georeferenced(ds, dem["wkt"], dem["geotransform"], list(ds.data_vars))
    for name in ds.data_vars:
        if name.startswith("evidence_"):  # packed in the file: within half a step
            assert np.array_equal(np.isnan(ds[name].values), np.isnan(opened[name].values)), name
            assert np.nanmax(np.abs(ds[name].values - opened[name].values)) <= EVIDENCE_STEP / 2 + 4e-6, name
        else:
            assert np.array_equal(ds[name].values, opened[name].values, equal_nan=True), name
    for axis in ("x", "y"):
        assert np.array_equal(ds[axis].values, opened[axis].values)
        assert {k: ds[axis].attrs[k] for k in XY_ATTRIBUTES} == {k: opened[axis].attrs[k] for k in XY_ATTRIBUTES}
    # The grid mapping: the engine's WKT and GeoTransform text, and CF parameters (pyproj's)
    # equal to the ones the engine writes.
    ours, file = ds.crs.attrs, opened.crs.attrs
    for key in ("crs_wkt", "spatial_ref", "GeoTransform", "grid_mapping_name"):
        assert ours[key] == file[key], key
    numbers = [k for k, v in file.items() if isinstance(v, (float, np.floating))]
    assert "scale_factor_at_central_meridian" in numbers and "false_easting" in numbers
    for key in numbers:
        assert ours[key] == pytest.approx(float(file[key]), rel=1e-12), key


def test_a_geographic_grid_has_longitude_and_latitude(region, tmp_path):
    # A 100 x 100 grid of 0.0002 degree inside the region, in EPSG:4326 (longitude, latitude).
    utm, wgs84 = osr.SpatialReference(), osr.SpatialReference()
    utm.ImportFromEPSG(32638)
    wgs84.ImportFromEPSG(4326)
    wgs84.SetAxisMappingStrategy(osr.OAMS_TRADITIONAL_GIS_ORDER)
    lon, lat, _ = osr.CoordinateTransformation(utm, wgs84).TransformPoint(643000.0, 4417000.0)
    west, north = round(lon - 0.01, 4), round(lat + 0.01, 4)
    grid = (f'[grid]\ncrs = "EPSG:4326"\nresolution = 0.0002\n'
            f'bounds = [{west}, {round(north - 0.02, 4)}, {round(west + 0.02, 4)}, {north}]\n')
    (tmp_path / "geo.toml").write_text(scenario_text(region, grid=grid))
    scenario = minerisk.Scenario.load(tmp_path / "geo.toml")
    expected = (west, 0.0002, 0.0, north, 0.0, -0.0002)
    for ds in (minerisk.open(scenario.run(tmp_path / "geo.nc", picture=False)), scenario.run().to_xarray()):
        assert ds.probability.shape == (100, 100)
        assert_georeferenced(ds, wgs84.ExportToWkt(), expected, ["probability"])
        assert ds.rio.crs.to_epsg() == 4326
        assert (ds.x.attrs["standard_name"], ds.x.attrs["units"]) == ("longitude", "degrees_east")
        assert (ds.y.attrs["standard_name"], ds.y.attrs["units"]) == ("latitude", "degrees_north")
        assert ds.crs.attrs["grid_mapping_name"] == "latitude_longitude"


def test_open_a_sweep_output(sweep_output, dem):
    ds = minerisk.open(sweep_output)
    assert {"mean", "sd", "p05", "p50", "p95", "expected_contaminated_area"} <= set(ds.data_vars)
    assert any(v.startswith("probability_above_") for v in ds.data_vars)
    assert not any(v.startswith("evidence_") for v in ds.data_vars)  # a sweep has no evidence layers
    assert ds["mean"].shape == dem["shape"] and ds["expected_contaminated_area"].dims == ("scenario",)
    assert_georeferenced(ds, dem["wkt"], dem["geotransform"], ["mean", "p95"])


# Each function that writes, called to write `out` with its keyword arguments; `kind` names the
# tools' inputs: a small crop of the region's DEM and its vector layers.
WRITERS = {
    "run": lambda i, out, **kw: minerisk.Scenario.load(i["scenario"]).run(out, picture=False, **kw),
    "run_with_picture": lambda i, out, **kw: minerisk.Scenario.load(i["scenario"]).run(out, **kw),
    "sweep": lambda i, out, **kw: minerisk.sweep(i["sweep"], out, **kw),
    "slope": lambda i, out, **kw: minerisk.tools.slope(i["dem"], out, **kw),
    "aspect": lambda i, out, **kw: minerisk.tools.aspect(i["dem"], out, **kw),
    "tri": lambda i, out, **kw: minerisk.tools.tri(i["dem"], out, **kw),
    "proximity": lambda i, out, **kw: minerisk.tools.proximity(i["gpkg"], out, like=i["dem"], layer="front_lines",
                                                               **kw),
    "density": lambda i, out, **kw: minerisk.tools.density(i["gpkg"], out, like=i["dem"], layer="finds",
                                                           bandwidth=100.0, **kw),
    "focal": lambda i, out, **kw: minerisk.tools.focal(i["dem"], out, radius=25.0, **kw),
}
TOOLS = ["slope", "aspect", "tri", "proximity", "density", "focal"]


@pytest.mark.parametrize("make, says", [
    (lambda p: p.write_bytes(b""), "cannot be read as a grid (Unable to open file (file signature not found))"),
    (lambda p: p.write_bytes(b"\x89HDF\r\n\x1a\n" + bytes(100)), "cannot be read as a grid (Unable to open file ("),
    (lambda p: p.mkdir(), "is not a file"),
    (lambda p: None, "not found; check the path"),
])
def test_open_of_what_is_not_a_grid_is_one_minerisk_error(tmp_path, make, says):
    """xarray's page of backends, or netCDF's bare error code, was what the user got."""
    path = tmp_path / "g.nc"
    make(path)
    with pytest.raises(minerisk.Error, match="grid: .*g.nc") as raised:
        minerisk.open(path)
    assert says in str(raised.value) and "\n" not in str(raised.value)


def test_paths_may_be_bytes(region, run_output):
    """os.fsencode'd paths, as os.listdir(bytes) gives them, work like text ones."""
    assert minerisk.open(os.fsencode(run_output)).probability.shape == minerisk.open(run_output).probability.shape
    scenario = minerisk.Scenario.load(os.fsencode(region / "scenario.toml"))
    assert scenario.resolved_toml == minerisk.Scenario.load(region / "scenario.toml").resolved_toml


def test_open_of_another_programs_netcdf_is_refused(tmp_path):
    """A netCDF file without minerisk's crs grid mapping and x/y would open with rio.crs None."""
    path = tmp_path / "plain.nc"
    xr.Dataset({"probability": (("row", "col"), np.zeros((3, 4), np.float32))}).to_netcdf(path, format="NETCDF4")
    with pytest.raises(minerisk.Error, match="is not a grid of minerisk .*xarray.open_dataset"):
        minerisk.open(path)


def test_a_renamed_grid_names_the_evidence_file_it_looks_for(run_output, tmp_path):
    run_output = pathlib.Path(run_output)
    renamed = tmp_path / "renamed.nc"
    renamed.write_bytes(run_output.read_bytes())
    (tmp_path / "renamed_evidence.nc").write_bytes(run_output.with_name(run_output.stem + "_evidence.nc").read_bytes())
    with pytest.raises(minerisk.Error, match="evidence_file attribute.*a renamed grid still names"):
        minerisk.open(renamed)
    grid = gdal.Open(f'NETCDF:"{renamed}":probability')
    gt = grid.GetGeoTransform()
    centre = (gt[0] + gt[1] * grid.RasterXSize / 2, gt[3] + gt[5] * grid.RasterYSize / 2)
    r = run_minerisk("explain", renamed, *map(str, centre))
    assert r.returncode == 2 and "a renamed grid still names its evidence file" in r.stderr, r.stderr


@pytest.fixture(scope="module")
def inputs(region, tmp_path_factory):
    folder = tmp_path_factory.mktemp("gis_inputs")
    dem = folder / "dem.tif"
    gdal.Translate(str(dem), str(region / "dem.tif"), srcWin=[100, 100, 200, 150])
    sweep = folder / "sweep.toml"
    sweep.write_text(f'base = "{region / "scenario.toml"}"\n[[axis]]\nparameter = "model.intercept"\n'
                     'values = [-5.0, -4.0]\n')
    return {"dem": dem, "gpkg": region / "region.gpkg", "scenario": region / "scenario.toml", "sweep": sweep}


@pytest.mark.parametrize("writer", sorted(WRITERS))
def test_an_existing_output_is_refused_unless_overwrite(inputs, tmp_path, writer):
    write = WRITERS[writer]
    out = tmp_path / ("out.tif" if writer in TOOLS else "out.nc")
    write(inputs, out)
    written = {name: (tmp_path / name).read_bytes() for name in os.listdir(tmp_path)}
    with pytest.raises(minerisk.Error) as refused:
        write(inputs, out)
    assert str(refused.value) == (f"output: '{out}' exists; give --overwrite (overwrite=True in Python) to replace it, "
                                  "or choose another path")
    assert {name: (tmp_path / name).read_bytes() for name in os.listdir(tmp_path)} == written  # untouched
    inode = out.stat().st_ino
    write(inputs, out, overwrite=True)
    assert out.stat().st_ino != inode  # replaced by a new file, renamed into place
    assert sorted(os.listdir(tmp_path)) == sorted(written)  # and nothing else left behind


def test_the_picture_alone_existing_is_refused_too(inputs, tmp_path):
    (tmp_path / "out.png").write_bytes(b"not a picture")
    with pytest.raises(minerisk.Error, match="out.png' exists; give --overwrite"):
        WRITERS["run_with_picture"](inputs, tmp_path / "out.nc")
    assert os.listdir(tmp_path) == ["out.png"]
    WRITERS["run_with_picture"](inputs, tmp_path / "out.nc", overwrite=True)
    assert (tmp_path / "out.png").read_bytes().startswith(b"\x89PNG")


def test_overwrite_never_replaces_an_input(inputs, tmp_path):
    dem = tmp_path / "dem.tif"
    gdal.Translate(str(dem), str(inputs["dem"]))
    before = dem.read_bytes()
    for tool in ("slope", "focal"):
        with pytest.raises(minerisk.Error, match="input"):
            WRITERS[tool]({**inputs, "dem": dem}, dem, overwrite=True)
    assert dem.read_bytes() == before


@pytest.mark.parametrize("tool", TOOLS)
def test_format_cog_and_creation_options_reach_the_file(inputs, tmp_path, tool):
    out = tmp_path / "out.tif"
    assert WRITERS[tool](inputs, out, format="COG", creation_options=("BLOCKSIZE=128", "COMPRESS=DEFLATE")) == str(out)
    warnings, errors, _ = validate(str(out), full_check=True)
    assert errors == [], errors
    ds = gdal.Open(str(out))
    assert ds.GetMetadata("IMAGE_STRUCTURE")["LAYOUT"] == "COG"
    assert ds.GetMetadata("IMAGE_STRUCTURE")["COMPRESSION"] == "DEFLATE"
    assert ds.GetRasterBand(1).GetBlockSize() == [128, 128]
    assert ds.GetGeoTransform() == gdal.Open(str(inputs["dem"])).GetGeoTransform()
    # The same values as the default GeoTIFF.
    plain = WRITERS[tool](inputs, tmp_path / "plain.tif")
    assert np.array_equal(ds.ReadAsArray(), gdal.Open(plain).ReadAsArray())


def test_creation_options_of_a_geotiff(inputs, tmp_path):
    out = minerisk.tools.slope(inputs["dem"], tmp_path / "s.tif", compress="DEFLATE", creation_options=["PREDICTOR=1"])
    assert gdal.Open(out).GetMetadata("IMAGE_STRUCTURE").get("PREDICTOR", "1") == "1"
    default = minerisk.tools.slope(inputs["dem"], tmp_path / "d.tif", compress="DEFLATE")
    assert gdal.Open(default).GetMetadata("IMAGE_STRUCTURE")["PREDICTOR"] == "3"  # minerisk's floating-point one


@pytest.mark.parametrize("argv, kwargs", [(["--of", "NOPE"], {"format": "NOPE"}),
                                          (["--co", "NOTANOPTION"], {"creation_options": ["NOTANOPTION"]}),
                                          (["--of", "COG"], {"format": "COG", "overwrite": True})],
                         ids=["format", "creation_option", "extension"])
def test_bad_formats_and_options_raise_the_commands_message(inputs, tmp_path, argv, kwargs):
    out = tmp_path / ("out.nc" if argv[:2] == ["--of", "COG"] else "out.tif")
    r = run_minerisk("slope", inputs["dem"], out, *argv, "-q")
    assert r.returncode == 2 and r.stderr.startswith("minerisk: error: "), r.stderr
    with pytest.raises(minerisk.Error) as raised:
        minerisk.tools.slope(inputs["dem"], out, **kwargs)
    assert str(raised.value) == r.stderr[len("minerisk: error: "):].strip()
    assert os.listdir(tmp_path) == []


def test_variable_picks_a_sweep_variable_for_explain_and_evaluate(sweep_output, region, tmp_path):
    ds = minerisk.open(sweep_output)
    row, col = 300, 250
    x, y = float(ds.x[col]), float(ds.y[row])
    for variable in ("p95", "p05", "sd"):
        why = minerisk.explain(sweep_output, x, y, variable=variable)
        assert (why["variable"], why["row"], why["col"]) == (variable, row, col)
        assert why["probability"] == pytest.approx(float(ds[variable][row, col]), rel=1e-6)
    assert minerisk.explain(sweep_output, x, y)["variable"] == "mean"

    # evaluate: the command line's report for --variable p95, and not the mean's.
    report = tmp_path / "p95.json"
    r = run_minerisk("evaluate", sweep_output, "--truth", region / "region.gpkg", "--layer", "finds", "--variable",
                     "p95", "-o", report)
    assert r.returncode == 0, r.stderr
    ours = minerisk.evaluate(sweep_output, region / "region.gpkg", layer="finds", variable="p95")
    cli = json.loads(report.read_text())
    curve = "capture_curve_percent_area"
    assert ours["roc_auc"] == cli["roc_auc"] and ours[curve] == cli[curve]
    assert ours[curve] != minerisk.evaluate(sweep_output, region / "region.gpkg", layer="finds")[curve]

    for call in (lambda: minerisk.explain(sweep_output, x, y, variable="p96"),
                 lambda: minerisk.evaluate(sweep_output, region / "region.gpkg", layer="finds", variable="p96")):
        with pytest.raises(minerisk.Error, match="no variable 'p96'; did you mean 'p95'"):
            call()
