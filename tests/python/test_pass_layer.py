"""datasets/pass_layer.py, the experimental layer of nearness to mountain passes: saddles found where
the relief has them and nowhere else, distances against a brute-force computation on non-square
cells, and the scenario it writes leaving the hand-set map unchanged."""
import os
import re
import subprocess

import numpy as np
import pytest
from osgeo import gdal

from conftest import ROOT, run_minerisk

import pass_layer  # datasets/ is on the path through conftest

SCRIPT = ROOT / "datasets" / "pass_layer.py"


def surface(function, n=256, cell=10.0):
    y, x = (np.mgrid[0:n, 0:n] + 0.5) * cell
    return function(x, y)


def test_a_saddle_is_found_at_its_block_and_a_bowl_has_none():
    centre = (15 * 8 + 4) * 10.0  # the centre of block (15, 15) of 8 x 8 cells of 10 m
    saddle = surface(lambda x, y: ((x - centre) ** 2 - (y - centre) ** 2) / 1000.0)
    assert np.argwhere(pass_layer.saddle_blocks(saddle, 8)).tolist() == [[15, 15]]
    bowl = surface(lambda x, y: ((x - centre) ** 2 + (y - centre) ** 2) / 1000.0)
    assert not pass_layer.saddle_blocks(bowl, 8).any()
    with pytest.raises(pass_layer.Refusal, match="no saddle"):
        pass_layer.distance_to_saddles(bowl, 10.0, 10.0, 8)
    with pytest.raises(pass_layer.Refusal, match="needs 3 x 3"):
        pass_layer.saddle_blocks(bowl[:20, :], 8)


def test_distances_match_a_brute_force_computation_on_non_square_cells():
    rng = np.random.default_rng(3)
    dem = np.kron(rng.normal(0, 10, (12, 10)), np.ones((8, 8)))  # 96 x 80 cells, rough relief
    distance, count = pass_layer.distance_to_saddles(dem, 10.0, 12.5, 8)
    blocks = np.argwhere(pass_layer.saddle_blocks(dem, 8))
    assert count == len(blocks) > 0
    marked = blocks * 8 + 4
    rows, cols = np.mgrid[0:96, 0:80]
    brute = np.min([np.hypot((rows - r) * 12.5, (cols - c) * 10.0) for r, c in marked], axis=0)
    np.testing.assert_allclose(distance, brute, rtol=0, atol=1e-9)


@pytest.fixture(scope="module")
def region(tmp_path_factory):
    folder = tmp_path_factory.mktemp("passes") / "region"
    r = subprocess.run(["/usr/bin/python3", str(ROOT / "datasets" / "generate_region.py"), "--size", "128", "--seed",
                        "5", "--out", str(folder), "--quiet"], capture_output=True, text=True, timeout=300)
    assert r.returncode == 0, r.stderr
    r = subprocess.run(["/usr/bin/python3", str(SCRIPT), str(folder)], capture_output=True, text=True, timeout=120)
    assert r.returncode == 0 and "saddles; wrote" in r.stdout, r.stderr
    return folder


def test_the_layer_lies_on_the_dem_and_the_scenario_only_adds_it(region):
    dem, passes = gdal.Open(str(region / "dem.tif")), gdal.Open(str(region / "passes.tif"))
    assert passes.GetGeoTransform() == dem.GetGeoTransform() and passes.GetProjection() == dem.GetProjection()
    distance = passes.ReadAsArray()
    assert distance.min() == 0 and np.isfinite(distance).all()
    original = (region / "scenario.toml").read_text()
    assert (region / "scenario_passes.toml").read_text() == original.rstrip("\n") + "\n" + pass_layer.LAYER


def test_the_generators_mined_passes_lie_at_saddles_it_finds(region):
    """Found from the DEM alone, the saddles include the one the generator mined (an independent
    check: the generator finds its saddles on its own coarse relief, before the DEM's detail)."""
    from osgeo import ogr
    passes = gdal.Open(str(region / "passes.tif"))
    distance, (x0, dx, _, y0, _, dy) = passes.ReadAsArray(), passes.GetGeoTransform()
    truth = ogr.Open(str(region / "truth.gpkg"))  # kept open: its layer's features need it
    fields = [f for f in truth.GetLayerByName("minefields") if f["type"] == "pass"]
    assert fields, "the region has no mined pass to check against"
    block = pass_layer.block_factor(dx, distance.shape[0]) * dx
    for field in fields:
        centre = field.GetGeometryRef().Centroid()
        at = distance[int((centre.GetY() - y0) / dy), int((centre.GetX() - x0) / dx)]
        assert at <= 2 * block, (field["id"], at, block)


