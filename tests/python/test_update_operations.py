"""minerisk update run unattended: the lock, the JSON log and its schema, exit codes, a killed
update resumed from its journal (and the previous output intact meanwhile), --keep with diff,
and the refusal to replace a file that is not an output of minerisk."""
import fcntl
import json
import os
import pathlib
import signal
import time

import h5py
import jsonschema
import pytest
from osgeo import gdal

from conftest import ROOT, run_minerisk, scenario_text
from update_helpers import (TILE, add_find, assert_same_output, events, frame, full_run, kill_after, private_region,
                            record_of, start_update, summary, update)

SCHEMA = json.loads((ROOT / "engine" / "ops" / "update_log.schema.json").read_text())


def check_schema(result):
    lines = events(result)
    for line in lines:
        jsonschema.validate(line, SCHEMA)
    return lines



def test_json_log_follows_its_schema(region, tmp_path):
    copy, scenario = private_region(region, tmp_path)
    out = tmp_path / "out.nc"
    first = check_schema(update(scenario, out))
    assert [e["event"] for e in first][:2] == ["start", "plan"] and first[-1]["event"] == "summary"
    assert any(e["event"] == "progress" for e in first)
    x0, y0, cell = frame(copy)
    add_find(copy, x0 + 300 * cell, y0 - 300 * cell)
    second = check_schema(update(scenario, out))
    plan = next(e for e in second if e["event"] == "plan")
    assert plan["full_reason"] is None and plan["tiles_by_input"] == {"finds": plan["tiles_to_recompute"]}
    s = second[-1]
    assert s["probability_digest"] == record_of(out)["probability_digest"]
    # A failure is an event too, with main's exit code; nothing but JSON lines on stdout.
    bad = run_minerisk("update", tmp_path / "missing.toml", "-o", out, "--log-format", "json")
    assert bad.returncode == 2
    error = check_schema(bad)[-1]
    assert error["event"] == "error" and error["exit_code"] == 2 and "missing.toml" in error["message"]
    assert len(bad.stderr.strip().splitlines()) == 1


def test_notes_reach_the_json_log(region, tmp_path):
    """An update without a picture leaves the older one beside the grid; the text log says so on
    stderr, and the JSON log said nothing: its summary carries the notes."""
    copy, scenario = private_region(region, tmp_path)
    out = tmp_path / "out.nc"
    summary(update(scenario, out))
    x0, y0, cell = frame(copy)
    add_find(copy, x0 + 300 * cell, y0 - 300 * cell)
    result = update(scenario, out, "--no-picture")
    notes = check_schema(result)[-1]["notes"]
    assert result.stderr == "" and len(notes) == 1 and "out.png' beside the grid is an older run's picture" in notes[0]
    assert summary(update(scenario, out))["notes"] == []


def test_second_update_is_refused_while_one_runs(region, tmp_path):
    copy, scenario = private_region(region, tmp_path)
    out = tmp_path / "out.nc"
    summary(update(scenario, out))
    with open(str(out) + ".lock", "a+") as held:
        fcntl.flock(held, fcntl.LOCK_EX)
        # A holder that writes no note (another program's flock) is named as such, not by the
        # pid of the update that held the lock last, which is long finished.
        busy = update(scenario, out)
        assert busy.returncode == 3 and "is being written by another process" in busy.stderr, busy.stderr
        held.seek(0)
        held.truncate()
        held.write("pid 4242 since 2026-12-05T02:00:00Z\n")
        held.flush()
        busy = update(scenario, out)
        assert busy.returncode == 3
        assert "pid 4242" in busy.stderr and "--wait" in busy.stderr
        assert check_schema(busy)[-1] == {**check_schema(busy)[-1], "event": "error", "exit_code": 3}
        # --wait: waits for the holder, then updates.
        waiting = start_update(scenario, out, "--wait")
        time.sleep(1.0)
        assert waiting.poll() is None
    stdout, stderr = waiting.communicate(timeout=120)
    assert waiting.returncode == 0, stderr
    lines = [json.loads(line) for line in stdout.splitlines()]
    assert [e for e in lines if e["event"] == "wait"][0]["holder"].startswith("pid 4242")
    assert lines[-1]["event"] == "summary"


