"""The Python module as a probe found it: Ctrl-C was ignored by a sweep until it had written its
file (then KeyboardInterrupt was raised anyway); an output path that is not UTF-8 was written and
then the call raised UnicodeDecodeError; an error naming such a path had an empty message; a
wrong option type was "Unable to cast Python instance"; bytes given to a list option were split
into numbers. And on the command line, a scenario in a Latin-1 folder ended run, update and
sweep with an internal error (exit 1)."""
import os
import shutil
import signal
import subprocess
import threading
import time

import pytest

import minerisk
from conftest import minerisk_bin, run_minerisk, scenario_text

LATIN1 = bytes([0x72, 0xE9, 0x67, 0x69, 0x6F, 0x6E])  # "région" in Latin-1


def test_ctrl_c_stops_a_sweep_and_writes_nothing(region, tmp_path, write_scenario):
    write_scenario(scenario_text(region), name="base.toml")
    sweep = write_scenario('base = "base.toml"\nseed = 1\nsamples = 1000\nthresholds = [0.5]\n'
                           '[[axis]]\nparameter = "model.intercept"\nlhs = [-6.0, -4.5]\n', name="sweep.toml")
    output = tmp_path / "sweep.nc"
    timer = threading.Timer(0.5, lambda: os.kill(os.getpid(), signal.SIGINT))
    start = time.monotonic()
    timer.start()
    with pytest.raises(KeyboardInterrupt):
        minerisk.sweep(sweep, output)
    timer.join()
    assert not output.exists()
    assert time.monotonic() - start < 10, "the sweep ran on (1000 scenarios take far longer)"


def test_an_output_path_that_is_not_utf8_comes_back_as_the_file_system_spells_it(region, tmp_path):
    output = os.fsencode(tmp_path) + b"/slope\xff.tif"
    got = minerisk.tools.slope(region / "dem.tif", output)
    assert got == os.fsdecode(output) and os.path.exists(output)
    # Named again, the error says so in a readable line (it was empty).
    with pytest.raises(minerisk.Error, match=r"slope\\xff\.tif.*exists"):
        minerisk.tools.slope(region / "dem.tif", output)


def test_wrong_option_types_are_named_and_bytes_are_one_name(region, tmp_path, write_scenario):
    grid = tmp_path / "run.nc"
    assert run_minerisk("run", write_scenario(scenario_text(region)), "-o", grid, "-q").returncode == 0
    with pytest.raises(TypeError, match="areas\\(\\): option 't1' got str '0.1'; give a number"):
        minerisk.areas(grid, t1="0.1")
    with pytest.raises(TypeError, match="option 'reduce' got str 'no'; give True or False"):
        minerisk.areas(grid, reduce="no")
    with pytest.raises(TypeError, match="map\\(\\): option 'dpi' got str '300'"):
        minerisk.map(grid, dpi="300")
    with pytest.raises(TypeError, match="areas\\(\\): option 'where' got int 1; give a str, bytes or os.PathLike"):
        minerisk.areas(grid, where=1)
    table = minerisk.areas(grid, access=os.fsencode(f"{region / 'region.gpkg'}:front_lines"))
    assert table["access_m"].notna().all()
    # map gives its outputs back as str, as every other call does (it gave a PosixPath).
    drawn = minerisk.map(grid, tmp_path / "map.png", size="A5", dpi=50, qgis_project=tmp_path / "map.qgs")
    assert drawn["output"] == str(tmp_path / "map.png") and drawn["qgis_project"] == str(tmp_path / "map.qgs")


def test_a_latin1_folder_is_one_clear_line(region, tmp_path):
    folder = os.fsencode(tmp_path) + b"/" + LATIN1
    shutil.copytree(region, os.fsdecode(folder))
    with open(folder + b"/scenario.toml", "w") as f:
        f.write(scenario_text("."))  # paths relative to the scenario's folder: the TOML itself is UTF-8
    with open(folder + b"/sweep.toml", "w") as f:
        f.write('base = "scenario.toml"\nsamples = 2\n[[axis]]\nparameter = "model.intercept"\nlhs = [-6.0, -4.5]\n')
    for command, scenario in [("run", b"/scenario.toml"), ("update", b"/scenario.toml"), ("sweep", b"/sweep.toml")]:
        r = run_minerisk(command, os.fsdecode(folder + scenario), "-o", tmp_path / f"{command}.nc")
        assert r.returncode == 2 and r.stderr.count("\n") == 1, r.stderr
        assert "r\\xe9gion" in r.stderr and "is not UTF-8 text" in r.stderr
        assert not (tmp_path / f"{command}.nc").exists()
    with pytest.raises(minerisk.Error, match="is not UTF-8 text"):
        minerisk.Scenario.load(folder + b"/scenario.toml").run(tmp_path / "python.nc")
    # A surrogate's bytes are no UTF-8 either (GDAL's test took them; netCDF4-python then could
    # not open the grid its record named): refused, as Python decodes them (a review).
    surrogate = os.fsencode(tmp_path) + b"/g\xed\xa0\x80.nc"
    r = subprocess.run([minerisk_bin(), "run", region / "scenario.toml", "-o", surrogate], capture_output=True)
    assert r.returncode == 2 and b"g\\xed\\xa0\\x80.nc' is not UTF-8 text" in r.stderr, r.stderr
    assert not os.path.exists(surrogate)