def test_its_weight_0_leaves_the_hand_set_map_unchanged(region, tmp_path):
    grids = {}
    for name in ("scenario", "scenario_passes"):
        r = run_minerisk("run", region / f"{name}.toml", "-o", tmp_path / f"{name}.nc", "-q", "--no-picture")
        assert r.returncode == 0, r.stderr
        grids[name] = gdal.Open(f'NETCDF:"{tmp_path / name}.nc":probability').ReadAsArray()
    assert np.array_equal(grids["scenario"], grids["scenario_passes"])


def test_outputs_are_never_replaced_and_bad_folders_are_refused(region, tmp_path):
    before = (region / "passes.tif").read_bytes()
    for folder, says in ((region, "passes.tif exists; remove it first"), (tmp_path, "no readable dem.tif")):
        r = subprocess.run(["/usr/bin/python3", str(SCRIPT), str(folder)], capture_output=True, text=True, timeout=60)
        assert r.returncode == 2 and r.stderr.count("\n") == 1 and says in r.stderr, r.stderr
    assert (region / "passes.tif").read_bytes() == before


def copy_region(region, folder, dem_options=None):
    """The region's scenario and DEM (translated with gdal.Translate options) in a new folder."""
    folder.mkdir()
    (folder / "scenario.toml").write_text((region / "scenario.toml").read_text())
    gdal.Translate(str(folder / "dem.tif"), str(region / "dem.tif"), options=dem_options or "")
    return folder


@pytest.mark.parametrize("dem_options, scenario, says", [
    ("-a_srs EPSG:4326", None, "not in a projected CRS in metres"),
    ("-tr 10 12.5", None, "non-square or rotated cells"),
    (None, b"\xff\xfe", "is not UTF-8 text"),
    (None, pass_layer.LAYER.encode(), "already has [model.evidence.passes]"),
])
def test_what_a_generated_region_would_not_hold_is_refused(region, tmp_path, dem_options, scenario, says):
    folder = copy_region(region, tmp_path / "r", dem_options)
    if scenario is not None:
        (folder / "scenario.toml").write_bytes(scenario)
    before = sorted(p.name for p in folder.iterdir())
    with pytest.raises(pass_layer.Refusal, match=re.escape(says)):
        pass_layer.write_pass_layer(str(folder))
    assert sorted(p.name for p in folder.iterdir()) == before
    with pytest.raises(pass_layer.Refusal, match="the region folder is empty"):
        pass_layer.write_pass_layer("")


def test_a_failed_write_leaves_neither_output(region, tmp_path, monkeypatch):
    folder = copy_region(region, tmp_path / "r")
    (folder / ".passes.tif.partial").symlink_to(tmp_path / "victim")  # a leftover link: removed, not followed
    renames = []

    def rename_then_fail(src, dst):
        if renames:
            raise OSError(28, "No space left on device")
        renames.append(dst)
        os.replace(src, dst)
    monkeypatch.setattr(pass_layer.os, "rename", rename_then_fail)
    with pytest.raises(pass_layer.Refusal, match="cannot write into .*: No space left on device"):
        pass_layer.write_pass_layer(str(folder))
    assert renames and sorted(p.name for p in folder.iterdir()) == ["dem.tif", "scenario.toml"]
    assert not (tmp_path / "victim").exists()


def test_an_interrupt_or_a_leftover_folder_leaves_no_half_output(region, tmp_path, monkeypatch):
    folder = copy_region(region, tmp_path / "r")
    (folder / ".passes.tif.partial").mkdir()
    with pytest.raises(pass_layer.Refusal, match="is a folder; remove it"):
        pass_layer.write_pass_layer(str(folder))
    (folder / ".passes.tif.partial").rmdir()
    renames = []

    def interrupted(src, dst):
        if renames:
            raise KeyboardInterrupt
        renames.append(dst)
        os.replace(src, dst)
    monkeypatch.setattr(pass_layer.os, "rename", interrupted)
    with pytest.raises(KeyboardInterrupt):
        pass_layer.write_pass_layer(str(folder))
    assert sorted(p.name for p in folder.iterdir()) == ["dem.tif", "scenario.toml"]
