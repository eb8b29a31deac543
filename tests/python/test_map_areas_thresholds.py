"""`map --areas` and `report --areas` draw the grid in the classes the areas were made with:
minerisk areas records T1 and T2 in the GeoPackage, a map or report without --t1/--t2 takes
them, and a given one that differs is refused (the map's classes and the areas' class column
disagreed without a word)."""
import re

import pytest
from osgeo import gdal, ogr

from areas_helpers import run_areas
from conftest import run_minerisk
from map_helpers import pdf_text


def made_areas(demo_folder, tmp_path, *args):
    """The demo's probability grid (whose map's legend names T1 and T2) and its areas."""
    grid = demo_folder / "sample.nc"
    r, summary, gpkg = run_areas(grid, tmp_path, *args)
    assert r.returncode == 0, r.stderr
    return grid, summary, gpkg


def test_the_areas_thresholds_are_recorded_and_the_map_takes_them(demo_folder, tmp_path):
    grid, summary, gpkg = made_areas(demo_folder, tmp_path, "--capture-t1", "0.9", "--t2", "0.6")
    ds = ogr.Open(str(gpkg))
    assert float(ds.GetMetadataItem("MINERISK_T1")) == summary["t1"]  # the threshold the share gave, exactly
    assert ds.GetMetadataItem("MINERISK_T2") == "0.6"
    ds = None
    r = run_minerisk("map", grid, "-o", tmp_path / "m.pdf", "--areas", gpkg, "-q")
    assert r.returncode == 0, r.stderr
    legend = re.search(r"T1 = ([0-9.]+), T2 = ([0-9.]+);", pdf_text(tmp_path / "m.pdf"))
    assert legend and float(legend[2]) == 0.6, pdf_text(tmp_path / "m.pdf")
    assert float(legend[1]) == pytest.approx(summary["t1"], rel=0.05) and summary["t1"] != 0.05
    # Given and the same: taken.
    r = run_minerisk("map", grid, "-o", tmp_path / "same.pdf", "--areas", gpkg, "--t2", "0.6", "-q")
    assert r.returncode == 0, r.stderr
    # Without --areas, the defaults.
    r = run_minerisk("map", grid, "-o", tmp_path / "plain.pdf", "-q")
    assert r.returncode == 0 and "T1 = 0.05, T2 = 0.5;" in pdf_text(tmp_path / "plain.pdf"), r.stderr


def test_a_map_or_report_in_other_classes_than_the_areas_is_refused(demo_folder, tmp_path):
    grid, _, gpkg = made_areas(demo_folder, tmp_path, "--t1", "0.1")
    for command, out in (("map", "m.pdf"), ("report", "r.html")):
        r = run_minerisk(command, grid, "-o", tmp_path / out, "--areas", gpkg, "--t1", "0.2", "-q")
        assert r.returncode == 2 and r.stderr.count("\n") == 1, r.stderr
        assert f"--t1 0.2: the areas in '{gpkg}' were classed at T1 0.1" in r.stderr, r.stderr
        assert "leave --t1 out to draw the grid in their classes, or make the areas again with --t1 0.2" in r.stderr
        assert not (tmp_path / out).exists()
    # T2 is named as such (the default 0.5 the areas were classed at).
    r = run_minerisk("map", grid, "-o", tmp_path / "t2.pdf", "--areas", gpkg, "--t2", "0.7", "-q")
    assert r.returncode == 2 and f"--t2 0.7: the areas in '{gpkg}' were classed at T2 0.5" in r.stderr, r.stderr


def test_areas_refuse_a_t1_no_map_of_their_classes_draws(demo_folder, tmp_path):
    """Areas made at T1 5e-5 could not be mapped at all once map took their thresholds."""
    r, _, _ = run_areas(demo_folder / "sample.nc", tmp_path, "--t1", "0.00005")
    assert r.returncode == 2 and "--t1: 5e-05 is below 0.0001, the lowest T1 a map of the classes draws" in r.stderr, r.stderr


def test_thresholds_edited_into_nonsense_are_refused_naming_the_key(demo_folder, tmp_path):
    grid, _, gpkg = made_areas(demo_folder, tmp_path, "--t1", "0.1", "--t2", "0.6")
    for text in ("abc", "0.1 ", "nan", "1", "1e-5"):
        ds = gdal.OpenEx(str(gpkg), gdal.OF_VECTOR | gdal.OF_UPDATE)
        ds.SetMetadataItem("MINERISK_T1", text)
        ds = None
        r = run_minerisk("map", grid, "-o", tmp_path / "m.png", "--areas", gpkg, "-q")
        assert r.returncode == 2 and f"--areas: '{gpkg}' records MINERISK_T1 = '{text}', not a threshold" in r.stderr, \
            r.stderr


def test_an_explicit_nan_threshold_is_refused_not_taken_for_the_default(demo_folder, tmp_path):
    """NaN stands for "not given": map and report drew the default classes for --t1 nan, exit 0
    (a probe), where areas refuses it."""
    import minerisk

    grid = demo_folder / "sample.nc"
    for command, out in (("map", "m.png"), ("report", "r.html")):
        for option in ("--t1", "--t2"):
            for text in ("nan", "-NaN"):
                r = run_minerisk(command, grid, "-o", tmp_path / out, option, text, "-q")
                assert r.returncode == 2 and f"'{text}' is not a number" in r.stderr, (command, r.stderr)
                assert not (tmp_path / out).exists()
    for key in ("t1", "t2"):
        with pytest.raises(minerisk.Error, match=f"{key}: nan is not a number; leave it out for the default"):
            minerisk.map(grid, tmp_path / "m.png", **{key: float("nan")})
