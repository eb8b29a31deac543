"""minerisk update against a full run on the inputs that are hardest to fingerprint: every
feature kind at once (where filters, survey sites, uncapped distances, raster layers), a
geographic grid, a raster's sidecar (.aux.xml), a VRT's source and a mosaic tile's header, and a previous output that
was re-encoded by another tool or damaged on disk."""
import os
import random
import shutil
import subprocess

import h5py
import numpy as np
import pytest
from osgeo import gdal, osr

from conftest import run_minerisk, scenario_text
from update_helpers import (TILE, add_clearance, add_find, assert_same_output, edit_dem, find_ids, first_fid, frame,
                            full_run, move_find, private_region, set_field, summary, update)

EVERY_KIND = """
[model.evidence.slope]
feature = "slope"
weight = -0.04

[model.evidence.rugged]
feature = "ruggedness"
weight = -0.2
transform = {{ type = "step", threshold = 6.0 }}

[model.evidence.height]
feature = "elevation"
weight = 0.001

[model.evidence.front]
feature = "front_line_distance"
weight = 3.0
transform = {{ type = "exp_decay", length = 400.0 }}

[model.evidence.single_finds]
feature = "find_density"
bandwidth = 150.0
where = "count = 1"
weight = 0.9
transform = "log1p"

[model.evidence.share]
feature = "find_share"
where = "count = 1"
others = "count > 1"
bandwidth = 150.0
weight = 1.0

[model.evidence.contrast]
feature = "find_contrast"
where = "count = 1"
others = "count > 1"
weight = 0.5

[model.evidence.records]
feature = "record_coverage"
weight = 2.0

[model.evidence.near_cleared]
feature = "vector_distance"
path = "{gpkg}"
layer = "cleared"
weight = -0.3
transform = {{ type = "step", threshold = 100.0 }}

[model.evidence.terrain_raster]
feature = "raster"
path = "{raster}"
weight = 0.0005
"""


def random_edits(copy, scenario, out, tmp_path, rounds, seed, raster=None):
    x0, y0, cell = frame(copy)
    rng = random.Random(seed)
    for _ in range(rounds):
        edit = rng.choice(["add", "move", "clear", "reliability", "dem", "raster" if raster else "dem"])
        x, y = x0 + rng.uniform(0, 600) * cell, y0 - rng.uniform(0, 600) * cell
        if edit == "add":
            add_find(copy, x, y, rng.choice([1, 2]))
        elif edit == "move":
            move_find(copy, rng.choice(find_ids(copy)), rng.uniform(-200, 200), rng.uniform(-200, 200))
        elif edit == "clear":
            add_clearance(copy, x, y - 100, x + 150, y, 0.8)
        elif edit == "reliability":
            set_field(copy, "records", first_fid(copy, "records"), "reliability", rng.choice([0.2, 0.7]))
        elif edit == "dem":
            edit_dem(copy, rng.randrange(0, 560), rng.randrange(0, 560), 30, 20.0)
        else:
            ds = gdal.Open(str(raster), gdal.GA_Update)
            band = ds.GetRasterBand(1)
            r, c = rng.randrange(0, ds.RasterYSize - 10), rng.randrange(0, ds.RasterXSize - 10)
            band.WriteArray(band.ReadAsArray(c, r, 10, 10) + np.float32(50), c, r)
            ds = None
        s = summary(update(scenario, out))
        full_run(scenario, tmp_path / "full.nc")
        assert_same_output(out, tmp_path / "full.nc")
        assert s["full_reason"] is None, edit
        assert s["previous_copied_by"] in ("reflink", "kernel copy", "read and write"), edit


def test_every_feature_kind(region, tmp_path):
    copy, scenario = private_region(region, tmp_path)
    raster = copy / "terrain.tif"
    gdal.Translate(str(raster), str(copy / "dem.tif"), xRes=30, yRes=30, resampleAlg="average")
    scenario.write_text(scenario_text(copy, evidence=EVERY_KIND.format(gpkg=copy / "region.gpkg", raster=raster)))
    out = tmp_path / "out.nc"
    summary(update(scenario, out))
    random_edits(copy, scenario, out, tmp_path, rounds=6, seed=4, raster=raster)


