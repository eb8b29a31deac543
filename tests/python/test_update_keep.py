"""--keep N: the previous grids kept under dated names beside the output, and only those pruned.
A kept grid's name is free for the grid and its picture alike; a file that is not this output's
kept grid (someone's notes, another run's grid written or copied under a dated name, a grid the
scenario reads) is never removed."""
import os
import pathlib
import shutil
import signal
import subprocess
import time

import h5py
import pytest
from osgeo import gdal

from conftest import minerisk_bin, run_minerisk, scenario_text
from update_helpers import TILE, add_find, frame, private_region, record_of, summary, update


def stamp_of(output):
    """The name part keep_previous gives `output` when it is kept: its record's date."""
    date = record_of(output)["changes"][-1]["date"]
    return "".join(c for c in date if c.isdigit() or c in "TZ")


def test_keep_twice_in_one_second_keeps_both(region, tmp_path):
    copy, scenario = private_region(region, tmp_path)
    out = tmp_path / "out.nc"
    summary(update(scenario, out))
    x0, y0, cell = frame(copy)
    digests = [record_of(out)["probability_digest"]]
    add_find(copy, x0 + 100 * cell, y0 - 100 * cell)
    summary(update(scenario, out, "--keep", "3"))
    digests.append(record_of(out)["probability_digest"])
    add_find(copy, x0 + 400 * cell, y0 - 400 * cell)
    s = summary(update(scenario, out, "--keep", "3"))
    kept = [pathlib.Path(p) for p in s["kept"]]
    assert len(kept) == 2 and len({p.name for p in kept}) == 2
    assert [record_of(p)["probability_digest"] for p in kept] == digests[::-1]


def test_keep_prunes_only_its_own_grids(region, tmp_path):
    copy, scenario = private_region(region, tmp_path)
    out = tmp_path / "out.nc"
    notes = tmp_path / "out.20200101T000000Z.nc"  # named like a dated grid, but someone's notes
    notes.write_text("my notes\n")
    summary(update(scenario, out))
    x0, y0, cell = frame(copy)
    for k in range(2):
        add_find(copy, x0 + (100 + 200 * k) * cell, y0 - 100 * cell)
        s = summary(update(scenario, out, "--keep", "1"))
    assert notes.read_text() == "my notes\n"
    assert len(s["kept"]) == 1 and pathlib.Path(s["kept"][0]).name != notes.name


def vrt_of(name, vrt, relative_to_vrt):
    """A VRT whose one source is the dataset `name` (absolute), named relative to the VRT or not."""
    source = gdal.Open(name)
    named = name.replace(str(vrt.parent) + "/", "") if relative_to_vrt else name
    vrt.write_text(f"""<VRTDataset rasterXSize="{source.RasterXSize}" rasterYSize="{source.RasterYSize}">
  <SRS>{source.GetProjection()}</SRS>
  <GeoTransform>{", ".join(map(repr, source.GetGeoTransform()))}</GeoTransform>
  <VRTRasterBand dataType="Float32" band="1"><SimpleSource>
    <SourceFilename relativeToVRT="{int(relative_to_vrt)}">{named}</SourceFilename>
    <SourceBand>1</SourceBand>
  </SimpleSource></VRTRasterBand>
</VRTDataset>
""")
    return vrt


@pytest.mark.parametrize("through", ["name", "vrt", "relative_vrt"])
def test_keep_never_prunes_a_dated_grid_the_scenario_reads(region, tmp_path, through):
    """Yesterday's grid may become an input (here the DEM, by its GDAL name NETCDF:"...":probability,
    or through a VRT of that name, which GDAL's own list of the VRT's files leaves out); pruning with
    --keep 1 must leave it, and not count it among the grids kept."""
    copy, scenario = private_region(region, tmp_path)
    out = tmp_path / "out.nc"
    summary(update(scenario, out))
    x0, y0, cell = frame(copy)
    add_find(copy, x0 + 100 * cell, y0 - 100 * cell)
    read = pathlib.Path(summary(update(scenario, out, "--keep", "3"))["kept"][0])
    name = f'NETCDF:"{read}":probability'
    dem = name.replace('"', '\\"') if through == "name" else vrt_of(name, tmp_path / "dem.vrt", through == "relative_vrt")
    scenario.write_text(scenario_text(copy, dem=dem))
    for k in range(2):
        time.sleep(1.1)  # a new date for each kept grid
        add_find(copy, x0 + (300 + 200 * k) * cell, y0 - 300 * cell)
        s = summary(update(scenario, out, "--keep", "1"))
    assert read.exists() and read.with_suffix(".png").exists()
    kept = [pathlib.Path(p) for p in s["kept"]]
    assert read in kept and len(kept) == 2, kept
    assert summary(update(scenario, out))["tiles_recomputed"] == 0  # the input is still there to read


def test_an_update_killed_in_its_commit_dates_the_previous_grid_once(region, tmp_path):
    """Killed at its first rename, an update has already linked the previous grid under its date;
    the next update (whose cleanup undoes the killed commit) must not date the same grid again:
    two names for one grid counted twice in --keep and pruned a real older one."""
    copy, scenario = private_region(region, tmp_path)
    out = tmp_path / "out.nc"
    summary(update(scenario, out))
    x0, y0, cell = frame(copy)
    add_find(copy, x0 + 100 * cell, y0 - 100 * cell)
    killed = subprocess.run(["strace", "-f", "-o", os.devnull, "-e", "inject=renameat,renameat2,rename:signal=SIGKILL:when=1",
                             minerisk_bin(), "update", scenario, "-o", out, "--tile-size", str(TILE), "--keep", "2", "-q"],
                            capture_output=True, text=True, timeout=300)
    assert killed.returncode in (-signal.SIGKILL, 128 + signal.SIGKILL), killed.stderr
    assert len(list(tmp_path.glob("out.2*.nc"))) == 1  # the kill came after the previous grid was dated
    s = summary(update(scenario, out, "--keep", "2"))
    kept = [pathlib.Path(p) for p in s["kept"]]
    assert len(kept) == 1 and len({p.stat().st_ino for p in tmp_path.glob("out.2*.nc")}) == 1, kept