def test_killed_update_resumes_from_its_journal(region, tmp_path):
    copy, scenario = private_region(region, tmp_path)
    out = tmp_path / "out.nc"
    summary(update(scenario, out))
    before = record_of(out)["probability_digest"]
    scenario.write_text(scenario.read_text().replace("weight = 0.9", "weight = 1.4"))  # every tile changes
    kill_after(start_update(scenario, out, "--threads", "1", env={"MINERISK_TEST_SLOW_TILES": "0.15"}), 0.2)
    # The previous output is whole and unchanged; the journal holds the finished tiles.
    assert record_of(out)["probability_digest"] == before
    journal = pathlib.Path(str(out) + ".journal")
    assert journal.stat().st_size > 0
    resumed = summary(update(scenario, out))
    assert 5 <= resumed["tiles_from_journal"] < 25
    assert resumed["tiles_from_journal"] + resumed["tiles_recomputed"] == 25
    assert not journal.exists()
    full_run(scenario, tmp_path / "full.nc")
    assert_same_output(out, tmp_path / "full.nc")


def test_killed_before_commit_resumes_without_computing(region, tmp_path):
    copy, scenario = private_region(region, tmp_path)
    out = tmp_path / "out.nc"
    summary(update(scenario, out))
    before = record_of(out)["probability_digest"]
    x0, y0, cell = frame(copy)
    add_find(copy, x0 + 50 * cell, y0 - 50 * cell, 3)
    proc = start_update(scenario, out, env={"MINERISK_TEST_PAUSE_BEFORE_COMMIT": "30"})
    line = "start"
    while line and "before the commit" not in line:
        line = proc.stderr.readline()
    assert line, "the update ended without pausing"
    proc.send_signal(signal.SIGKILL)
    proc.wait(timeout=60)
    assert record_of(out)["probability_digest"] == before
    resumed = summary(update(scenario, out))
    assert resumed["tiles_recomputed"] == 0 and resumed["tiles_from_journal"] > 0
    full_run(scenario, tmp_path / "full.nc")
    assert_same_output(out, tmp_path / "full.nc")


def test_interrupted_update_keeps_the_previous_output(region, tmp_path):
    copy, scenario = private_region(region, tmp_path)
    out = tmp_path / "out.nc"
    summary(update(scenario, out))
    before = record_of(out)["probability_digest"]
    scenario.write_text(scenario.read_text().replace("weight = 0.9", "weight = 1.1"))
    proc = start_update(scenario, out, "--threads", "1", env={"MINERISK_TEST_SLOW_TILES": "0.1"})
    time.sleep(1.0)
    proc.send_signal(signal.SIGINT)
    stdout, stderr = proc.communicate(timeout=60)
    assert proc.returncode == 130
    assert json.loads(stdout.splitlines()[-1])["event"] == "error"
    assert record_of(out)["probability_digest"] == before
    assert sorted(p.name for p in tmp_path.iterdir() if p.name.startswith("out")) == [
        "out.nc", "out.nc.journal", "out.nc.lock", "out.png", "out_evidence.nc"]


def test_keep_dated_grids_and_diff_them(region, tmp_path):
    copy, scenario = private_region(region, tmp_path)
    out = tmp_path / "out.nc"
    summary(update(scenario, out, "--keep", "2"))
    x0, y0, cell = frame(copy)
    digests = []
    for k in range(3):
        digests.append(record_of(out)["probability_digest"])
        add_find(copy, x0 + (100 + 150 * k) * cell, y0 - 200 * cell, 5)
        time.sleep(1.1)  # dated names have whole seconds
        s = summary(update(scenario, out, "--keep", "2"))
    kept = [pathlib.Path(p) for p in s["kept"]]
    assert len(kept) == 2 and all(p.exists() and p.with_suffix(".png").exists() for p in kept)
    assert sorted(p.name for p in tmp_path.glob("out.*Z.nc")) == sorted(p.name for p in kept)
    # Newest first: yesterday's grid is the previous output, unchanged.
    assert [record_of(p)["probability_digest"] for p in kept] == digests[:0:-1][:2]
    change = run_minerisk("diff", kept[0], out, "-o", tmp_path / "change.tif", "--json")
    assert change.returncode == 0, change.stderr
    assert json.loads(change.stdout)["rose_cells"] > 0


