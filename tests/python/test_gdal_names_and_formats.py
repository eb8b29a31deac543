"""Outputs that chain into minerisk and formats as GDAL's tools have them: any GDAL dataset name as
an input (NETCDF:"f.nc":var, /vsizip/...), evaluate and explain on any grid, -of/--co with the
extension rule, band units and descriptions, --overwrite, and inputs protected through names."""
import json
import shutil
import subprocess
import zipfile

import numpy as np
import pytest
from osgeo import gdal
from osgeo_utils.samples.validate_cloud_optimized_geotiff import validate

from conftest import minerisk_bin, run_minerisk, scenario_text
from tools_helpers import read

gdal.UseExceptions()


def ok(*args):
    r = run_minerisk(*args)
    assert r.returncode == 0, r.stderr
    return r


def refused(*args):
    r = run_minerisk(*args)
    assert r.returncode == 2, (r.returncode, r.stderr)
    message = r.stderr.strip()
    assert message.count("\n") == 0 and message.startswith("minerisk: error: "), message
    return message


def band(path):
    """The values (tools_helpers.read), unit and description of band 1."""
    ds = gdal.Open(str(path))  # kept while its band is used: GDAL's bands die with their dataset
    b = ds.GetRasterBand(1)
    return read(path), b.GetUnitType(), b.GetDescription()


@pytest.fixture(scope="module")
def grid(region, tmp_path_factory):
    folder = tmp_path_factory.mktemp("names")
    ok("run", region / "scenario.toml", "-o", folder / "out.nc", "-q", "--no-picture")
    return folder


@pytest.fixture(scope="module")
def sweep_grid(region, tmp_path_factory):
    folder = tmp_path_factory.mktemp("sweep_names")
    (folder / "sweep.toml").write_text(f'base = "{region / "scenario.toml"}"\nsamples = 4\n'
                                       '[uncertainty]\nrecord_validity = true\n')
    ok("sweep", folder / "sweep.toml", "-o", folder / "sweep.nc", "-q")
    return folder / "sweep.nc"


# GDAL dataset names as inputs ---------------------------------------------------------------


def test_a_tool_reads_a_variable_of_minerisks_output_by_its_gdal_name(grid):
    name = f'NETCDF:"{grid / "out.nc"}":probability'
    ok("focal", name, grid / "from_name.tif", "--radius", "30", "--statistic", "max", "-q")
    gdal.Translate(str(grid / "probability.tif"), name)
    ok("focal", grid / "probability.tif", grid / "from_tif.tif", "--radius", "30", "--statistic", "max", "-q")
    a, b = band(grid / "from_name.tif")[0], band(grid / "from_tif.tif")[0]
    assert np.array_equal(a, b, equal_nan=True) and np.isfinite(a).mean() > 0.9


def test_like_takes_a_gdal_name(region, grid):
    ok("proximity", region / "region.gpkg", grid / "dist.tif", "--like", f'NETCDF:"{grid / "out.nc"}":probability',
       "--layer", "front_lines", "-q")
    values = band(grid / "dist.tif")[0]
    assert values.shape == gdal.Open(str(region / "dem.tif")).ReadAsArray().shape and np.nanmin(values) < 10


def test_a_scenario_names_rasters_by_gdal_names_relative_to_its_folder(region, grid, tmp_path):
    """The DEM from a zip archive and a raster layer from a previous output's variable, both
    named relative to the scenario's folder, as plain paths are."""
    with zipfile.ZipFile(tmp_path / "dem.zip", "w") as z:
        z.write(region / "dem.tif", "dem.tif")
    shutil.copy(grid / "out.nc", tmp_path / "prior.nc")
    layer = ('\n[model.evidence.prior]\nfeature = "raster"\npath = \'NETCDF:"prior.nc":probability\'\nweight = 2.0\n')
    text = scenario_text(region, dem="/vsizip/dem.zip/dem.tif") + layer
    (tmp_path / "scenario.toml").write_text(text)
    ok("run", tmp_path / "scenario.toml", "-o", tmp_path / "chained.nc", "-q", "--no-picture")
    inputs = json.loads(gdal.Open(f'NETCDF:"{tmp_path / "chained.nc"}":probability').GetMetadataItem("NC_GLOBAL#inputs"))
    hashed = {entry["path"]: entry for entry in inputs}
    zip_entry = next(e for p, e in hashed.items() if "dem.zip" in p)
    prior_entry = next(e for p, e in hashed.items() if "prior.nc" in p)
    # Provenance hashes the files behind the names.
    assert zip_entry["size"] == (tmp_path / "dem.zip").stat().st_size and len(zip_entry["sha256"]) == 64
    assert prior_entry["size"] == (tmp_path / "prior.nc").stat().st_size
    prior = gdal.Open(f'NETCDF:"{tmp_path / "chained_evidence.nc"}":prior').ReadAsArray()
    assert np.nanmax(prior) > 0  # weight x the previous probability


