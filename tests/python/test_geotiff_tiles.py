"""The tools' GeoTIFFs whose tiles the workers compress and libtiff appends (README, "The raster
tools"), against the same files written by GDAL: the same values bit for bit, the same tags, and
below that the same bytes before compression in every tile (the floating-point predictor's and
the padding of edge tiles); BigTIFF, other levels, the tile sizes that fall back to GDAL;
gdalinfo's checksum, gdal_translate and QGIS."""
import importlib.util
import json
import os
import subprocess

import numpy as np
import pytest
from osgeo import gdal

import tiff_tiles
from conftest import run_minerisk

gdal.UseExceptions()
PYTHON = "/usr/bin/python3"

TOOLS = {
    "slope": lambda r, out: ("slope", r / "dem.tif", out),
    "distance": lambda r, out: ("proximity", r / "region.gpkg", out, "--layer", "front_lines", "--like", r / "dem.tif"),
    "density": lambda r, out: ("density", r / "region.gpkg", out, "--layer", "finds", "--like", r / "dem.tif",
                               "--bandwidth", "250"),
}
# A creation option that changes nothing in the file but is not one minerisk knows to leave the
# encoding alone: it sends the output through GDAL's own writing, the reference here.
THROUGH_GDAL = ("--co", "PROFILE=GDALGeoTIFF")
ENCODED_BY_WORKERS = "the workers encode the tiles"


def write(region, tmp_path, tool, name, *options):
    out = tmp_path / name
    r = run_minerisk(*TOOLS[tool](region, out), "-v", "--threads", "2", *options)
    assert r.returncode == 0, r.stderr
    return out, ENCODED_BY_WORKERS in r.stderr


def band_bytes(path):
    ds = gdal.Open(str(path))  # kept while its band is read
    return ds.GetRasterBand(1).ReadRaster()


def described(path):
    """gdalinfo's description of a file, less what names the file itself."""
    info = gdal.Info(str(path), format="json", computeChecksum=True)
    for key in ("description", "files"):
        info.pop(key)
    return info


def same_stored_tiles(ours, gdals):
    """Each tile's bytes before compression are GDAL's (predictor and padding included); the
    directory holds the same tags and values but for where the tiles are."""
    a, b = tiff_tiles.directory(ours), tiff_tiles.directory(gdals)
    moved = (tiff_tiles.TILE_OFFSETS, tiff_tiles.TILE_BYTE_COUNTS)
    assert {k: v for k, v in a.items() if k not in moved} == {k: v for k, v in b.items() if k not in moved}
    compression = a[tiff_tiles.COMPRESSION][0]
    for i, (x, y) in enumerate(zip(tiff_tiles.raw_tiles(ours), tiff_tiles.raw_tiles(gdals))):
        assert tiff_tiles.predicted_bytes(x, compression) == tiff_tiles.predicted_bytes(y, compression), f"tile {i}"


@pytest.mark.parametrize("compress", ["ZSTD", "DEFLATE", "NONE"])
@pytest.mark.parametrize("tool", sorted(TOOLS))
def test_worker_encoded_tiles_are_what_gdal_writes(region, tmp_path, tool, compress):
    # 600 x 600 cells in 512-cell blocks: three of the four tiles are edge tiles.
    ours, encoded = write(region, tmp_path, tool, "ours.tif", "--compress", compress)
    gdals, by_gdal = write(region, tmp_path, tool, "gdal.tif", "--compress", compress, *THROUGH_GDAL)
    assert encoded and not by_gdal
    assert band_bytes(ours) == band_bytes(gdals)
    assert described(ours) == described(gdals)  # checksum, nodata, CRS, metadata, structure
    same_stored_tiles(ours, gdals)


@pytest.mark.parametrize("tool", sorted(TOOLS))
def test_small_tiles_many_edge_tiles_and_tile_sizes_gdal_writes(region, tmp_path, tool):
    reference, _ = write(region, tmp_path, tool, "plain.tif", "--compress", "NONE", *THROUGH_GDAL)
    small, encoded = write(region, tmp_path, tool, "small.tif", "--tile-size", "48")  # 13 x 13 tiles
    odd, odd_encoded = write(region, tmp_path, tool, "odd.tif", "--tile-size", "200")  # 256-cell blocks: GDAL
    assert encoded and not odd_encoded
    assert band_bytes(small) == band_bytes(reference) == band_bytes(odd)
    assert tiff_tiles.directory(small)[tiff_tiles.TILE_WIDTH] == (48,)