def test_a_file_that_is_no_minerisk_output_is_not_replaced(region, tmp_path):
    copy, scenario = private_region(region, tmp_path)
    out = tmp_path / "out.nc"
    out.write_text("someone's notes\n")
    refused = update(scenario, out)
    assert refused.returncode == 2
    assert "--overwrite" in refused.stderr and out.read_text() == "someone's notes\n"
    s = summary(update(scenario, out, "--overwrite"))
    assert s["tiles_recomputed"] == 25 and s["full_reason"]


def test_another_grids_output_is_not_replaced_without_overwrite(region, tmp_path):
    """A previous output on another grid is another region's (the wrong -o) or a scenario whose
    [grid] changed: the update refuses it in one line and leaves it, unless told --overwrite."""
    copy, scenario = private_region(region, tmp_path)
    out = tmp_path / "out.nc"
    assert update(scenario, out).returncode == 0
    before = out.read_bytes()
    dem = gdal.Open(str(copy / "dem.tif"))
    x0, cell, _, y0, _, _ = dem.GetGeoTransform()
    x1, y1 = x0 + cell * dem.RasterXSize, y0 - cell * dem.RasterYSize
    coarse = tmp_path / "coarse.toml"
    coarse.write_text(scenario_text(copy, grid=f'[grid]\ncrs = "EPSG:32638"\nresolution = {2 * cell}\n'
                                                   f'bounds = [{x0}, {y1}, {x1}, {y0}]\n'))
    refused = run_minerisk("update", coarse, "-o", out, "--tile-size", TILE)
    assert refused.returncode == 2, refused.stderr
    assert refused.stderr.count("error") == 1 and "is on another grid than the scenario's: their sizes differ" \
        in refused.stderr and "--overwrite" in refused.stderr, refused.stderr
    assert out.read_bytes() == before
    # A damaged record is recomputed whole, but not onto another grid unasked either.
    with h5py.File(out, "r+") as f:
        digests = f["update"]["tile_fingerprints"]
        digests[:10] = digests[:10] ^ 0xFF
    damaged = out.read_bytes()
    refused = run_minerisk("update", coarse, "-o", out, "--tile-size", TILE)
    assert refused.returncode == 2 and "is on another grid than the scenario's" in refused.stderr, refused.stderr
    assert out.read_bytes() == damaged
    assert summary(update(coarse, out, "--overwrite"))["tiles_recomputed"] > 0


def test_an_output_that_is_a_link_is_replaced_and_its_target_left_alone(region, tmp_path):
    """-o naming a link to another output: the update writes files in the link's place (every
    tile computed, and the plan says why) and never into the file the link points to."""
    copy, scenario = private_region(region, tmp_path)
    (tmp_path / "elsewhere").mkdir()
    target = tmp_path / "elsewhere" / "theirs.nc"
    assert update(scenario, target).returncode == 0
    before = target.read_bytes()
    out = tmp_path / "out.nc"
    out.symlink_to(target)
    s = summary(update(scenario, out))
    assert "is a symbolic link" in s["full_reason"] and s["tiles_recomputed"] + s["tiles_from_journal"] == 25
    assert not out.is_symlink() and out.is_file() and target.read_bytes() == before