def test_an_indexed_gdal_name_resolves_its_file(region, tmp_path):
    """GTIFF_DIR:1:dem.tif is an index, then the file: the scenario's folder was put before the
    index ('GTIFF_DIR:/folder/1:dem.tif'), relative or absolute."""
    shutil.copy(region / "dem.tif", tmp_path / "dem.tif")
    for dem in ("GTIFF_DIR:1:dem.tif", f"GTIFF_DIR:1:{tmp_path / 'dem.tif'}"):
        (tmp_path / "scenario.toml").write_text(scenario_text(region, dem=dem))
        ok("run", tmp_path / "scenario.toml", "-o", tmp_path / "indexed.nc", "-q", "--no-picture", "--overwrite")
    assert "is the input" in refused("slope", "GTIFF_DIR:1:" + str(tmp_path / "dem.tif"), tmp_path / "dem.tif",
                                     "-q", "--overwrite")


def test_a_file_name_with_a_colon_beside_the_scenario_is_a_plain_path(region, tmp_path):
    shutil.copy(region / "dem.tif", tmp_path / "ab:c.tif")
    text = scenario_text(region, dem="ab:c.tif")
    (tmp_path / "scenario.toml").write_text(text)
    ok("run", tmp_path / "scenario.toml", "-o", tmp_path / "colon.nc", "-q", "--no-picture")  # from another folder


def test_a_missing_file_inside_a_gdal_name_is_named(grid):
    message = refused("slope", f'NETCDF:"{grid / "missing.nc"}":probability', grid / "x.tif", "-q")
    assert "missing.nc" in message and "not found" in message


def test_an_input_named_by_a_gdal_name_is_never_overwritten(grid):
    before = (grid / "out.nc").read_bytes()
    message = refused("slope", f'NETCDF:"{grid / "out.nc"}":probability', grid / "out.nc", "-q", "--overwrite")
    assert "is the input" in message
    assert (grid / "out.nc").read_bytes() == before


# evaluate and explain on any grid -----------------------------------------------------------


def test_evaluate_gives_the_same_scores_for_the_grid_in_any_format(region, grid, tmp_path):
    gdal.Translate(str(tmp_path / "p.tif"), f'NETCDF:"{grid / "out.nc"}":probability')
    reports = []
    for source in (grid / "out.nc", tmp_path / "p.tif", f'NETCDF:"{grid / "out.nc"}":probability'):
        report = tmp_path / f"report{len(reports)}.json"
        ok("evaluate", source, "--truth", region / "region.gpkg", "--layer", "finds", "-o", report)
        reports.append(json.loads(report.read_text()))
    keys = ("roc_auc", "pr_auc")
    assert all(r[k] == reports[0][k] for r in reports for k in keys if k in reports[0]), reports


def test_evaluate_and_explain_take_a_sweep_variable(region, sweep_grid, tmp_path):
    ok("evaluate", sweep_grid, "--variable", "p95", "--truth", region / "region.gpkg", "--layer", "finds",
       "-o", tmp_path / "p95.json")
    ok("evaluate", sweep_grid, "--truth", region / "region.gpkg", "--layer", "finds", "-o", tmp_path / "mean.json")
    assert json.loads((tmp_path / "p95.json").read_text()) != json.loads((tmp_path / "mean.json").read_text())
    gt = gdal.Open(str(region / "dem.tif")).GetGeoTransform()
    x, y = gt[0] + 300.5 * gt[1], gt[3] + 300.5 * gt[5]
    explained = json.loads(ok("explain", sweep_grid, x, y, "--variable", "sd", "--json").stdout)
    assert explained["variable"] == "sd" and explained["layers"] == [] and explained["intercept"] is None
    sd = gdal.Open(f'NETCDF:"{sweep_grid}":sd').ReadAsArray()
    assert explained["probability"] == pytest.approx(float(sd[300, 300]))
    assert "did you mean 'mean'" in refused("explain", sweep_grid, x, y, "--variable", "mena")


