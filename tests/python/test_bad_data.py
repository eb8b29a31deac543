"""Damaged files, impossible numbers and faults while writing: each stops with exit code 2 and
one line naming the file (and layer, field, feature) and what is wrong, leaves the previous
output as it was, changes no input and leaves no temporary file behind."""
import hashlib
import os
import pathlib
import shutil
import sqlite3
import subprocess
import uuid

import numpy as np
import pytest
from osgeo import gdal, ogr, osr

from conftest import run_minerisk, scenario_text
from test_bad_inputs import make_vector, replace_section

gdal.UseExceptions()
ogr.UseExceptions()

PREVIOUS = b"a previous good output that must survive"


def digest(path):
    return hashlib.sha256(pathlib.Path(path).read_bytes()).hexdigest()


def check_refused(args, folder, inputs, *expected, output="out.h5"):
    """Runs minerisk with ARGS (OUT stands for the output) over an existing output; checks
    the refusal, that the output and the inputs are unchanged and that nothing was left."""
    folder = pathlib.Path(folder)
    out = folder / output
    out.write_bytes(PREVIOUS)
    before = sorted(os.listdir(folder))
    hashes = {p: digest(p) for p in inputs}
    result = run_minerisk(*[out if a == "OUT" else a for a in args])
    assert result.returncode == 2, (result.returncode, result.stderr)
    message = result.stderr.strip()
    assert message.count("\n") == 0, f"not one line: {message!r}"
    assert message.startswith("minerisk: error: ")
    for text in expected:
        assert text in message, f"{text!r} not in {message!r}"
    assert out.read_bytes() == PREVIOUS
    assert sorted(os.listdir(folder)) == before, "a stray file was left behind"
    for p, h in hashes.items():
        assert digest(p) == h, f"input {p} was changed"
    return message


def run_refused(scenario_path, folder, inputs, *expected):
    return check_refused(("run", scenario_path, "-o", "OUT", "-q"), folder, [scenario_path, *inputs], *expected)


def region_copy(region, folder, dem=None, gpkg=None):
    """A scenario over the region, with the DEM or the GeoPackage replaced."""
    text = scenario_text(region, dem=dem)
    if gpkg:
        text = text.replace(str(pathlib.Path(region) / "region.gpkg"), str(gpkg))
    path = pathlib.Path(folder) / "scenario.toml"
    path.write_text(text)
    return path


# --- damaged inputs -----------------------------------------------------------------------------

def damaged_gpkg(region, folder):
    """region.gpkg with one page of the finds table overwritten: OGR reads the features before it
    and then stops, with only a message ("database disk image is malformed")."""
    gpkg = pathlib.Path(folder) / "damaged.gpkg"
    shutil.copy(pathlib.Path(region) / "region.gpkg", gpkg)
    con = sqlite3.connect(gpkg)
    page_size = con.execute("pragma page_size").fetchone()[0]
    root = con.execute("select rootpage from sqlite_master where name = 'finds'").fetchone()[0]
    con.close()
    with open(gpkg, "r+b") as f:  # a leaf page of the table, a few pages past its root
        f.seek((root + 2) * page_size)
        f.write(b"\xa5" * page_size)
    # The premise: OGR reads part of the layer, then complains.
    n = 0
    with _quiet():
        ds = gdal.OpenEx(str(gpkg), gdal.OF_VECTOR)
        layer = ds.GetLayerByName("finds")
        try:
            for _ in layer:
                n += 1
        except RuntimeError:
            pass
        layer = ds = None
    ds = gdal.OpenEx(str(pathlib.Path(region) / "region.gpkg"), gdal.OF_VECTOR)
    total = ds.GetLayerByName("finds").GetFeatureCount()
    ds = None
    assert 0 < n < total, (n, total)
    return gpkg


class _quiet:
    def __enter__(self):
        gdal.PushErrorHandler("CPLQuietErrorHandler")

    def __exit__(self, *exc):
        gdal.PopErrorHandler()


def test_damaged_geopackage_is_not_read_partially(region, tmp_path):
    gpkg = damaged_gpkg(region, tmp_path)
    s = region_copy(region, tmp_path, gpkg=gpkg)
    run_refused(s, tmp_path, [gpkg], "finds", "layer 'finds'", "damaged.gpkg", "database disk image is malformed",
                "damaged")


def damaged_tile_tif(region, folder):
    """dem.tif with the start of its second tile's compressed data overwritten."""
    tif = pathlib.Path(folder) / "damaged.tif"
    shutil.copy(pathlib.Path(region) / "dem.tif", tif)
    ds = gdal.Open(str(tif))
    offset = int(ds.GetRasterBand(1).GetMetadataItem("BLOCK_OFFSET_1_0", "TIFF"))
    ds = None
    with open(tif, "r+b") as f:
        f.seek(offset)
        f.write(b"\xff" * 64)
    return tif


def test_damaged_geotiff_tile_in_a_run(region, tmp_path):
    tif = damaged_tile_tif(region, tmp_path)
    s = region_copy(region, tmp_path, dem=tif)
    message = run_refused(s, tmp_path, [tif, pathlib.Path(region) / "region.gpkg"], "terrain.dem", "damaged.tif",
                          "reading", "GDAL reports", "damaged")
    assert "internal error" not in message


def test_damaged_geotiff_tile_warped_onto_another_grid(region, tmp_path):
    # A grid of 15 m cells: the DEM goes through GDAL's warper, which meets the bad block too.
    tif = damaged_tile_tif(region, tmp_path)
    grid = '[grid]\ncrs = "EPSG:32638"\nresolution = 15\nbounds = [640000, 4414000, 646000, 4420000]\n'
    s = tmp_path / "scenario.toml"
    s.write_text(scenario_text(region, dem=tif, grid=grid))
    run_refused(s, tmp_path, [tif], "terrain.dem", "damaged.tif", "GDAL reports")


def test_damaged_geotiff_tile_in_a_tool(region, tmp_path):
    tif = damaged_tile_tif(region, tmp_path)
    check_refused(("slope", tif, "OUT", "-q"), tmp_path, [tif], "input", "damaged.tif", "GDAL reports",
                  output="out.tif")


def test_truncated_geotiff_is_called_damaged_not_unreferenced(region, tmp_path):
    tif = tmp_path / "truncated.tif"
    tif.write_bytes((pathlib.Path(region) / "dem.tif").read_bytes()[:300])
    s = region_copy(region, tmp_path, dem=tif)
    message = run_refused(s, tmp_path, [tif], "terrain.dem", "truncated.tif", "unreadable", "truncated")
    assert "has no CRS" not in message
