"""`run` of an output the nightly update keeps takes update's lock (OUT.nc.lock): a run
--overwrite while an update writes the output is refused (exit 3), and an update while such a
run writes it waits or is refused, so that neither commits over the other's result unseen. An
output never updated gets no lock file."""
import fcntl
import os
import subprocess
import time

from conftest import minerisk_bin, run_minerisk
from update_helpers import TILE, private_region, summary, update


def test_a_run_is_refused_while_an_update_holds_the_lock(region, tmp_path):
    _, scenario = private_region(region, tmp_path)
    out = tmp_path / "out.nc"
    summary(update(scenario, out))
    before = out.read_bytes()
    with open(str(out) + ".lock", "a+") as held:
        fcntl.flock(held, fcntl.LOCK_EX)
        held.write("pid 4242 (minerisk update) since 2026-12-05T02:00:00Z\n")
        held.flush()
        r = run_minerisk("run", scenario, "-o", out, "--overwrite", "-q")
        assert r.returncode == 3, r.stderr
        assert r.stderr.strip().endswith(
            "'" + str(out) + "' is being written by pid 4242 (minerisk update) since 2026-12-05T02:00:00Z; run again "
            "when it has finished"), r.stderr
    assert out.read_bytes() == before
    r = run_minerisk("run", scenario, "-o", out, "--overwrite", "-q")  # released: the run replaces it
    assert r.returncode == 0, r.stderr
    assert (tmp_path / "out.nc.lock").read_text() == ""  # the run's note went with its lock


def test_an_update_is_refused_while_a_run_replaces_the_output(region, tmp_path):
    _, scenario = private_region(region, tmp_path)
    out = tmp_path / "out.nc"
    summary(update(scenario, out))
    lock = tmp_path / "out.nc.lock"
    run = subprocess.Popen([minerisk_bin(), "run", str(scenario), "-o", str(out), "--overwrite", "-q", "--threads", "1",
                            "--tile-size", str(TILE)], stderr=subprocess.PIPE, text=True,
                           env={**os.environ, "MINERISK_TEST_SLOW_TILES": "0.2"})
    try:
        deadline = time.monotonic() + 60
        while "(minerisk run)" not in lock.read_text() and time.monotonic() < deadline and run.poll() is None:
            time.sleep(0.05)
        assert "(minerisk run)" in lock.read_text(), "the run did not take the lock"
        busy = update(scenario, out)
        assert busy.returncode == 3, busy.stderr
        assert "is being written by pid " + str(run.pid) + " (minerisk run)" in busy.stderr, busy.stderr
    finally:
        _, stderr = run.communicate(timeout=300)
    assert run.returncode == 0, stderr
    summary(update(scenario, out))  # the run's output is one an update continues from


def test_a_run_of_an_output_never_updated_makes_no_lock_file(region, tmp_path):
    _, scenario = private_region(region, tmp_path)
    r = run_minerisk("run", scenario, "-o", tmp_path / "out.nc", "-q")
    assert r.returncode == 0, r.stderr
    assert not (tmp_path / "out.nc.lock").exists()


def test_a_lock_file_that_is_no_updates_lock_does_not_hold_a_run_back(region, tmp_path):
    """A hard link of the lock (a backup made with cp -al) made run refuse; update refuses it,
    and a run, which never writes to it, goes on."""
    _, scenario = private_region(region, tmp_path)
    out = tmp_path / "out.nc"
    summary(update(scenario, out))
    (tmp_path / "backup").mkdir()
    os.link(tmp_path / "out.nc.lock", tmp_path / "backup" / "out.nc.lock")
    r = run_minerisk("run", scenario, "-o", out, "--overwrite", "-q")
    assert r.returncode == 0, r.stderr
    assert update(scenario, out).returncode == 2  # update still refuses a lock with another name
