"""minerisk over MPI: `mpirun -np N minerisk run|update|sweep` with the same arguments gives
the same output, bit for bit, as one process; a failed or killed rank leaves the previous
output as it was. Run with --oversubscribe: the machine has fewer cores than ranks."""
import fcntl
import json
import os
import pathlib
import shutil
import signal
import subprocess
import time

import h5py
import pytest

from conftest import minerisk_bin, run_minerisk, scenario_text
from mpi_helpers import kill_rank, mpi_env, mpirun, rank_pids, start_mpirun, uneven_region, wait_for_rank
from update_helpers import (TILE, add_find, assert_same_output, frame, full_run, private_region, record_of,
                            summary)


def test_mpirun_is_installed():
    # scripts/setup installs Open MPI; without it none of the tests below could run.
    assert shutil.which("mpirun"), "mpirun not found: run scripts/setup (it installs openmpi-bin)"
    assert "Open MPI" in subprocess.run(["mpirun", "--version"], capture_output=True, text=True).stdout


@pytest.fixture(scope="module")
def uneven(region, tmp_path_factory):
    folder = tmp_path_factory.mktemp("uneven")
    copy = uneven_region(region, folder)
    scenario = folder / "scenario.toml"
    scenario.write_text(scenario_text(copy))
    single = folder / "single.nc"
    full_run(scenario, single)
    return scenario, single


@pytest.fixture(scope="module")
def sample(region, tmp_path_factory):
    folder = tmp_path_factory.mktemp("sample")
    scenario = folder / "scenario.toml"
    scenario.write_text(scenario_text(region))
    single = folder / "single.nc"
    full_run(scenario, single)
    return scenario, single


@pytest.mark.parametrize("ranks", [2, 3])
@pytest.mark.parametrize("which", ["sample", "uneven"])
def test_run_equals_one_process(which, ranks, request, tmp_path):
    scenario, single = request.getfixturevalue(which)
    out = tmp_path / "mpi.nc"
    r = mpirun(ranks, "run", scenario, "-o", out, "--tile-size", TILE, "--threads", "1", "--timings",
               tmp_path / "t.json")
    assert r.returncode == 0, r.stderr
    assert_same_output(out, single)
    # Every rank computed tiles: the work was shared, not done by rank 0 alone. A rank that starts
    # late finds its stretch taken (work stealing, test_tile_queue.cpp): on a loaded machine rank 0
    # can do all 25 small tiles, so the run is repeated, up to twice, until every rank took some.
    for attempt in range(3):
        timings = json.loads((tmp_path / "t.json").read_text())
        assert timings["ranks"] == ranks
        assert sorted(t["index"] for t in timings["tiles"]) == list(range(25))
        if {t["rank"] for t in timings["tiles"]} == set(range(ranks)) or attempt == 2:
            break
        again = mpirun(ranks, "run", scenario, "-o", out, "--overwrite", "--tile-size", TILE, "--threads", "1",
                       "--timings", tmp_path / "t.json")
        assert again.returncode == 0, again.stderr
        assert_same_output(out, single)
    assert {t["rank"] for t in timings["tiles"]} == set(range(ranks))
    # Rank 0 speaks for the job, once.
    assert r.stdout.count("grid: ") == 1, r.stdout