def test_explain_names_the_grids_extent_for_a_point_outside(grid):
    message = refused("explain", grid / "out.nc", 1.0, 2.0)
    assert "lies outside the grid, which spans x" in message
    # A point a hundred-thousandth of a metre outside was printed rounded onto the edge.
    x0, _, _, y0, _, dy = gdal.Open(str(grid / "out.nc")).GetGeoTransform()
    x, y = x0 - 1e-5, int(y0 + 10 * dy)
    message = refused("explain", grid / "out.nc", repr(x), y)
    assert f"the point ({x!r}, {y}) lies outside the grid" in message and repr(x) != repr(x0)
    # Round coordinates in plain digits: 500000 was written 5e+05, which reads as a rounding.
    from osgeo import osr
    srs = osr.SpatialReference()
    srs.ImportFromEPSG(32638)
    ds = gdal.GetDriverByName("GTiff").Create(str(grid / "round.tif"), 40, 20, 1, gdal.GDT_Float32)
    ds.SetGeoTransform((500000.0, 10.0, 0.0, 4000000.0, 0.0, -10.0))
    ds.SetProjection(srs.ExportToWkt())
    ds.GetRasterBand(1).Fill(0.5)
    ds = None
    message = refused("explain", grid / "round.tif", 400000, 3999900)
    assert "spans x 500000 to 500400 and y 3999800 to 4000000 in its CRS" in message, message


# Formats and options ------------------------------------------------------------------------


def test_of_cog_passes_gdals_cog_validation_with_overviews(region, tmp_path):
    ok("slope", region / "dem.tif", tmp_path / "slope.tif", "-of", "COG", "-q")
    warnings, errors, _ = validate(str(tmp_path / "slope.tif"), full_check=True)
    assert errors == [], errors
    ds = gdal.Open(str(tmp_path / "slope.tif"))
    assert ds.GetRasterBand(1).GetOverviewCount() >= 1
    assert ds.GetMetadataItem("LAYOUT", "IMAGE_STRUCTURE") == "COG"
    # The same numbers as the plain GeoTIFF.
    ok("slope", region / "dem.tif", tmp_path / "plain.tif", "-q")
    assert np.array_equal(band(tmp_path / "slope.tif")[0], band(tmp_path / "plain.tif")[0], equal_nan=True)


def test_creation_options_reach_the_file_and_unknown_ones_are_refused(region, tmp_path):
    ok("tri", region / "dem.tif", tmp_path / "tri.tif", "--co", "COMPRESS=DEFLATE", "--co", "BLOCKXSIZE=128",
       "--co", "BLOCKYSIZE=128", "-q")
    ds = gdal.Open(str(tmp_path / "tri.tif"))
    assert ds.GetMetadataItem("COMPRESSION", "IMAGE_STRUCTURE") == "DEFLATE"
    assert ds.GetRasterBand(1).GetBlockSize() == [128, 128]
    message = refused("tri", region / "dem.tif", tmp_path / "tri2.tif", "--co", "COMPRES=DEFLATE", "-q")
    assert "COMPRESS" in message and not (tmp_path / "tri2.tif").exists()


def test_the_format_follows_the_extension_and_a_mismatch_is_refused(region, tmp_path):
    ok("slope", region / "dem.tif", tmp_path / "slope.nc", "-q")  # .nc: GDAL's netCDF driver
    assert gdal.Open(str(tmp_path / "slope.nc")).GetDriver().ShortName == "netCDF"
    assert "GTiff" in refused("slope", region / "dem.tif", tmp_path / "slope.png", "-of", "GTiff", "-q")
    assert "no GDAL raster format writes" in refused("slope", region / "dem.tif", tmp_path / "slope.qqq", "-q")
    assert "did you mean 'COG'" in refused("slope", region / "dem.tif", tmp_path / "s.tif", "-of", "CGO", "-q")
    # PNG holds no float32: refused, not written lossily.
    message = refused("slope", region / "dem.tif", tmp_path / "slope.png", "-q")
    assert "PNG" in message and not (tmp_path / "slope.png").exists()


def test_bands_carry_their_units_and_descriptions(region, tmp_path):
    for tool, unit in (("slope", "degree"), ("aspect", "degree"), ("tri", "m")):
        ok(tool, region / "dem.tif", tmp_path / f"{tool}.tif", "-q")
        _, got_unit, description = band(tmp_path / f"{tool}.tif")
        assert got_unit == unit and description, tool
    ok("density", region / "region.gpkg", tmp_path / "dens.tif", "--like", region / "dem.tif", "--layer", "finds",
       "--bandwidth", "200", "-q")
    assert band(tmp_path / "dens.tif")[1] == "km-2"
    ok("slope", region / "dem.tif", tmp_path / "slope.nc", "-q")
    assert band(tmp_path / "slope.nc")[1] == "degree"


