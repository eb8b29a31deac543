"""An interrupted command leaves the previous outputs byte for byte as they were, exits 130 and
leaves no temporary, whenever the signal comes before the commit: early, mid-run, and after the
final tile (through the test hook MINERISK_TEST_PAUSE_BEFORE_COMMIT, which waits just before
the commit's last cancel check)."""
import os
import pathlib
import signal
import subprocess
import time

import pytest

from conftest import minerisk_bin, scenario_text
from test_output_safety import snapshot

# A 2 m grid over the region: 3000 x 3000 cells, long enough to interrupt mid-run.
GRID_2M = '[grid]\ncrs = "EPSG:32638"\nresolution = 2\nbounds = [640000, 4414000, 646000, 4420000]\n'
INTERRUPTED = "minerisk: interrupted; no output was written"


@pytest.fixture
def previous(tmp_path):
    """Previous outputs out.nc and out.png in an output folder of their own."""
    folder = tmp_path / "outputs"
    folder.mkdir()
    (folder / "out.nc").write_bytes(b"previous grid")
    (folder / "out.png").write_bytes(b"previous picture")
    return folder


def start(*args, env=None):
    # --overwrite: the previous outputs are there on purpose, to be kept by an interrupted run.
    return subprocess.Popen([minerisk_bin(), *map(str, args), "--overwrite"], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE,
                            text=True, env=None if env is None else {**os.environ, **env})


def temporaries(folder):
    """The files in private folders of temporaries, with their sizes."""
    found = {}
    for name in os.listdir(folder):
        if name.startswith(".minerisk-"):
            for f in (pathlib.Path(folder) / name).iterdir():
                found[f] = f.stat().st_size
    return found


def wait_for(condition, what, timeout=60):
    deadline = time.time() + timeout
    while time.time() < deadline:
        if condition():
            return
        time.sleep(0.005)
    raise AssertionError(f"timed out waiting for {what}")


def check_interrupted(process, folder, before):
    _, stderr = process.communicate(timeout=120)
    assert process.returncode == 130, stderr
    assert stderr.strip().splitlines()[-1] == INTERRUPTED
    assert snapshot(folder) == before, "a previous output was changed or a temporary left behind"


def large_run(region, folder, write_scenario):
    scenario = write_scenario(scenario_text(region, grid=GRID_2M))
    return start("run", scenario, "-o", folder / "out.nc", "--threads", "1", "--tile-size", "128", "--quiet")


def test_sigterm_early_keeps_the_previous_outputs(region, previous, write_scenario):
    before = snapshot(previous)
    process = large_run(region, previous, write_scenario)
    # As soon as the outputs are staged: the inputs are still being loaded.
    wait_for(lambda: temporaries(previous), "the temporaries")
    process.send_signal(signal.SIGTERM)
    check_interrupted(process, previous, before)


def test_sigint_mid_run_keeps_the_previous_outputs(region, previous, write_scenario):
    before = snapshot(previous)
    process = large_run(region, previous, write_scenario)
    # Tiles are being written: the grid's temporary has grown past its header, and grows on.
    grid_size = lambda: max([s for f, s in temporaries(previous).items() if f.suffix == ".nc"], default=0)
    wait_for(lambda: grid_size() > 512 * 1024, "tiles in the grid's temporary")
    first = grid_size()
    wait_for(lambda: grid_size() > first, "more tiles")
    assert process.poll() is None, "the run finished before it could be interrupted"
    process.send_signal(signal.SIGINT)
    check_interrupted(process, previous, before)


def paused_before_commit(*args):
    """Starts a command that pauses before its commit; returns it once it says it is paused."""
    process = start(*args, "--quiet", env={"MINERISK_TEST_PAUSE_BEFORE_COMMIT": "60"})
    line = process.stderr.readline()
    assert "test hook: pausing" in line, line
    return process


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGHUP], ids=["SIGTERM", "SIGHUP"])
def test_a_signal_after_the_final_tile_keeps_the_previous_outputs(region, previous, sig):
    """SIGHUP too: a closed terminal or ssh session ends a run like Ctrl-C."""
    before = snapshot(previous)
    process = paused_before_commit("run", region / "scenario.toml", "-o", previous / "out.nc")
    # Everything is written: the grid and the picture are complete in the private folder.
    done = {f.suffix: f.read_bytes()[:8] for f in temporaries(previous)}
    assert done == {".nc": b"\x89HDF\r\n\x1a\n", ".png": b"\x89PNG\r\n\x1a\n"}
    process.send_signal(sig)
    check_interrupted(process, previous, before)


def test_sigint_after_the_last_write_of_a_tool_keeps_the_previous_output(region, previous):
    (previous / "slope.tif").write_bytes(b"previous slope")
    before = snapshot(previous)
    process = paused_before_commit("slope", region / "dem.tif", previous / "slope.tif")
    process.send_signal(signal.SIGINT)
    check_interrupted(process, previous, before)


