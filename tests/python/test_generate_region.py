"""The realistic region generator (datasets/generate_region.py): determinism, the known data's
consistency with the hidden truth, the files' CRS and formats, and a minerisk run on its scenario.
Regions are small (a few seconds each) so the whole file runs in well under a minute."""
import hashlib
import json
import os
import pathlib
import subprocess

import numpy as np
import pytest
from osgeo import gdal, ogr
from shapely import wkb
from shapely.ops import unary_union

import generate_region  # conftest.py puts datasets/ on sys.path
from conftest import ROOT, run_minerisk

gdal.UseExceptions()
EPSG = "32638"
MAX_SLOPE = 35.0  # degrees, as datasets/region/terrain.py promises
REGION_LAYERS = {"settlements", "roads", "rivers", "front_lines", "records", "cleared", "finds"}
TRUTH_LAYERS = {"minefields", "devices", "battle_areas"}


@pytest.fixture(scope="module")
def small(tmp_path_factory):
    """3 x 3 km at 10 m."""
    out = tmp_path_factory.mktemp("small")
    generate_region.generate(str(out), size=300, cell=10.0, seed=3)
    return out


@pytest.fixture(scope="module")
def wide(tmp_path_factory):
    """20 x 20 km at 25 m: some 40 minefields and 30 records, so shares mean something."""
    out = tmp_path_factory.mktemp("wide")
    generate_region.generate(str(out), size=800, cell=25.0, seed=3)
    return out


def features(path, layer):
    """[(shapely geometry, {field: value})] of a layer."""
    ds = ogr.Open(str(path))
    out = []
    for f in ds.GetLayerByName(layer):
        out.append((wkb.loads(bytes(f.GetGeometryRef().ExportToWkb())), f.items()))
    return out


def digests(folder):
    """SHA-256 of every file; region.json without its generation time, the one thing that may vary."""
    out = {}
    for path in sorted(pathlib.Path(folder).iterdir()):
        data = path.read_bytes()
        if path.name == "region.json":
            summary = json.loads(data)
            summary.pop("generation_seconds")
            data = json.dumps(summary, sort_keys=True).encode()
        out[path.name] = hashlib.sha256(data).hexdigest()
    return out


def test_same_seed_gives_byte_identical_files(small, tmp_path):
    generate_region.generate(str(tmp_path), size=300, cell=10.0, seed=3)
    first, second = digests(small), digests(tmp_path)
    assert set(first) == {"dem.tif", "landcover.tif", "region.gpkg", "truth.gpkg", "scenario.toml", "region.json"}
    assert first == second


def test_different_seeds_give_different_regions(small, tmp_path):
    generate_region.generate(str(tmp_path), size=300, cell=10.0, seed=4)
    first, second = digests(small), digests(tmp_path)
    for name in ("dem.tif", "landcover.tif", "region.gpkg", "truth.gpkg"):
        assert first[name] != second[name], name


def test_every_layer_and_raster_is_in_utm_38n(small):
    for name, expected in (("region.gpkg", REGION_LAYERS), ("truth.gpkg", TRUTH_LAYERS)):
        ds = ogr.Open(str(small / name))
        layers = {ds.GetLayer(k).GetName() for k in range(ds.GetLayerCount())}
        assert layers == expected, name
        for layer in ds:
            srs = layer.GetSpatialRef()
            assert srs.GetAuthorityCode(None) == EPSG, (name, layer.GetName())
            assert layer.GetFeatureCount() > 0, (name, layer.GetName())
    for name in ("dem.tif", "landcover.tif"):
        ds = gdal.Open(str(small / name))
        assert ds.GetSpatialRef().GetAuthorityCode(None) == EPSG
        assert ds.GetRasterBand(1).GetBlockSize() == [512, 512] or ds.RasterXSize < 512
        assert ds.GetMetadata("IMAGE_STRUCTURE")["COMPRESSION"] in ("ZSTD", "DEFLATE")