def test_geographic_grid(region, tmp_path):
    copy, scenario = private_region(region, tmp_path)
    ds = gdal.Open(str(copy / "dem.tif"))
    gt, n = ds.GetGeoTransform(), ds.RasterXSize
    utm = osr.SpatialReference(wkt=ds.GetProjection())
    wgs = osr.SpatialReference()
    wgs.ImportFromEPSG(4326)
    wgs.SetAxisMappingStrategy(osr.OAMS_TRADITIONAL_GIS_ORDER)
    to_geo = osr.CoordinateTransformation(utm, wgs)
    west, north, _ = to_geo.TransformPoint(gt[0] + 500, gt[3] - 500)
    east, south, _ = to_geo.TransformPoint(gt[0] + n * gt[1] - 500, gt[3] + n * gt[5] + 500)
    grid = f'[grid]\ncrs = "EPSG:4326"\nresolution = [0.00012, 0.0001]\nbounds = [{west}, {south}, {east}, {north}]\n'
    scenario.write_text(scenario_text(copy, grid=grid))
    out = tmp_path / "out.nc"
    summary(update(scenario, out))
    random_edits(copy, scenario, out, tmp_path, rounds=4, seed=5)


def test_a_sidecar_of_the_dem_counts(region, tmp_path):
    copy, scenario = private_region(region, tmp_path)
    out = tmp_path / "out.nc"
    summary(update(scenario, out))
    (copy / "dem.tif.aux.xml").write_text(
        '<PAMDataset><PAMRasterBand band="1"><Offset>25</Offset><Scale>1.5</Scale></PAMRasterBand></PAMDataset>')
    s = summary(update(scenario, out))
    assert s["tiles_recomputed"] > 0 and any(p.endswith("dem.tif.aux.xml") for p in s["files_changed"])
    full_run(scenario, tmp_path / "full.nc")
    assert_same_output(out, tmp_path / "full.nc")


@pytest.mark.parametrize("source", ["{}", "GTIFF_DIR:1:{}"])
def test_a_vrt_source_counts(region, tmp_path, source):
    """Also a source in one of GDAL's forms, which GDAL's own list of the VRT's files leaves out."""
    copy, scenario = private_region(region, tmp_path)
    gdal.BuildVRT(str(copy / "dem.vrt"), [source.format(copy / "dem.tif")])
    scenario.write_text(scenario.read_text().replace(str(copy / "dem.tif"), str(copy / "dem.vrt")))
    out = tmp_path / "out.nc"
    summary(update(scenario, out))
    edit_dem(copy, 200, 200, 50, 40.0)  # the VRT itself is untouched
    s = summary(update(scenario, out))
    assert 0 < s["tiles_recomputed"] < 25 and s["tiles_by_input"].keys() == {"terrain.dem"}
    full_run(scenario, tmp_path / "full.nc")
    assert_same_output(out, tmp_path / "full.nc")


def test_a_header_beside_a_mosaic_tile_counts(region, tmp_path):
    """A mosaic's tiles are listed without being opened; an ENVI tile's header, which says how its
    bytes read, is found by name beside the tile (it went unnoticed)."""
    copy, scenario = private_region(region, tmp_path)
    gdal.Translate(str(copy / "dem.envi"), str(copy / "dem.tif"), format="ENVI", outputType=gdal.GDT_Int16)
    gdal.BuildVRT(str(copy / "dem.vrt"), [str(copy / "dem.envi")])
    scenario.write_text(scenario.read_text().replace(str(copy / "dem.tif"), str(copy / "dem.vrt")))
    out = tmp_path / "out.nc"
    summary(update(scenario, out))
    header = copy / "dem.hdr"
    assert "byte order = 0" in header.read_text()
    header.write_text(header.read_text().replace("byte order = 0", "byte order = 1"))  # the bytes read swapped
    s = summary(update(scenario, out))
    assert s["tiles_recomputed"] > 0 and any(p.endswith("dem.hdr") for p in s["files_changed"]), s
    full_run(scenario, tmp_path / "full.nc")
    assert_same_output(out, tmp_path / "full.nc")


