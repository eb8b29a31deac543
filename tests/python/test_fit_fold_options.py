"""How fit makes its folds from the options given: zone codes as the file stores them (beyond
2^24, float32 made 16777216 and 16777217 one zone), zones and blocks never both (zones made the
folds, and block_size stood unused in the fitted [fit]), and a note that names what is missing."""
import json

import numpy as np
import pytest
from osgeo import gdal

import minerisk
from conftest import run_minerisk, scenario_text


def int32_zones(path, region, codes, gdal_type=gdal.GDT_Int32, numpy_type=np.int32, shift=0.0):
    """Three vertical strips of the region, numbered `codes`, as an Int32 raster (or another type);
    `shift` moves it by that share of a cell, off the grid."""
    dem = gdal.Open(str(region / "dem.tif"))
    ds = gdal.GetDriverByName("GTiff").Create(str(path), dem.RasterXSize, dem.RasterYSize, 1, gdal_type)
    gt = list(dem.GetGeoTransform())
    gt[0] += shift * gt[1]
    gt[3] += shift * gt[5]
    ds.SetGeoTransform(gt)
    ds.SetProjection(dem.GetProjection())
    cols = np.arange(dem.RasterXSize) * 3 // dem.RasterXSize
    ds.GetRasterBand(1).WriteArray(np.tile(np.array(codes, numpy_type)[cols], (dem.RasterYSize, 1)))
    ds = None
    return path


def test_zone_codes_beyond_float32_stay_apart(region, tmp_path, write_scenario):
    scenario = write_scenario(scenario_text(region))
    zones = int32_zones(tmp_path / "zones.tif", region, [16777216, 16777217, 20000001])
    r = run_minerisk("fit", scenario, "-o", tmp_path / "fitted.toml", "--zones", zones, "--background-ratio", "2")
    assert r.returncode == 0 and "3 zones of zones.tif" in r.stdout + r.stderr, r.stdout + r.stderr


def test_zone_codes_beyond_float32_stay_apart_off_the_grid(region, tmp_path, write_scenario):
    """A zone raster not on the grid is warped onto it: the warp kept float32, and 16777216 and
    16777217 were one zone there (as were 2^60 and 2^60 + 1, unrefused)."""
    scenario = write_scenario(scenario_text(region))
    out = tmp_path / "fitted.toml"
    zones = int32_zones(tmp_path / "zones.tif", region, [16777216, 16777217, 20000001], shift=0.5)
    r = run_minerisk("fit", scenario, "-o", out, "--zones", zones, "--background-ratio", "2")
    assert r.returncode == 0 and "3 zones of zones.tif" in r.stdout + r.stderr, r.stdout + r.stderr
    zones = int32_zones(tmp_path / "wide.tif", region, [2**60, 2**60 + 1, 5], gdal.GDT_Int64, np.int64, shift=0.5)
    r = run_minerisk("fit", scenario, "-o", out, "--zones", zones, "--background-ratio", "2", "--overwrite")
    assert r.returncode == 2 and "2^53 or more (about 1152921504606846976)" in r.stderr, r.stderr


def test_zone_codes_a_double_cannot_tell_apart_are_refused(region, tmp_path, write_scenario):
    """Int64 codes 2^60 and 2^60 + 1 were silently one zone (compared as doubles)."""
    scenario = write_scenario(scenario_text(region))
    zones = int32_zones(tmp_path / "zones.tif", region, [2**60, 2**60 + 1, 5], gdal.GDT_Int64, np.int64)
    out = tmp_path / "fitted.toml"
    r = run_minerisk("fit", scenario, "-o", out, "--zones", zones, "--background-ratio", "2")
    assert r.returncode == 2 and "holds a zone code of 2^53 or more (about 1152921504606846976)" in r.stderr, r.stderr
    assert len(r.stderr.splitlines()) == 1 and not out.exists()
    for codes, gdal_type, numpy_type, says in (([2**53, 2**53 + 1, 5], gdal.GDT_Int64, np.int64, "9007199254740992"),
                                               ([2**64 - 1, 3, 5], gdal.GDT_UInt64, np.uint64, "18446744073709551616")):
        zones = int32_zones(tmp_path / "wide.tif", region, codes, gdal_type, numpy_type)
        r = run_minerisk("fit", scenario, "-o", out, "--zones", zones, "--background-ratio", "2")
        assert r.returncode == 2 and f"2^53 or more (about {says})" in r.stderr, r.stderr
    # Below 2^53 they stay apart; and a Float64 raster's codes are compared as the doubles it holds.
    for codes, gdal_type, numpy_type in (([2**53 - 1, 2**53 - 2, 5], gdal.GDT_Int64, np.int64),
                                         ([1e20, 2e20, 5], gdal.GDT_Float64, np.float64)):
        zones = int32_zones(tmp_path / "fine.tif", region, codes, gdal_type, numpy_type)
        r = run_minerisk("fit", scenario, "-o", out, "--zones", zones, "--background-ratio", "2", "--overwrite")
        assert r.returncode == 0 and "3 zones of fine.tif" in r.stdout + r.stderr, r.stdout + r.stderr