@pytest.mark.skipif(os.environ.get("HDF5_USE_FILE_LOCKING", "").upper() == "FALSE", reason="HDF5's file locking is off")
def test_an_output_another_program_writes_is_busy_not_replaced(region, tmp_path):
    """h5py holding the output open for writing (HDF5 locks the file): the update says so and
    exits 3, even with --overwrite, and leaves the file alone; a program that only reads it
    (QGIS, xarray) stops nothing."""
    copy, scenario = private_region(region, tmp_path)
    out = tmp_path / "out.nc"
    summary(update(scenario, out))
    before, inode = out.read_bytes(), out.stat().st_ino
    with h5py.File(out, "r+"):  # HDF5 marks the file open for writing in its superblock meanwhile
        for extra in ([], ["--overwrite"]):
            busy = update(scenario, out, *extra)
            assert busy.returncode == 3, busy.stderr
            assert "open for writing in another program" in busy.stderr and "--overwrite" not in busy.stderr
            assert out.stat().st_ino == inode  # not replaced
    assert out.read_bytes() == before
    with h5py.File(out, "r"):
        assert summary(update(scenario, out))["tiles_recomputed"] == 0


def test_lock_and_journal_never_write_another_file(region, tmp_path):
    copy, scenario = private_region(region, tmp_path)
    out = tmp_path / "out.nc"
    precious = tmp_path / "precious.txt"
    for side in (".journal", ".lock"):
        precious.write_text("do not touch\n")
        os.link(precious, str(out) + side)  # a hard link: O_NOFOLLOW does not see it
        r = update(scenario, out)
        assert r.returncode == 2 and "is not an update" in r.stderr, r.stderr
        assert precious.read_text() == "do not touch\n"
        for leftover in (".journal", ".lock"):  # the journal's refusal comes after the lock is taken
            if os.path.exists(str(out) + leftover):
                os.unlink(str(out) + leftover)
    # Nor an input: a DEM named like the journal is refused before anything is opened.
    dem = copy / "dem.tif"
    before = dem.read_bytes()
    os.link(dem, str(out) + ".journal")
    r = update(scenario, out)
    assert r.returncode == 2 and "inputs" in r.stderr and dem.read_bytes() == before


def test_a_missing_folder_is_named_and_leaves_no_lock(region, tmp_path):
    copy, scenario = private_region(region, tmp_path)
    r = update(scenario, tmp_path / "nowhere" / "out.nc")
    assert r.returncode == 2 and "does not exist" in r.stderr
    r = update(scenario, copy / "dem.tif")
    assert r.returncode == 2 and not (copy / "dem.tif.lock").exists()


def test_an_output_name_that_is_a_fifo_or_a_folder_is_refused_at_once(region, tmp_path):
    """A FIFO by the output's name would otherwise hold the update for ever, in HDF5's open of
    the previous output; a folder would read as "not HDF5", with --overwrite as the advice."""
    copy, scenario = private_region(region, tmp_path)
    os.mkfifo(tmp_path / "fifo.nc")
    (tmp_path / "folder.nc").mkdir()
    for name, kind in (("fifo.nc", "a device, a fifo or a socket"), ("folder.nc", "a folder")):
        process = start_update(scenario, tmp_path / name)
        _, stderr = process.communicate(timeout=60)
        assert process.returncode == 2 and f"is not a regular file ({kind})" in stderr, stderr
        assert not (tmp_path / (name + ".lock")).exists()


def test_tiling_and_storage_of_the_previous_output_are_kept(region, tmp_path):
    copy, scenario = private_region(region, tmp_path)
    out = tmp_path / "out.nc"
    summary(run_minerisk("update", scenario, "-o", out, "--tile-size", "100", "--evidence", "float32",
                         "--log-format", "json"))
    s = summary(run_minerisk("update", scenario, "-o", out, "--log-format", "json"))
    assert s["tiles_recomputed"] == 0 and s["tiles_total"] == 36
    assert record_of(out)["evidence"] == "float32" and record_of(out)["tile_size"] == "100"