@pytest.mark.skipif(shutil.which("nccopy") is None, reason="nccopy (netcdf-bin) is installed by scripts/setup")
def test_a_reencoded_previous_output_is_recomputed(region, tmp_path):
    copy, scenario = private_region(region, tmp_path)
    out = tmp_path / "out.nc"
    summary(update(scenario, out))
    # Without the sanitizers' runtime that scripts/sanitize preloads: nccopy hangs under it.
    env = {k: v for k, v in os.environ.items() if k != "LD_PRELOAD"}
    subprocess.run(["nccopy", "-d", "5", str(out), str(tmp_path / "re.nc")], check=True, env=env, timeout=120)
    shutil.move(tmp_path / "re.nc", out)  # the same values, other bytes: shuffle dropped, level 5
    s = summary(update(scenario, out))
    # Its chunks are not the sizes the record gives: nothing is copied from it.
    assert "rewritten by another tool" in s["full_reason"] and s["tiles_recomputed"] == 25
    assert s["previous_copied_by"] is None
    full_run(scenario, tmp_path / "full.nc")
    assert_same_output(out, tmp_path / "full.nc")


@pytest.mark.skipif(shutil.which("h5repack") is None, reason="h5repack (hdf5-tools) is installed by scripts/setup")
def test_an_output_repacked_with_the_same_filters_is_not_copied_from(region, tmp_path):
    """h5repack with the run's own filters (shuffle, deflate level 1) keeps every value, every
    attribute and the record, and stores each chunk in other bytes (zlib's, not libdeflate's).
    An update checks only some chunks' CRC-32s after a reflink, so it could carry the others
    over; the chunk sizes the record keeps show the rewrite at once."""
    copy, scenario = private_region(region, tmp_path)
    out = tmp_path / "out.nc"
    summary(update(scenario, out))
    env = {k: v for k, v in os.environ.items() if k != "LD_PRELOAD"}
    subprocess.run(["h5repack", "-f", "SHUF", "-f", "GZIP=1", str(out), str(tmp_path / "re.nc")], check=True, env=env,
                   timeout=120)
    with h5py.File(out, "r") as before, h5py.File(tmp_path / "re.nc", "r") as after:
        assert np.array_equal(before["probability"][:], after["probability"][:], equal_nan=True)
        assert after["probability"].compression == "gzip" and after["probability"].shuffle
        assert after["update"].attrs["record_sha256"] == before["update"].attrs["record_sha256"]
    shutil.move(tmp_path / "re.nc", out)
    x0, y0, cell = frame(copy)
    add_find(copy, x0 + 150 * cell, y0 - 200 * cell, 1)
    s = summary(update(scenario, out))
    assert "rewritten by another tool" in s["full_reason"] and s["tiles_recomputed"] == 25
    full_run(scenario, tmp_path / "full.nc")
    assert_same_output(out, tmp_path / "full.nc")