def test_sigterm_after_the_fit_keeps_the_previous_outputs(region, previous, write_scenario):
    (previous / "fitted.toml").write_bytes(b"previous fit")
    before = snapshot(previous)
    process = paused_before_commit("fit", region / "scenario.toml", "-o", previous / "fitted.toml", "--report",
                                   previous / "fit.json")
    process.send_signal(signal.SIGTERM)
    check_interrupted(process, previous, before)


def test_without_a_signal_the_paused_commit_replaces_both_outputs(region, previous):
    process = start("run", region / "scenario.toml", "-o", previous / "out.nc", "--quiet",
                    env={"MINERISK_TEST_PAUSE_BEFORE_COMMIT": "0.2"})
    _, stderr = process.communicate(timeout=120)
    assert process.returncode == 0, stderr
    assert (previous / "out.nc").read_bytes()[:8] == b"\x89HDF\r\n\x1a\n"
    assert (previous / "out.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert sorted(os.listdir(previous)) == ["out.nc", "out.png", "out_evidence.nc"]


@pytest.mark.parametrize("when, renamed", [(2, 1), (3, 2)])
def test_a_kill_between_the_renames_of_a_commit_is_undone_by_the_next_command(region, tmp_path, when, renamed):
    """SIGKILL cannot be caught: killed between two renames of the commit (strace makes the
    kernel deliver it on entering the commit's `when`-th rename), a run leaves its first outputs
    new and the rest old, a grid beside another run's picture. The next command that writes in
    that folder puts the previous files back from the dead process's private folder: all old."""
    folder = tmp_path / "outputs"
    folder.mkdir()
    scenario = tmp_path / "scenario.toml"
    scenario.write_text(scenario_text(region))
    out = folder / "out.nc"
    outputs = [out, folder / "out_evidence.nc", folder / "out.png"]
    assert subprocess.run([minerisk_bin(), "run", scenario, "-o", out, "-q"]).returncode == 0
    before = {p: p.read_bytes() for p in outputs}
    scenario.write_text(scenario_text(region, intercept="-4.0"))
    killed = subprocess.run(["strace", "-f", "-o", os.devnull, "-e", f"inject=renameat,renameat2,rename:signal=SIGKILL:when={when}",
                             minerisk_bin(), "run", scenario, "-o", out, "-q", "--overwrite"],
                            capture_output=True, text=True, timeout=300)
    assert killed.returncode in (-signal.SIGKILL, 128 + signal.SIGKILL), killed.stderr
    changed = [p for p in outputs if p.read_bytes() != before[p]]
    assert len(changed) == renamed, changed  # the window this test is about: a mix of new and old
    later = subprocess.run([minerisk_bin(), "slope", region / "dem.tif", folder / "slope.tif", "-q"],
                           capture_output=True, text=True)
    assert later.returncode == 0, later.stderr
    assert {p: p.read_bytes() for p in outputs} == before
    assert not [name for name in os.listdir(folder) if name.startswith(".minerisk-")]


def ignore_hangup_and_interrupt():
    """As `nohup` (SIGHUP) and a script's background job (SIGINT) start a program."""
    signal.signal(signal.SIGHUP, signal.SIG_IGN)
    signal.signal(signal.SIGINT, signal.SIG_IGN)


def paused_run_ignoring_hangup_and_interrupt(region, folder, pause):
    process = subprocess.Popen([minerisk_bin(), "run", region / "scenario.toml", "-o", folder / "out.nc",
                                "--overwrite", "--quiet"], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                               env={**os.environ, "MINERISK_TEST_PAUSE_BEFORE_COMMIT": pause},
                               preexec_fn=ignore_hangup_and_interrupt)
    assert "test hook: pausing" in process.stderr.readline()
    return process


def test_a_signal_ignored_at_the_start_stays_ignored(region, previous):
    """`nohup minerisk update ... &` ignores SIGHUP so the batch outlives the session (and a
    script's background job ignores SIGINT): minerisk's handler put over that stopped the work."""
    process = paused_run_ignoring_hangup_and_interrupt(region, previous, "2")
    process.send_signal(signal.SIGHUP)
    process.send_signal(signal.SIGINT)
    _, stderr = process.communicate(timeout=120)
    assert process.returncode == 0, stderr
    assert (previous / "out.nc").read_bytes()[:8] == b"\x89HDF\r\n\x1a\n"
    # SIGTERM, not ignored, still stops a run cleanly.
    before = snapshot(previous)
    process = paused_run_ignoring_hangup_and_interrupt(region, previous, "60")
    process.send_signal(signal.SIGTERM)
    check_interrupted(process, previous, before)