def test_uneven_tiles_differ_in_cost(uneven, tmp_path):
    """The uneven grid is what its name says: its dearest tile costs many times its median one."""
    scenario, _ = uneven
    r = run_minerisk("run", scenario, "-o", tmp_path / "o.nc", "--tile-size", TILE, "--threads", "1", "-q",
                     "--timings", tmp_path / "t.json")
    assert r.returncode == 0, r.stderr
    seconds = sorted(t["seconds"] for t in json.loads((tmp_path / "t.json").read_text())["tiles"])
    assert seconds[-1] > 5 * seconds[len(seconds) // 2], seconds


SWEEP = """seed = 5
samples = 6
thresholds = [0.1, 0.5]
stack = true

[[axis]]
parameter = "model.intercept"
lhs = [-5.5, -4.5]

[uncertainty]
front_line_sd = 80.0
record_validity = true
pod_beta = [18.0, 2.0]
"""


def stored_arrays(path):
    out = {}
    with h5py.File(path, "r") as f:
        f.visititems(lambda name, obj: out.__setitem__(name, obj[()]) if isinstance(obj, h5py.Dataset) else None)
    return out


@pytest.mark.parametrize("which,ranks,tile_size", [("sample", 2, 256), ("sample", 3, 256), ("sample", 3, 1024),
                                                   ("uneven", 3, 128)])
def test_sweep_equals_one_process(which, ranks, tile_size, request, tmp_path):
    """Tiles shared; and, with one tile of 600 x 600 and six scenarios, blocks of scenarios."""
    scenario, _ = request.getfixturevalue(which)
    sweep = tmp_path / "sweep.toml"
    sweep.write_text(f'base = "{scenario}"\n' + SWEEP)
    one, many = tmp_path / "one.nc", tmp_path / "many.nc"
    r = run_minerisk("sweep", sweep, "-o", one, "--tile-size", tile_size, "-q")
    assert r.returncode == 0, r.stderr
    r = mpirun(ranks, "sweep", sweep, "-o", many, "--tile-size", tile_size, "--threads", "1", "-q")
    assert r.returncode == 0, r.stderr
    a, b = stored_arrays(one), stored_arrays(many)
    assert sorted(a) == sorted(b)
    for name in a:
        assert a[name].dtype == b[name].dtype and a[name].tobytes() == b[name].tobytes(), name


def mpi_update(ranks, scenario, output, *extra, env=None):
    return mpirun(ranks, "update", scenario, "-o", output, "--tile-size", TILE, "--log-format", "json",
                  "--threads", "1", *extra, env=env)


def test_a_tile_computed_in_part_is_computed_on_rank_0(region, tmp_path):
    """A tile whose finds changed in a few of its sub-blocks needs the previous output, which rank
    0 alone reads: it is computed there in part, and the result is a full run's."""
    copy, scenario = private_region(region, tmp_path)
    out = tmp_path / "out.nc"
    update = ["update", scenario, "-o", out, "--tile-size", 512, "--log-format", "json", "--threads", "1"]
    summary(mpirun(2, *update))
    x0, y0, cell = frame(copy)
    add_find(copy, x0 + 200.5 * cell, y0 - 180.5 * cell, 2)
    s = summary(mpirun(2, *update))
    assert s["tiles_in_part"] == 1 and s["cells_recomputed"] == 384 * 384
    r = run_minerisk("run", scenario, "-o", tmp_path / "full.nc", "--tile-size", 512, "--quiet")
    assert r.returncode == 0, r.stderr
    assert_same_output(out, tmp_path / "full.nc")


@pytest.mark.parametrize("ranks", [2, 3])
def test_update_equals_a_full_run(region, tmp_path, ranks):
    copy, scenario = private_region(region, tmp_path)
    out = tmp_path / "out.nc"
    first = summary(mpi_update(ranks, scenario, out))
    assert first["tiles_recomputed"] == 25
    x0, y0, cell = frame(copy)
    add_find(copy, x0 + 130 * cell, y0 - 250 * cell, 4)  # near a tile border
    second = summary(mpi_update(ranks, scenario, out))
    assert 0 < second["tiles_recomputed"] < 25 and second["tiles_copied"] == 25 - second["tiles_recomputed"]
    full_run(scenario, tmp_path / "full.nc")
    assert_same_output(out, tmp_path / "full.nc")


def test_update_of_the_uneven_grid_equals_a_full_run(uneven, tmp_path):
    scenario, _ = uneven
    region = pathlib.Path(scenario_dem(scenario)).parent
    copy = tmp_path / "region"
    shutil.copytree(region, copy)
    private = tmp_path / "scenario.toml"
    private.write_text(scenario_text(copy))
    out = tmp_path / "out.nc"
    summary(mpi_update(3, private, out))
    x0, y0, cell = frame(copy)
    add_find(copy, x0 + 40 * cell, y0 - 60 * cell, 2)  # among the corner's dense finds
    add_find(copy, x0 + 500 * cell, y0 - 520 * cell, 1)  # out in the empty land
    s = summary(mpi_update(3, private, out))
    assert 0 < s["tiles_recomputed"] < 25
    full_run(private, tmp_path / "full.nc")
    assert_same_output(out, tmp_path / "full.nc")


def test_killed_update_resumes_from_its_journal_over_mpi(region, tmp_path):
    copy, scenario = private_region(region, tmp_path)
    out = tmp_path / "out.nc"
    summary(mpi_update(2, scenario, out))
    before = record_of(out)["probability_digest"]
    scenario.write_text(scenario.read_text().replace("weight = 0.9", "weight = 1.4"))  # every tile changes
    proc = start_mpirun(2, "update", scenario, "-o", out, "--tile-size", TILE, "--log-format", "json", "--threads",
                        "1", env={"MINERISK_TEST_SLOW_TILES": "0.2"})
    for line in proc.stdout:
        event = json.loads(line)
        if event["event"] == "progress" and event["fraction"] >= 0.3:
            break
    kill_rank(proc.pid, 0)  # the writer itself, killed outright
    proc.communicate(timeout=120)
    assert proc.returncode != 0
    assert record_of(out)["probability_digest"] == before
    journal = pathlib.Path(str(out) + ".journal")
    assert journal.stat().st_size > 0
    resumed = summary(mpi_update(2, scenario, out))
    assert 5 <= resumed["tiles_from_journal"] < 25
    assert resumed["tiles_from_journal"] + resumed["tiles_recomputed"] == 25
    assert not journal.exists()
    full_run(scenario, tmp_path / "full.nc")
    assert_same_output(out, tmp_path / "full.nc")


@pytest.mark.parametrize("killed", [1, 0])
def test_a_killed_rank_leaves_the_previous_output_intact(sample, tmp_path, killed):
    scenario, _ = sample
    out = tmp_path / "out.nc"
    r = run_minerisk("run", scenario, "-o", out, "--tile-size", TILE, "-q")
    assert r.returncode == 0, r.stderr
    before = {p.name: p.read_bytes() for p in tmp_path.iterdir()}
    # With rank 1 killed, mpirun sends rank 0 SIGTERM and SIGKILL later (odls_base_sigkill_timeout,
    # one second by default, three here so that a loaded machine cannot fail the test): rank 0
    # cleans up in between, even when it was waiting for the rest of a tile from rank 1.
    proc = start_mpirun(2, "run", scenario, "-o", out, "--tile-size", TILE, "--threads", "1", "--overwrite",
                        env={"MINERISK_TEST_SLOW_TILES": "0.3", "OMPI_MCA_odls_base_sigkill_timeout": "3"})
    for line in proc.stderr:  # progress lines: the job is under way
        if "tiles (" in line:
            break
    kill_rank(proc.pid, killed)
    proc.communicate(timeout=120)
    assert proc.returncode != 0
    # Byte for byte what stood before, and no output half-written beside it. Rank 0 killed
    # outright (SIGKILL) can clean nothing: its private staging folder stays, hidden, until the
    # next command there removes it, as after a single process killed so.
    left = {p.name: p.read_bytes() for p in tmp_path.iterdir() if p.is_file()}
    assert left == before
    staging = [p.name for p in tmp_path.iterdir() if p.is_dir()]
    assert len(staging) == (1 if killed == 0 else 0), staging
    assert all(name.startswith(".minerisk-") for name in staging), staging
    assert run_minerisk("run", scenario, "-o", out, "--tile-size", TILE, "-q", "--overwrite").returncode == 0
    assert not [p for p in tmp_path.iterdir() if p.is_dir()]


def test_a_rank_dying_half_way_through_a_tile_lets_rank_0_clean_up(sample, tmp_path):
    """Rank 1 sends a tile's length and dies before its bytes (a test hook). Rank 0, waiting
    for them, gets mpirun's SIGTERM: it gives up the wait and cleans up, where it used to wait
    until mpirun's SIGKILL and leave its staging folder. The SIGKILL comes three seconds after
    the SIGTERM here, not one, so that a slow machine cannot fail the test: waiting forever
    would still be caught."""
    scenario, _ = sample
    out = tmp_path / "out.nc"
    assert run_minerisk("run", scenario, "-o", out, "--tile-size", TILE, "-q").returncode == 0
    before = {p.name: p.read_bytes() for p in tmp_path.iterdir()}
    # Slow tiles, so that rank 0 cannot have computed every tile before rank 1 sends one.
    r = mpirun(2, "run", scenario, "-o", out, "--tile-size", TILE, "--threads", "1", "--overwrite", timeout=120,
               env={"MINERISK_TEST_DIE_SENDING_TILE": "1", "MINERISK_TEST_SLOW_TILES": "0.1",
                    "OMPI_MCA_odls_base_sigkill_timeout": "3"})
    assert r.returncode != 0
    assert "interrupted" in r.stderr, r.stderr
    assert not [p.name for p in tmp_path.iterdir() if p.is_dir()], r.stderr  # no staging folder left
    assert {p.name: p.read_bytes() for p in tmp_path.iterdir()} == before


def test_errors_are_said_once_with_the_exit_code(sample, tmp_path):
    scenario, single = sample
    r = mpirun(2, "run", tmp_path / "missing.toml", "-o", tmp_path / "o.nc")
    assert r.returncode == 2
    assert r.stderr.count("missing.toml") == 1, r.stderr
    # An output that exists is refused on rank 0, and every rank ends with its exit code.
    r = mpirun(3, "run", scenario, "-o", single)
    assert r.returncode == 2 and "--overwrite" in r.stderr
    assert r.stderr.count("minerisk: error") == 1, r.stderr


def test_commands_that_share_no_tiles_run_once(sample, tmp_path):
    """Any other subcommand runs on rank 0 alone: one output, written once (a second rank
    writing it too would find it there and fail without --overwrite)."""
    scenario, _ = sample
    r = mpirun(2, "slope", scenario_dem(scenario), tmp_path / "slope.tif")
    assert r.returncode == 0, r.stderr
    assert (tmp_path / "slope.tif").exists()
    assert r.stdout.count("slope.tif") <= 1


def scenario_dem(scenario):
    for line in pathlib.Path(scenario).read_text().splitlines():
        if line.startswith("dem = "):
            return line.split('"')[1]
    raise AssertionError("no dem in the scenario")


def test_several_threads_a_rank_lose_no_tile(sample, tmp_path):
    """Each rank keeps two tiles a thread in hand: when rank 0 has none left, the ones in hand
    are still computed (slow tiles keep several in hand at that moment)."""
    scenario, single = sample
    out = tmp_path / "mpi.nc"
    r = mpirun(2, "run", scenario, "-o", out, "--tile-size", TILE, "--threads", "3", "-q",
               env={"MINERISK_TEST_SLOW_TILES": "0.05"})
    assert r.returncode == 0, r.stderr
    assert_same_output(out, single)
    sweep = tmp_path / "sweep.toml"
    sweep.write_text(f'base = "{scenario}"\n' + SWEEP.replace("samples = 6", "samples = 12"))
    r = run_minerisk("sweep", sweep, "-o", tmp_path / "one.nc", "--tile-size", 1024, "-q")
    assert r.returncode == 0, r.stderr
    r = mpirun(2, "sweep", sweep, "-o", tmp_path / "many.nc", "--tile-size", 1024, "--threads", "3", "-q")
    assert r.returncode == 0, r.stderr
    a, b = stored_arrays(tmp_path / "one.nc"), stored_arrays(tmp_path / "many.nc")
    assert all(a[name].tobytes() == b[name].tobytes() for name in a)


def test_a_signal_to_rank_0_alone_ends_the_job(sample, tmp_path):
    """Not through mpirun: a `kill` of rank 0's process. It stops, leaves the old output, and
    the other ranks end too instead of waiting for tiles that will never be asked for."""
    scenario, _ = sample
    out = tmp_path / "out.nc"
    assert run_minerisk("run", scenario, "-o", out, "--tile-size", TILE, "-q").returncode == 0
    before = {p.name: p.read_bytes() for p in tmp_path.iterdir()}
    proc = start_mpirun(3, "run", scenario, "-o", out, "--tile-size", TILE, "--threads", "1", "--overwrite",
                        env={"MINERISK_TEST_SLOW_TILES": "0.3"})
    for line in proc.stderr:
        if "tiles (" in line:
            break
    for pid in rank_pids(proc.pid, 0):
        os.kill(pid, signal.SIGTERM)
    _, stderr = proc.communicate(timeout=60)  # a hang fails here
    assert proc.returncode != 0
    assert "interrupted" in stderr
    assert {p.name: p.read_bytes() for p in tmp_path.iterdir()} == before


def test_a_rank_that_cannot_read_the_scenario_fails_the_job(sample, tmp_path):
    """Each rank reads the scenario itself: one that cannot (not on its node's disk) makes the
    job fail with its message, rather than leave rank 0 waiting for it."""
    scenario, single = sample
    out = tmp_path / "out.nc"
    command = ["mpirun", "--oversubscribe", "-np", "1", minerisk_bin(), "run", str(scenario), "-o", str(out),
               "--tile-size", str(TILE), ":", "-np", "1", minerisk_bin(), "run", str(tmp_path / "absent.toml"),
               "-o", str(out), "--tile-size", str(TILE)]
    r = subprocess.run(command, capture_output=True, text=True, timeout=120, env=mpi_env())
    assert r.returncode == 2, r.stderr
    assert "absent.toml" in r.stderr
    assert not out.exists()


def test_a_rank_signalled_before_the_job_still_ends_it(region, tmp_path):
    """Rank 1 gets SIGTERM while rank 0 waits for update's lock (--wait): when rank 0 starts
    its job, rank 1 reports the signal there, and the job ends instead of waiting for it."""
    copy, scenario = private_region(region, tmp_path)
    out = tmp_path / "out.nc"
    summary(mpi_update(2, scenario, out))
    before = record_of(out)["probability_digest"]
    scenario.write_text(scenario.read_text().replace("weight = 0.9", "weight = 1.4"))
    with open(str(out) + ".lock", "a") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # another update, as far as anyone can tell
        proc = start_mpirun(2, "update", scenario, "-o", out, "--tile-size", TILE, "--threads", "1", "--wait")
        for pid in wait_for_rank_ready(proc.pid, 1):
            os.kill(pid, signal.SIGTERM)
        fcntl.flock(lock, fcntl.LOCK_UN)
    proc.communicate(timeout=60)  # a hang fails here
    assert proc.returncode != 0
    assert record_of(out)["probability_digest"] == before


def wait_for_rank_ready(mpirun_pid, rank):
    """The rank's processes, once it has had time to load its inputs and wait for a job."""
    pids = wait_for_rank(mpirun_pid, rank)
    time.sleep(2.0)
    return pids


def test_ranks_that_read_different_scenarios_are_refused(sample, tmp_path):
    """A rank whose scenario differs (a stale copy on its node) would make a patchwork: the job
    fails with a message saying so, exit 2, and writes nothing."""
    scenario, _ = sample
    other = tmp_path / "other.toml"
    other.write_text(scenario.read_text().replace("weight = 0.9", "weight = 1.0"))
    out = tmp_path / "out.nc"
    command = ["mpirun", "--oversubscribe", "-np", "1", minerisk_bin(), "run", str(scenario), "-o", str(out), ":",
               "-np", "1", minerisk_bin(), "run", str(other), "-o", str(out)]
    r = subprocess.run(command, capture_output=True, text=True, timeout=120, env=mpi_env())
    assert r.returncode == 2, r.stderr
    assert "another scenario than rank 0" in r.stderr
    assert r.stderr.count("minerisk: error") == 1
    assert not out.exists()


def test_a_job_script_may_call_minerisk_several_times(sample, tmp_path):
    """Under mpirun, a rank's script runs `run` and then another subcommand: only run, update
    and sweep start MPI (once per process), so the second command runs as one process."""
    scenario, _ = sample
    out = tmp_path / "out.nc"
    script = (f"{minerisk_bin()} run {scenario} -o {out} -q && "
              f"{minerisk_bin()} slope {scenario_dem(scenario)} {tmp_path / 'slope.tif'}")
    r = subprocess.run(["mpirun", "--oversubscribe", "-np", "1", "sh", "-c", script], capture_output=True, text=True,
                       timeout=120, env=mpi_env())
    assert r.returncode == 0, r.stderr
    assert out.exists() and (tmp_path / "slope.tif").exists()