def test_a_damaged_chunk_is_recomputed_not_copied(region, tmp_path):
    copy, scenario = private_region(region, tmp_path)
    out = tmp_path / "out.nc"
    summary(update(scenario, out))
    with h5py.File(out, "r") as f:
        info = f["probability"].id.get_chunk_info_by_coord((TILE, TILE))
    with open(out, "r+b") as f:  # one byte in the middle of one stored chunk
        f.seek(info.byte_offset + info.size // 2)
        byte = f.read(1)
        f.seek(info.byte_offset + info.size // 2)
        f.write(bytes([byte[0] ^ 0x5A]))
    s = summary(update(scenario, out))
    assert s["tiles_damaged"] == 1 and s["tiles_recomputed"] == 1
    assert s["previous_copied_by"] is not None  # the damaged chunk is written over in the copy
    full_run(scenario, tmp_path / "full.nc")
    assert_same_output(out, tmp_path / "full.nc")


def test_a_damaged_chunk_is_not_said_to_be_nothing(region, tmp_path):
    """The text summary said "nothing changed; 1 of 25 tiles recomputed" for a damaged chunk."""
    copy, scenario = private_region(region, tmp_path)
    out = tmp_path / "out.nc"
    summary(update(scenario, out))
    with h5py.File(out, "r") as f:
        info = f["probability"].id.get_chunk_info_by_coord((0, 0))
    with open(out, "r+b") as f:
        f.seek(info.byte_offset + info.size // 2)
        byte = f.read(1)
        f.seek(info.byte_offset + info.size // 2)
        f.write(bytes([byte[0] ^ 0x5A]))
    r = run_minerisk("update", scenario, "-o", out, "--tile-size", TILE)
    assert r.returncode == 0 and "minerisk update: no input changed; 1 of 25 tiles recomputed" in r.stderr, r.stderr
    assert "note: 1 unchanged tiles of the previous output failed their check" in r.stderr
    r = run_minerisk("update", scenario, "-o", out, "--tile-size", TILE)
    assert "minerisk update: nothing changed; 0 of 25 tiles recomputed" in r.stderr, r.stderr


@pytest.mark.parametrize("target", ["picture_maxima", "chunk_digests", "tile_fingerprints", "changes"])
def test_a_tampered_record_makes_a_full_computation(region, tmp_path, target):
    """A record changed by anyone but minerisk is not trusted: its checksum fails, every tile is
    computed again, and the picture and the digests are right again."""
    copy, scenario = private_region(region, tmp_path)
    out = tmp_path / "out.nc"
    summary(update(scenario, out))
    with h5py.File(out, "r+") as f:
        group = f["update"]
        if target == "changes":
            del group.attrs["changes"]
            group.attrs.create("changes", np.bytes_("{}"))
        else:
            data = group[target][()]
            data[3] ^= 0xFF
            group[target][...] = data
    s = summary(update(scenario, out))
    assert s["tiles_recomputed"] == 25 and "damaged" in s["full_reason"]
    full_run(scenario, tmp_path / "full.nc")
    assert_same_output(out, tmp_path / "full.nc")


@pytest.mark.parametrize("extra", [["--bogus"], ["--keep", "-1"], ["--evidence", "wrong"], ["--log-format=JSON", "-x"]])
def test_a_command_line_that_does_not_parse_is_logged_as_json(region, tmp_path, extra):
    """A nightly job reads the JSON log, not the exit code: a mistyped option wrote its error to
    stderr only, and the log said nothing."""
    import json

    import jsonschema
    from conftest import ROOT, run_minerisk
    schema = json.loads((ROOT / "engine" / "ops" / "update_log.schema.json").read_text())
    scenario = tmp_path / "scenario.toml"
    scenario.write_text(scenario_text(region))
    r = run_minerisk("update", scenario, "-o", tmp_path / "out.nc", "--log-format", "json", *extra)
    assert r.returncode == 2 and r.stderr.count("\n") == 1, r.stderr
    [line] = r.stdout.splitlines()
    event = json.loads(line)
    jsonschema.validate(event, schema)
    assert event["event"] == "error" and event["exit_code"] == 2 and event["message"] in r.stderr
    # Without the JSON log, stdout stays empty.
    r = run_minerisk("update", scenario, "-o", tmp_path / "out.nc", "--bogus")
    assert r.returncode == 2 and r.stdout == ""


def test_files_changed_names_each_file_once(region, tmp_path):
    """A layer read as NETCDF:"f.nc":var was listed twice, once by its GDAL name (no file)."""
    import json

    from conftest import run_minerisk
    layer = tmp_path / "dens.nc"
    make = ["density", region / "region.gpkg", layer, "--layer", "finds", "--like", region / "dem.tif", "-q",
            "--overwrite"]
    assert run_minerisk(*make, "--bandwidth", "300").returncode == 0
    evidence = f"""
[model.evidence.dens]
feature = "raster"
path = 'NETCDF:"{layer}":density'
weight = 0.1
"""
    scenario = tmp_path / "scenario.toml"
    scenario.write_text(scenario_text(region, evidence=evidence))
    out = tmp_path / "out.nc"
    assert run_minerisk("update", scenario, "-o", out, "-q").returncode == 0
    assert run_minerisk(*make, "--bandwidth", "500").returncode == 0
    r = run_minerisk("update", scenario, "-o", out, "--log-format", "json")
    assert r.returncode == 0, r.stderr
    summary = json.loads(r.stdout.splitlines()[-1])
    assert summary["files_changed"] == [str(layer)], summary["files_changed"]


def test_an_edit_of_a_shapefiles_dbf_is_a_changed_input(region, tmp_path):
    """The finds' counts of a shapefile live in its .dbf, which was neither hashed nor recorded:
    an update recomputed the tiles but said files_changed [], and both grids named the same
    finds file by the same SHA-256."""
    import json
    copy, scenario = private_region(region, tmp_path)
    shp = copy / "finds.shp"
    gdal.VectorTranslate(str(shp), str(copy / "region.gpkg"), format="ESRI Shapefile", layers=["finds"])
    text = scenario.read_text().replace(f'path = "{copy / "region.gpkg"}"\nlayer = "finds"',
                                        f'path = "{shp}"\nlayer = "finds"')
    assert str(shp) in text
    scenario.write_text(text)
    out = tmp_path / "out.nc"
    summary(update(scenario, out))
    with h5py.File(out, "r") as f:
        recorded = {i["path"]: (i["role"], i["sha256"]) for i in json.loads(f.attrs["inputs"])}
    assert recorded[str(copy / "finds.dbf")][0] == "read for finds"
    ds = gdal.OpenEx(str(shp), gdal.OF_VECTOR | gdal.OF_UPDATE)  # as QGIS edits a count: the .dbf only
    layer = ds.GetLayer(0)
    feature = layer.GetNextFeature()
    feature.SetField("count", 7)
    layer.SetFeature(feature)
    ds = None
    s = summary(update(scenario, out))
    assert s["files_changed"] == [str(copy / "finds.dbf")] and s["tiles_recomputed"] > 0, s
    with h5py.File(out, "r") as f:
        after = {i["path"]: i["sha256"] for i in json.loads(f.attrs["inputs"])}
    assert after[str(copy / "finds.dbf")] != recorded[str(copy / "finds.dbf")][1]
    assert after[str(shp)] == recorded[str(shp)][1]


def test_a_folder_of_shapefiles_records_the_files_of_the_layer_read(region, tmp_path):
    """A folder's every shapefile was recorded as read for the finds, so an edit of another
    layer's .dbf was a changed input of the finds, with no tile recomputed (review)."""
    import json
    copy, scenario = private_region(region, tmp_path)
    folder = copy / "shapes"
    for layer in ("finds", "cleared"):
        gdal.VectorTranslate(str(folder), str(copy / "region.gpkg"), format="ESRI Shapefile", layers=[layer],
                             accessMode="append" if folder.exists() else None)
    scenario.write_text(scenario.read_text().replace(f'path = "{copy / "region.gpkg"}"\nlayer = "finds"',
                                                     f'path = "{folder}"\nlayer = "finds"'))
    out = tmp_path / "out.nc"
    summary(update(scenario, out))
    with h5py.File(out, "r") as f:
        read_for_finds = {i["path"] for i in json.loads(f.attrs["inputs"]) if i["role"] == "read for finds"}
    assert read_for_finds == {str(folder / ("finds" + ext)) for ext in (".shp", ".shx", ".dbf", ".prj")}
    # The layer named in another case, as OGR finds it: the same files (review).
    scenario.write_text(scenario.read_text().replace(f'path = "{folder}"\nlayer = "finds"',
                                                     f'path = "{folder}"\nlayer = "FINDS"'))
    summary(update(scenario, out))
    with h5py.File(out, "r") as f:
        assert read_for_finds == {i["path"] for i in json.loads(f.attrs["inputs"]) if i["role"] == "read for finds"}