def test_an_existing_tool_output_is_replaced_only_with_overwrite(region, tmp_path):
    out = tmp_path / "slope.tif"
    out.write_bytes(b"previous")
    assert "exists; give --overwrite" in refused("slope", region / "dem.tif", out, "-q")
    assert out.read_bytes() == b"previous"
    ok("slope", region / "dem.tif", out, "-q", "--overwrite")
    assert gdal.Open(str(out)).GetDriver().ShortName == "GTiff"


def test_run_names_its_format(region, tmp_path):
    message = refused("run", region / "scenario.toml", "-o", tmp_path / "grid.tif", "-q")
    assert "is not a netCDF name" in message and "grid.nc" in message


# What an adversarial review found (each a refusal, exit 2, nothing written) ----------------


def test_inputs_read_through_a_vrt_are_never_overwritten(region, tmp_path):
    dem = tmp_path / "dem.tif"
    shutil.copy(region / "dem.tif", dem)
    before = dem.read_bytes()
    gdal.BuildVRT(str(tmp_path / "dem.vrt"), [str(dem)])
    assert "is the input" in refused("slope", tmp_path / "dem.vrt", dem, "-q", "--overwrite")
    assert "is the input" in refused("slope", f"vrt://{dem}", dem, "-q", "--overwrite")
    assert dem.read_bytes() == before


def test_a_grid_read_through_a_vrt_of_its_gdal_name_is_never_overwritten(grid, tmp_path):
    """GDAL's file list of a VRT leaves out a source named NETCDF:"...":var; minerisk reads the
    VRT's sources itself, also nested and relative to the VRT."""
    nc = tmp_path / "out.nc"
    shutil.copy(grid / "out.nc", nc)
    before = nc.read_bytes()
    gdal.Translate(str(tmp_path / "p.vrt"), f'NETCDF:"{nc}":probability', format="VRT")
    text = (tmp_path / "p.vrt").read_text()
    assert 'relativeToVRT="1">NETCDF:"out.nc":probability' in text, text  # as GDAL writes it
    (tmp_path / "absolute.vrt").write_text(text.replace('relativeToVRT="1">NETCDF:"out.nc"', f'relativeToVRT="0">NETCDF:"{nc}"'))
    gdal.BuildVRT(str(tmp_path / "nested.vrt"), [str(tmp_path / "absolute.vrt")])
    gdal.Warp(str(tmp_path / "warped.vrt"), f'NETCDF:"{nc}":probability', format="VRT")  # its SourceDataset
    assert "<SourceDataset" in (tmp_path / "warped.vrt").read_text()
    # A VRT known by its content (inner.xml), and a chain deeper than a first limit of 8.
    shutil.copy(tmp_path / "p.vrt", tmp_path / "inner.xml")
    (tmp_path / "by_content.vrt").write_text(text.replace('NETCDF:"out.nc":probability', "inner.xml"))
    (tmp_path / "chain0.vrt").write_text(text)
    for k in range(1, 10):
        (tmp_path / f"chain{k}.vrt").write_text(text.replace('NETCDF:"out.nc":probability', f"chain{k - 1}.vrt"))
    for vrt in ("p.vrt", "absolute.vrt", "nested.vrt", "warped.vrt", "by_content.vrt", "chain9.vrt"):
        assert "is the input" in refused("slope", tmp_path / vrt, nc, "-q", "--overwrite"), vrt
    # vrt:// named relative to the working folder: its sources beside the file, not in "vrt:".
    r = subprocess.run([minerisk_bin(), "slope", "vrt://p.vrt", "out.nc", "-q", "--overwrite"], cwd=tmp_path,
                       capture_output=True, text=True, timeout=300)
    assert r.returncode == 2 and "is the input" in r.stderr, r.stderr
    assert nc.read_bytes() == before


@pytest.mark.parametrize("name, args, words", [
    ("s.bin", ["-of", "ENVI"], "no self-contained file"),      # a header beside the data
    ("s.mem", ["-of", "MEM"], "no self-contained file"),       # no file at all
    ("s.vrt", ["-of", "VRT"], "no self-contained file"),       # refers to temporaries
    ("s.gif", [], "cannot hold the grid's CRS"),                   # no CRS (and bytes)
    ("s.hf2", ["-of", "HF2"], "would not keep the float32 values"),  # scaled integers
    ("s.rst", [], "writes 2 files"),
    ("s.tif", ["--co", "COMPRESS=WEBP"], "would change the values"),
    ("s.tif", ["--co", "NBITS=16"], "would change the values"),
    ("s.tif", ["--co", "BLOCKXSIZE=100"], "GTiff cannot create the output with these creation options"),
    # A level GDAL only warns of and ignores: exit 1, "internal error", naming the temporary file.
    ("s.tif", ["--co", "ZSTD_LEVEL=99"], "(GDAL: ZSTD_LEVEL=99 value not recognised, ignoring.)"),
    ("s.tif", ["--compress", "DEFLATE", "--co", "ZLEVEL=42"], "(GDAL: ZLEVEL=42 value not recognised"),
])
def test_formats_that_would_lose_files_or_values_are_refused(region, tmp_path, name, args, words):
    message = refused("slope", region / "dem.tif", tmp_path / name, "-q", *args)
    assert words in message and ".minerisk-" not in message, message
    assert [p.name for p in tmp_path.iterdir()] == []  # nothing left, no private folder either