def test_rasters_hold_plausible_terrain_and_land_cover(wide):
    dem = gdal.Open(str(wide / "dem.tif"))
    band = dem.GetRasterBand(1)
    assert band.DataType == gdal.GDT_Float32 and band.GetNoDataValue() == -9999
    z = band.ReadAsArray()
    assert z.min() > 0 and z.max() - z.min() > 300  # relief, not a plain
    west, east = z[:, : z.shape[1] // 4].mean(), z[:, -z.shape[1] // 4:].mean()
    assert west > east  # mountains grading to lowland
    cover = gdal.Open(str(wide / "landcover.tif"))  # kept open: a band outliving its dataset crashes GDAL
    assert cover.GetRasterBand(1).DataType == gdal.GDT_Byte
    classes = set(np.unique(cover.ReadAsArray()).tolist())
    assert classes <= {1, 2, 3, 4, 5, 6} and {1, 2, 3, 4, 5} <= classes


def test_every_find_is_in_cleared_land_or_reported(wide):
    cleared = unary_union([g for g, _ in features(wide / "region.gpkg", "cleared")])
    finds = features(wide / "region.gpkg", "finds")
    assert finds
    sources = {attrs["source"] for _, attrs in finds}
    assert sources == {"clearance", "report"}
    for point, attrs in finds:
        assert attrs["item"] in ("AP mine", "AT mine", "UXO")
        assert attrs["count"] >= 1
        if attrs["source"] == "clearance":
            assert cleared.intersects(point), attrs


def test_cleared_polygons_have_a_probability_of_detection(wide):
    for _, attrs in features(wide / "region.gpkg", "cleared"):
        assert 0.7 <= attrs["pod"] <= 0.98 and attrs["method"]


def test_about_a_quarter_of_the_records_match_a_true_minefield(wide):
    """A record 'matches' when at least half its area lies on true minefields. The generator
    draws a quarter of the records accurate and the rest displaced or mis-drawn onto other
    ground; with ~30 records the share must fall between 10 % and 45 %."""
    truth = unary_union([g for g, _ in features(wide / "truth.gpkg", "minefields")])
    records = features(wide / "region.gpkg", "records")
    assert len(records) >= 20
    matching = [g.intersection(truth).area >= 0.5 * g.area for g, _ in records]
    share = sum(matching) / len(records)
    assert 0.10 <= share <= 0.45, share
    for (_, attrs), match in zip(records, matching):
        assert attrs["reliability"] == 0.25
        assert attrs["status"] in ("accurate", "displaced", "misdrawn")
        if attrs["status"] == "accurate":
            assert match


def test_no_device_on_slopes_steeper_than_the_maximum(wide, tmp_path):
    """Slope as gdaldem computes it (Horn, edge cells left as no-data): no device lies on an
    edge cell or on ground steeper than the maximum."""
    slope_path = str(tmp_path / "slope.tif")
    gdal.DEMProcessing(slope_path, str(wide / "dem.tif"), "slope")
    ds = gdal.Open(slope_path)
    slope = ds.GetRasterBand(1).ReadAsArray()
    x0, cell, _, y1, _, _ = ds.GetGeoTransform()
    devices = features(wide / "truth.gpkg", "devices")
    assert len(devices) > 1000
    x = np.array([p.x for p, _ in devices])
    y = np.array([p.y for p, _ in devices])
    values = slope[np.floor((y1 - y) / cell).astype(int), np.floor((x - x0) / cell).astype(int)]
    assert (values != -9999).all()
    assert values.max() <= MAX_SLOPE + 0.01
    assert (slope[slope != -9999] > MAX_SLOPE).any()  # there is steep ground, and it was avoided


def test_the_truth_stays_in_truth_gpkg(small):
    scenario = (small / "scenario.toml").read_text()
    assert "truth" not in scenario.replace("The truth (truth.gpkg) is deliberately not referenced", "")
    assert "truth.gpkg" not in [line.split("=")[-1].strip().strip('"') for line in scenario.splitlines()]
    ds = ogr.Open(str(small / "region.gpkg"))
    for layer in ds:
        names = {layer.GetLayerDefn().GetFieldDefn(k).GetName() for k in range(layer.GetLayerDefn().GetFieldCount())}
        assert "minefield" not in names and "fate" not in names, layer.GetName()


def test_summary_counts_match_the_files(wide):
    summary = json.loads((wide / "region.json").read_text())
    assert summary["crs"] == "EPSG:32638" and summary["defended_side"] in ("west", "east")
    finds = features(wide / "region.gpkg", "finds")
    assert summary["finds"]["total"] == len(finds)
    assert summary["finds"]["report"] == sum(a["source"] == "report" for _, a in finds)
    assert summary["devices"]["total"] == len(features(wide / "truth.gpkg", "devices"))
    assert summary["minefields"]["total"] == len(features(wide / "truth.gpkg", "minefields"))
    records = features(wide / "region.gpkg", "records")
    assert summary["records"]["total"] == len(records)
    assert summary["records"]["accurate"] == sum(a["status"] == "accurate" for _, a in records)
    area = sum(g.area for g, _ in features(wide / "region.gpkg", "cleared")) / 1e4
    assert summary["cleared"]["area_ha"] == pytest.approx(area, abs=0.1)
    # Finds scale with the area: Karabakh's 12,000 km2 have about 55,000.
    assert summary["finds"]["total"] == pytest.approx(55000 * summary["area_km2"] / 12000, rel=0.25)


def test_the_scenario_runs_and_rates_true_minefields_higher(wide, tmp_path):
    out = tmp_path / "risk.nc"
    result = run_minerisk("run", wide / "scenario.toml", "-o", out, "-q")
    assert result.returncode == 0, result.stderr
    probability = gdal.Open(f"NETCDF:{out}:probability").ReadAsArray()
    dem = gdal.Open(str(wide / "dem.tif"))
    mask = gdal.GetDriverByName("MEM").Create("", dem.RasterXSize, dem.RasterYSize, 1, gdal.GDT_Byte)
    mask.SetGeoTransform(dem.GetGeoTransform())
    mask.SetProjection(dem.GetProjection())
    truth = ogr.Open(str(wide / "truth.gpkg"))
    gdal.RasterizeLayer(mask, [1], truth.GetLayerByName("minefields"), burn_values=[1])
    inside = mask.GetRasterBand(1).ReadAsArray() == 1
    assert inside.any() and probability.shape == inside.shape
    assert probability[inside].mean() > 2 * probability[~inside].mean()


def test_command_line_with_a_picture(tmp_path):
    picture = tmp_path / "overview.png"
    result = subprocess.run(["/usr/bin/python3", str(ROOT / "datasets" / "generate_region.py"), "--size", "128",
                             "--cell", "20", "--seed", "11", "--out", str(tmp_path / "r"), "--picture", str(picture)],
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    assert "[9/10] scenario and summary" in result.stderr and "\r" not in result.stderr  # plain lines in a log
    summary = json.loads((tmp_path / "r" / "region.json").read_text())
    assert (summary["size"], summary["cell_m"], summary["seed"]) == (128, 20.0, 11)
    png = gdal.Open(str(picture))
    assert png.GetDriver().ShortName == "PNG" and png.RasterXSize == 800
    assert os.path.getsize(picture) < 300_000


def test_command_line_refuses_a_size_and_a_preset_together(tmp_path):
    result = subprocess.run(["/usr/bin/python3", str(ROOT / "datasets" / "generate_region.py"), "--preset", "sample",
                             "--size", "300", "--out", str(tmp_path)], capture_output=True, text=True, timeout=60)
    assert result.returncode == 2 and "either --preset or --size" in result.stderr


def generate_command(*args):
    return subprocess.run(["/usr/bin/python3", str(ROOT / "datasets" / "generate_region.py"), *map(str, args), "--quiet"],
                          capture_output=True, text=True, timeout=120)


@pytest.mark.parametrize("args,named", [
    (["--size", "96", "--seed", "-1"], "--seed must be 0 or more"),
    (["--size", "96", "--cell", "nan"], "--cell must be from 0.5 to 1000 metres"),
    (["--size", "96", "--cell", "1e-9"], "--cell must be from 0.5 to 1000 metres"),
    (["--size", "10000000"], "--size must be from 64 to 16384 cells"),
    (["--size", "16000", "--cell", "100"], "at most 200 km"),
])
def test_impossible_sizes_are_refused_before_any_folder_is_made(tmp_path, args, named):
    result = generate_command(*args, "--out", tmp_path / "r")
    assert result.returncode == 2 and named in result.stderr and "Traceback" not in result.stderr, result.stderr
    assert not (tmp_path / "r").exists()


def test_the_picture_never_replaces_another_file(tmp_path):
    """--picture replaces only a PNG (an earlier run's): not a region's DEM, a link, nor a file in a
    folder that does not exist; --out must be a folder."""
    other = tmp_path / "other"
    other.mkdir()
    dem = other / "dem.tif"
    dem.write_bytes(b"someone's DEM")
    notes = other / "notes.png"
    notes.write_bytes(b"not a picture")
    os.symlink(dem, other / "link.png")
    os.mkfifo(other / "fifo.png")  # its open would wait for a writer for ever
    for picture, named in ((dem, "ending in .png"), (notes, "is not a PNG picture"), (other / "link.png", "is a link"),
                           (other / "fifo.png", "is not a PNG picture"),
                           (tmp_path / "nowhere" / "p.png", "its folder does not exist")):
        result = generate_command("--size", "64", "--out", tmp_path / "r", "--picture", picture)
        assert result.returncode == 2 and named in result.stderr, result.stderr
    assert dem.read_bytes() == b"someone's DEM" and notes.read_bytes() == b"not a picture"
    result = generate_command("--size", "64", "--out", dem)
    assert result.returncode == 2 and "a file stands where a folder is needed" in result.stderr
    # Inside --out, which the run makes; a second run replaces its own picture, leaving no temporary.
    for _ in range(2):
        result = generate_command("--size", "64", "--out", tmp_path / "r", "--picture", tmp_path / "r" / "p.png")
        assert result.returncode == 0, result.stderr
    assert gdal.Open(str(tmp_path / "r" / "p.png")).GetDriver().ShortName == "PNG"
    assert not [p for p in os.listdir(tmp_path / "r") if p.startswith(".picture-")]


def test_a_preset_ignores_the_cell_size(tmp_path):
    error = generate_command("--preset", "sample", "--cell", "5000", "--seed", "-1", "--out", tmp_path / "r").stderr
    assert error.splitlines()[-1].endswith("error: --seed must be 0 or more"), error  # not --cell


def test_a_region_too_small_for_a_minefield_is_still_written(tmp_path):
    result = generate_command("--size", "64", "--cell", "0.5", "--seed", "1", "--out", tmp_path / "r")
    assert result.returncode == 0 and "0 minefields" in result.stdout, result.stderr