def test_bad_input_gives_one_line_in_the_text_log(region, tmp_path):
    """Without --quiet an update printed "updating OUT" before the error: two lines."""
    copy, scenario = private_region(region, tmp_path)
    (copy / "dem.tif").unlink()
    r = run_minerisk("update", scenario, "-o", tmp_path / "out.nc")
    assert r.returncode == 2 and r.stderr.count("\n") == 1 and r.stderr.startswith("minerisk: error: "), r.stderr


def test_a_link_as_the_output_is_judged_before_the_lock(region, tmp_path):
    """A dangling link read as "not an HDF5 file; use --overwrite", and a link (or a hard link)
    to the DEM gave the same advice, which the input check then refused; each left a lock."""
    copy, scenario = private_region(region, tmp_path)
    dangling, to_dem, hard = tmp_path / "dangling.nc", tmp_path / "dem_link.nc", tmp_path / "dem_hard.nc"
    os.symlink(tmp_path / "nowhere.nc", dangling)
    os.symlink(copy / "dem.tif", to_dem)
    os.link(copy / "dem.tif", hard)
    before = (copy / "dem.tif").read_bytes()
    for link, says in ((dangling, "which does not exist; remove the link"), (to_dem, "is the input"),
                       (hard, "is the input")):
        for overwrite in ([], ["--overwrite"]):
            r = update(scenario, link, *overwrite)
            assert r.returncode == 2 and says in r.stderr and r.stderr.count("\n") == 1, r.stderr
            assert not pathlib.Path(str(link) + ".lock").exists()
    assert (copy / "dem.tif").read_bytes() == before and os.path.islink(to_dem)


@pytest.mark.parametrize("side, says", [(".lock", "lock"), (".journal", "journal")])
def test_timings_may_not_name_the_updates_own_lock_or_journal(region, tmp_path, side, says):
    """--timings OUT.nc.journal --overwrite exited 0 with the timings removed as the journal;
    OUT.nc.lock replaced the lock, and every later update was refused until it was deleted."""
    copy, scenario = private_region(region, tmp_path)
    out = tmp_path / "out.nc"
    summary(update(scenario, out))
    before = out.read_bytes()
    for timings in (tmp_path / f"out.nc{side}", pathlib.Path(os.path.relpath(tmp_path, os.getcwd())) / f"out.nc{side}"):
        r = run_minerisk("update", scenario, "-o", out, "--timings", timings, "--overwrite", "-q")
        assert r.returncode == 2 and f"--timings: '{timings}' is the update's own {says} of" in r.stderr, r.stderr
        assert len(r.stderr.strip().splitlines()) == 1 and out.read_bytes() == before
    summary(update(scenario, out))  # the lock still is one: the next night runs
    # Refused before the lock is made: a first update leaves no lock behind.
    first = tmp_path / "first.nc"
    r = run_minerisk("update", scenario, "-o", first, "--timings", tmp_path / f"first.nc{side}", "-q")
    assert r.returncode == 2 and f"is the update's own {says} of" in r.stderr, r.stderr
    assert not (tmp_path / "first.nc.lock").exists() and not first.exists()


def test_a_reader_that_closes_the_log_does_not_kill_the_update(region, tmp_path):
    """`update --log-format json | head -1`: SIGPIPE killed the update mid-run (exit 141), leaving
    its staging folder and journal and no output. The writes now fail quietly and it finishes."""
    import subprocess
    from conftest import minerisk_bin
    copy, scenario = private_region(region, tmp_path)
    out = tmp_path / "out.nc"
    process = subprocess.Popen([minerisk_bin(), "update", str(scenario), "-o", str(out), "--tile-size", str(TILE),
                                "--log-format", "json"], stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    assert b'"event":"start"' in process.stdout.readline()
    process.stdout.close()  # as head -1 does, while the update has lines still to write
    assert process.wait(timeout=300) == 0, process.stderr.read()
    assert out.exists() and not list(tmp_path.glob(".minerisk-*")) and not (tmp_path / "out.nc.journal").exists()