def test_zones_and_blocks_are_never_both(region, tmp_path, write_scenario):
    zones = int32_zones(tmp_path / "zones.tif", region, [1, 2, 3])
    scenario = write_scenario(scenario_text(region) + "\n[fit]\nblock_size = 300.0\n")
    out = tmp_path / "fitted.toml"
    r = run_minerisk("fit", scenario, "-o", out, "--zones", zones, "--block-size", "500")
    assert r.returncode == 2 and "--zones and --block-size are two ways to make the folds" in r.stderr, r.stderr
    # --zones replaces the scenario's block_size: the fitted [fit] holds the zones alone.
    r = run_minerisk("fit", scenario, "-o", out, "--zones", zones, "--background-ratio", "2")
    assert r.returncode == 0 and "3 zones of zones.tif" in r.stdout + r.stderr, r.stderr
    fitted = out.read_text()
    assert "zones = " in fitted and "block_size = 300" not in fitted, fitted
    # Both in the scenario's own [fit]: refused, not half taken.
    both = write_scenario(scenario_text(region) + f"\n[fit]\nblock_size = 300.0\nzones = '{zones}'\n", name="both.toml")
    r = run_minerisk("fit", both, "-o", out, "--overwrite")
    assert r.returncode == 2 and "zones and block_size are two ways" in r.stderr, r.stderr
    # Python: the same replacement.
    result = minerisk.Scenario(scenario).fit(zones=zones, background_ratio=2.0)
    assert "zones" in result["fitted_toml"]


def test_no_folds_are_named_as_such(region, tmp_path, write_scenario):
    """A scenario without label layers and without blocks or zones: the note had a blank."""
    text = scenario_text(region)
    start = text.index("[model.evidence.finds]")
    end = text.find("\n[", start + 1)
    scenario = write_scenario(text[:start] + (text[end + 1:] if end >= 0 else ""))
    r = run_minerisk("fit", scenario, "-o", tmp_path / "fitted.toml", "--background-ratio", "2")
    assert r.returncode == 0, r.stderr
    assert "cross-validation: no --block-size or --zones makes folds" in r.stdout + r.stderr
    assert "cross-validation:  give" not in r.stdout + r.stderr


def test_one_block_over_the_grid_is_named_as_the_cause(region, tmp_path, write_scenario):
    """One block holds every label, so the out-of-fold finds layer is constant: the message said
    to remove the layer, not to make smaller blocks."""
    r = run_minerisk("fit", write_scenario(scenario_text(region)), "-o", tmp_path / "f.toml", "--block-size", "1e7")
    assert r.returncode == 2 and "is built from the labels outside each cell's fold" in r.stderr \
        and "use smaller blocks (--block-size)" in r.stderr, r.stderr


def test_the_cross_validation_is_printed_beside_a_random_ranking(region, tmp_path, write_scenario):
    """A PR-AUC reads only against the share of positives: the fit printed its figures alone."""
    report = tmp_path / "fit.json"
    r = run_minerisk("fit", write_scenario(scenario_text(region)), "-o", tmp_path / "f.toml", "--block-size", "1500",
                     "--background-ratio", "2", "--report", report)
    assert r.returncode == 0, r.stderr
    cv = json.loads(report.read_text())["cross_validation"]
    fitted = json.loads(report.read_text())
    assert cv["random_roc_auc"] == 0.5
    # Every training cell is held out once: the share is that of the training set.
    assert cv["random_pr_auc"] == pytest.approx(fitted["positives"] / (fitted["positives"] + fitted["negatives"]))
    assert f"a random ranking of the same held-out cells: ROC-AUC 0.5000, PR-AUC {cv['random_pr_auc']:.4f}" in r.stdout
    assert "(a random ranking: 0.5 and " in (tmp_path / "f.toml").read_text()


def test_zones_of_a_continuous_raster_are_refused(region, tmp_path, write_scenario):
    """The DEM given as --zones made every cell its own zone: cross-validation leave-one-cell-out,
    not spatial, and a higher ROC-AUC without a word."""
    r = run_minerisk("fit", write_scenario(scenario_text(region)), "-o", tmp_path / "f.toml", "--zones",
                     region / "dem.tif", "--background-ratio", "2")
    assert r.returncode == 2 and r.stderr.count("\n") == 1, r.stderr
    assert "fit.zones: '" in r.stderr and "not a whole zone code; give a raster of integer codes" in r.stderr, r.stderr