def test_a_format_that_cannot_hold_the_crs_is_refused(region, tmp_path):
    """Kro keeps no CRS (GDAL would put it in a side file that is not kept)."""
    assert "cannot hold the grid's CRS" in refused("slope", region / "dem.tif", tmp_path / "s.kro", "-q")
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("name, args", [("s.kro", []), ("s.rst", []), ("s.hf2", ["-of", "HF2"]), ("s.xyz", [])])
def test_a_format_that_cannot_hold_the_output_is_refused_before_the_work(region, tmp_path, name, args):
    """A trial copy of the grid's corner is refused as the whole output would be: before any
    tile is computed (no progress line), not once the work is done."""
    r = run_minerisk("slope", region / "dem.tif", tmp_path / name, *args)
    assert r.returncode == 2 and "cannot write" in r.stderr, r.stderr
    assert "tiles" not in r.stderr, r.stderr
    assert list(tmp_path.iterdir()) == []


def test_a_geopackage_raster_is_written_and_reads_back(region, tmp_path):
    ok("slope", region / "dem.tif", tmp_path / "slope.gpkg", "-q")
    ok("slope", region / "dem.tif", tmp_path / "slope.tif", "-q")
    assert np.array_equal(band(tmp_path / "slope.gpkg")[0], band(tmp_path / "slope.tif")[0], equal_nan=True)


def test_creation_options_may_come_before_the_files_as_in_gdal(region, tmp_path):
    ok("slope", "-co", "COMPRESS=LZW", region / "dem.tif", tmp_path / "a.tif", "-q")
    ok("slope", region / "dem.tif", "-co", "COMPRESS=LZW", tmp_path / "b.tif", "-q", "-of=GTiff")
    for name in ("a.tif", "b.tif"):
        assert gdal.Open(str(tmp_path / name)).GetMetadataItem("COMPRESSION", "IMAGE_STRUCTURE") == "LZW"


def test_names_without_a_variable_and_links_read_the_grid_and_its_evidence(grid, tmp_path):
    gt = gdal.Open(f'NETCDF:"{grid / "out.nc"}":probability').GetGeoTransform()
    x, y = gt[0] + 300.5 * gt[1], gt[3] + 300.5 * gt[5]
    (tmp_path / "link.nc").symlink_to(grid / "out.nc")
    for name in (f'NETCDF:"{grid / "out.nc"}"', f"NETCDF:{grid / 'out.nc'}", tmp_path / "link.nc"):
        explained = json.loads(ok("explain", name, x, y, "--json").stdout)
        assert explained["variable"] == "probability" and len(explained["layers"]) >= 4, name


def test_explain_refuses_the_evidence_file_of_another_run(region, tmp_path, write_scenario):
    ok("run", region / "scenario.toml", "-o", tmp_path / "p.nc", "-q", "--no-picture")
    ok("run", write_scenario(scenario_text(region, intercept="-4.0")), "-o", tmp_path / "q.nc", "-q", "--no-picture")
    (tmp_path / "q_evidence.nc").replace(tmp_path / "p_evidence.nc")
    gt = gdal.Open(str(region / "dem.tif")).GetGeoTransform()
    message = refused("explain", tmp_path / "p.nc", gt[0] + 3000, gt[3] - 3000)
    assert "another run" in message
    assert "not a pair of finite numbers" in refused("explain", tmp_path / "q.nc", "nan", gt[3] - 3000)


def test_pictures_and_fitted_scenarios_are_named_for_what_they_are(region, grid, tmp_path):
    assert ".png" in refused("evaluate", grid / "out.nc", "--truth", region / "region.gpkg", "--layer", "finds",
                             "-o", tmp_path / "r.json", "--picture", tmp_path / "r.jpg")
    assert ".toml" in refused("fit", region / "scenario.toml", "-o", tmp_path / "fitted.nc")
    assert list(tmp_path.iterdir()) == []