def test_ctrl_c_after_the_last_tile_still_writes_nothing(region, tmp_path, monkeypatch):
    """Python's own handler only marks the signal for its main thread: a Ctrl-C after the last
    tile (here in the pause the test hook makes before the commit) wrote every output, then
    raised KeyboardInterrupt. SIGINT now sets the engine's cancel flag, as on the command line."""
    monkeypatch.setenv("MINERISK_TEST_PAUSE_BEFORE_COMMIT", "3")
    calls = [("slope", lambda out: minerisk.tools.slope(region / "dem.tif", out), tmp_path / "slope.tif"),
             ("run", lambda out: minerisk.Scenario.load(region / "scenario.toml").run(out), tmp_path / "run.nc")]
    for name, call, output in calls:
        timer = threading.Timer(0.5, lambda: os.kill(os.getpid(), signal.SIGINT))
        start = time.monotonic()
        timer.start()
        with pytest.raises(KeyboardInterrupt):
            call(output)
        timer.join()
        assert time.monotonic() - start < 2.5, f"{name} waited out the pause"
        assert not output.exists() and sorted(os.listdir(tmp_path)) == [], (name, os.listdir(tmp_path))
    monkeypatch.delenv("MINERISK_TEST_PAUSE_BEFORE_COMMIT")
    assert minerisk.tools.slope(region / "dem.tif", tmp_path / "after.tif") == str(tmp_path / "after.tif")


def test_every_call_names_its_python_arguments(region, tmp_path, write_scenario):
    """Messages name threads and tile_size as Python spells them (the tools said --threads)."""
    with pytest.raises(minerisk.Error, match="^threads: must be 0"):
        minerisk.tools.slope(region / "dem.tif", tmp_path / "s.tif", threads=-1)
    with pytest.raises(minerisk.Error, match="^tile_size: 3 is out of range"):
        minerisk.tools.slope(region / "dem.tif", tmp_path / "s.tif", tile_size=3)
    with pytest.raises(minerisk.Error, match="^threads: must be 0"):
        minerisk.Scenario(write_scenario(scenario_text(region))).run(threads=-1)
    assert not (tmp_path / "s.tif").exists()


def test_a_scenario_keeps_the_folder_it_was_made_in(region, tmp_path, write_scenario, monkeypatch):
    """A relative path was read from whatever folder was current at each call; and
    resolved_toml stayed as first read while run read the edited file."""
    scenario = write_scenario(scenario_text(region))
    monkeypatch.chdir(scenario.parent)
    s = minerisk.Scenario(scenario.name)
    monkeypatch.chdir(tmp_path.parent)
    assert s.run(threads=1).probability.shape[0] > 0
    scenario.write_text(scenario.read_text().replace('intercept = -5.0', 'intercept = -4.0'))
    assert "intercept = -4.0" in s.resolved_toml


THREADS_SCRIPT = """
import sys, threading
import minerisk
grid, truth = sys.argv[1], sys.argv[2]
def calls():
    for _ in range(5):
        minerisk.evaluate(grid, truth, layer="finds")
        minerisk.explain(grid, float(sys.argv[3]), float(sys.argv[4]))
        minerisk.open(grid).probability.values
threads = [threading.Thread(target=calls) for _ in range(2)]
[t.start() for t in threads]
[t.join() for t in threads]
print("done")
"""


def test_calls_from_two_threads_print_no_hdf5_traces(region, tmp_path):
    """HDF5's error printing is set per thread: a second Python thread reading a grid through
    GDAL's netCDF driver printed hundreds of HDF5-DIAG traces (the results were right). And
    minerisk.open, through the netCDF library beside GDAL's use of it on the other thread,
    crashed now and then, or failed to read the file (the library is not thread-safe)."""
    import subprocess
    import sys
    grid = tmp_path / "g.nc"
    assert run_minerisk("run", region / "scenario.toml", "-o", grid, "-q").returncode == 0
    x, y = minerisk.open(grid).x[5], minerisk.open(grid).y[5]
    script = tmp_path / "threads.py"
    script.write_text(THREADS_SCRIPT)
    r = subprocess.run(["/usr/bin/python3", script, grid, region / "region.gpkg", str(float(x)), str(float(y))],
                       capture_output=True, text=True, timeout=300,
                       env={**os.environ, "PYTHONPATH": os.pathsep.join(p for p in sys.path if p)})
    assert r.returncode == 0 and r.stdout.strip() == "done", r.stderr[-2000:]
    assert "HDF5-DIAG" not in r.stderr and "Exception in thread" not in r.stderr, r.stderr[:2000]