def test_bigtiff_and_other_levels(region, tmp_path):
    reference, _ = write(region, tmp_path, "slope", "plain.tif", "--compress", "NONE")
    big, encoded = write(region, tmp_path, "slope", "big.tif", "--co", "BIGTIFF=YES", "--co", "ZSTD_LEVEL=7")
    gdal_big, _ = write(region, tmp_path, "slope", "gdal_big.tif", "--co", "BIGTIFF=YES", "--co", "ZSTD_LEVEL=7",
                        *THROUGH_GDAL)
    deflate, deflate_encoded = write(region, tmp_path, "slope", "z9.tif", "--compress", "DEFLATE", "--co", "ZLEVEL=9")
    assert encoded and deflate_encoded
    assert tiff_tiles.directory(big)["bigtiff"]
    assert band_bytes(big) == band_bytes(reference) == band_bytes(deflate)
    same_stored_tiles(big, gdal_big)


def test_encodings_minerisk_does_not_write_itself_stay_with_gdal(region, tmp_path):
    reference, _ = write(region, tmp_path, "slope", "plain.tif", "--compress", "NONE")
    for name, options in {"lzw.tif": ("--compress", "LZW"), "pred2.tif": ("--co", "PREDICTOR=2"),
                          "striped.tif": ("--co", "TILED=NO")}.items():
        out, encoded = write(region, tmp_path, "slope", name, *options)
        assert not encoded, name
        assert band_bytes(out) == band_bytes(reference), name


def test_gdal_tools_take_the_files(region, tmp_path):
    ours, _ = write(region, tmp_path, "distance", "ours.tif")
    info = subprocess.run(["gdalinfo", "-checksum", str(ours)], capture_output=True, text=True, check=True)
    assert "Checksum=" in info.stdout and "ERROR" not in info.stderr
    for of, name in (("COG", "cog.tif"), ("GTiff", "copy.tif")):
        subprocess.run(["gdal_translate", "-q", "-of", of, str(ours), str(tmp_path / name)], check=True)
        assert band_bytes(tmp_path / name) == band_bytes(ours)
    # -of COG copies a GeoTIFF written the same way.
    cog, _ = write(region, tmp_path, "distance", "minerisk_cog.tif", "-of", "COG")
    assert band_bytes(cog) == band_bytes(ours)


QGIS_SCRIPT = r"""
import json, sys
from qgis.core import QgsApplication, QgsRasterLayer
app = QgsApplication([], False)
app.initQgis()
out = []
for path in sys.argv[1:]:
    layer = QgsRasterLayer(path, "layer")
    provider = layer.dataProvider()
    block = provider.block(1, layer.extent(), layer.width(), layer.height())
    cells = [(r, c) for r in range(0, layer.height(), 37) for c in range(0, layer.width(), 41)]
    out.append({"valid": layer.isValid(), "size": [layer.width(), layer.height()],
                "values": [block.value(r, c) for r, c in cells], "nodata": [block.isNoData(r, c) for r, c in cells]})
    del block, provider, layer  # before exitQgis, which would otherwise crash on them
print(json.dumps(out))
app.exitQgis()
"""


@pytest.mark.skipif(importlib.util.find_spec("qgis") is None, reason="python3-qgis is not installed")
def test_qgis_reads_the_values(region, tmp_path):
    paths = [write(region, tmp_path, tool, f"{tool}.tif")[0] for tool in ("slope", "density")]
    script = tmp_path / "qgis_read.py"
    script.write_text(QGIS_SCRIPT)
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen", "XDG_RUNTIME_DIR": str(tmp_path)}
    env.pop("LD_PRELOAD", None)  # as in test_gis_clients: QGIS runs without the sanitizers' runtime
    r = subprocess.run([PYTHON, str(script), *map(str, paths)], capture_output=True, text=True, env=env, timeout=300)
    assert r.returncode == 0, r.stderr[-3000:]
    for path, got in zip(paths, json.loads(r.stdout.strip().splitlines()[-1])):
        assert got["valid"] and got["size"] == [600, 600]
        ds = gdal.Open(str(path))
        band = ds.GetRasterBand(1)
        values = band.ReadAsArray()[::37, ::41].ravel()
        missing = values == band.GetNoDataValue()
        assert got["nodata"] == missing.tolist()
        assert np.array(got["values"])[~missing].tolist() == values[~missing].astype(np.float64).tolist()


def test_a_big_endian_file_with_a_predictor_is_refused_and_without_one_goes_to_gdal(region, tmp_path):
    # GDAL 3.6 writes wrong values for a big-endian GeoTIFF with a predictor, with exit status 0.
    for options in (("--co", "ENDIANNESS=BIG"), ("--config", "GDAL_TIFF_ENDIANNESS", "BIG")):
        out = tmp_path / "big.tif"
        r = run_minerisk("slope", region / "dem.tif", out, *options)
        assert r.returncode == 2 and "ENDIANNESS=BIG" in r.stderr and not out.exists(), r.stderr
    reference, _ = write(region, tmp_path, "slope", "plain.tif", "--compress", "NONE")
    out, encoded = write(region, tmp_path, "slope", "big.tif", "--config", "GDAL_TIFF_ENDIANNESS", "BIG", "--co",
                         "PREDICTOR=1")
    assert not encoded  # the workers' codec writes little-endian tiles only
    assert band_bytes(out) == band_bytes(reference)