def test_keep_finds_a_name_free_for_the_grid_and_its_picture(region, tmp_path):
    """A file of someone's under the dated picture's name made the keep fail (exit 2) with a
    stray link left; the next updates then counted that link and pruned the user's picture."""
    copy, scenario = private_region(region, tmp_path)
    out = tmp_path / "out.nc"
    summary(update(scenario, out))
    stamp = stamp_of(out)
    notes, picture = tmp_path / f"out.{stamp}.nc", tmp_path / f"out.{stamp}-1.png"
    notes.write_text("my notes\n")
    picture.write_text("my picture\n")
    x0, y0, cell = frame(copy)
    for k in range(3):
        add_find(copy, x0 + (100 + 150 * k) * cell, y0 - 100 * cell)
        time.sleep(1.1)
        s = summary(update(scenario, out, "--keep", "1"))
    assert notes.read_text() == "my notes\n" and picture.read_text() == "my picture\n"
    assert len(s["kept"]) == 1 and not (tmp_path / f"out.{stamp}-1.nc").exists()
    assert not (tmp_path / f"out.{stamp}-2.nc").exists()  # the first kept grid, pruned in turn


def test_keep_never_prunes_another_runs_grid_under_a_dated_name(region, tmp_path):
    """A run's grid written, or another grid copied, under a name like a dated grid's is not
    this output's kept grid: its name does not carry its own date."""
    copy, scenario = private_region(region, tmp_path)
    out = tmp_path / "out.nc"
    other = tmp_path / "out.20200101T000000Z.nc"
    r = run_minerisk("run", scenario, "-o", other, "-q")
    assert r.returncode == 0, r.stderr
    copied = tmp_path / "out.20200102T000000Z.nc"
    shutil.copyfile(other, copied)
    summary(update(scenario, out))
    x0, y0, cell = frame(copy)
    for k in range(3):
        add_find(copy, x0 + (100 + 150 * k) * cell, y0 - 100 * cell)
        time.sleep(1.1)
        s = summary(update(scenario, out, "--keep", "1"))
    assert other.exists() and other.with_suffix(".png").exists() and copied.exists()
    assert len(s["kept"]) == 1 and pathlib.Path(s["kept"][0]).name not in (other.name, copied.name)
    with h5py.File(other, "r"):
        pass


def an_output_and_a_new_find(region, tmp_path):
    """A private region's output, its bytes, and then a find added: the next update has a tile to
    recompute, and the output a previous grid to keep."""
    copy, scenario = private_region(region, tmp_path)
    out = tmp_path / "out.nc"
    summary(update(scenario, out))
    before = out.read_bytes()
    x0, y0, cell = frame(copy)
    add_find(copy, x0 + 100 * cell, y0 - 100 * cell)
    return scenario, out, before


def test_a_failed_keep_leaves_no_link_behind(region, tmp_path):
    """The grid linked under its date, the picture's link refused (strace makes the kernel fail
    the second link()): the update stops, and the grid's dated link is undone with it, so no
    half-kept grid is later counted, or pruned with a picture that is not its own."""
    scenario, out, before = an_output_and_a_new_find(region, tmp_path)
    # LeakSanitizer cannot run under ptrace (scripts/sanitize's build would exit 86 at the end).
    env = {**os.environ, "MINERISK_ASAN_OPTIONS": "detect_leaks=0"}
    r = subprocess.run(["strace", "-f", "-o", os.devnull, "-e", "inject=link:error=EPERM:when=2", minerisk_bin(),
                        "update", scenario, "-o", out, "--keep", "2", "-q"], capture_output=True, text=True, timeout=300,
                       env=env)
    assert r.returncode == 2 and "cannot keep the previous output (Operation not permitted)" in r.stderr, r.stderr
    assert not list(tmp_path.glob("out.2*")), list(tmp_path.glob("out.2*"))  # no dated name left
    assert out.read_bytes() == before


def test_an_interrupted_update_leaves_no_dated_grid(region, tmp_path):
    """The previous grid is linked under its date just before the commit; a SIGTERM then (during
    the commit's fsync, here the test hook's pause) stopped the update, exit 130, with the dated
    names left behind: a stray file that later --keep runs counted. They go with the commit."""
    scenario, out, before = an_output_and_a_new_find(region, tmp_path)
    process = subprocess.Popen([minerisk_bin(), "update", scenario, "-o", out, "--keep", "2", "-q"],
                               stderr=subprocess.PIPE, text=True,
                               env={**os.environ, "MINERISK_TEST_PAUSE_BEFORE_COMMIT": "60"})
    line = process.stderr.readline()
    assert "test hook: pausing" in line, line
    assert len(list(tmp_path.glob("out.2*"))) == 2  # the grid and its picture, linked under the date
    process.send_signal(signal.SIGTERM)
    assert process.wait(timeout=60) == 130, process.stderr.read()
    assert not list(tmp_path.glob("out.2*")), list(tmp_path.glob("out.2*"))
    assert out.read_bytes() == before
    s = summary(update(scenario, out, "--keep", "2"))  # and the next night keeps it, once
    assert len(s["kept"]) == 1
