"""What the team's benchmarks share: running a whole command as a user would and measuring it
(wall clock, CPU time from wait4, peak memory from GNU time), and finding or generating a
region of a preset's size. Used by bench/compare_pipeline and bench/update_nightly."""
import os
import shlex
import shutil
import subprocess
import time
from dataclasses import dataclass

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
PYTHON = "/usr/bin/python3"  # Debian's, with numpy, scipy and GDAL; the first on PATH may lack them
TIME = "/usr/bin/time"  # GNU time (Debian's `time`), for each command's own peak memory

PRESETS = {"sample": 1024, "karabakh": 10954}  # cells per side, as datasets/generate_region.py makes them
REGION_BYTES_PER_CELL = 4  # disk, with room to spare
# Seconds between a sync and a timed command that follows a deletion of big files: on this
# machine's file system (ext4 with online discard) the blocks a command frees are discarded at
# the journal's next commit, within 5 s, and stall whatever writes then for up to a second
# (measured by bench/update_nightly: with 2 s, most updates' writes stalled; with 6 s, none did).
SETTLE = 6.0


class Failure(Exception):
    """A run or a check failed: the message says which and why."""


@dataclass
class Measure:
    wall: float  # seconds
    cpu: float  # user + sys seconds
    peak: int  # bytes, the largest resident set of the process (and of any child it waited for)


def run_measured(argv, cwd, log, settle=0.0):
    """Runs argv to completion (`settle` seconds after the previous command's files were written
    back): its wall time, its CPU time from wait4, and its peak memory from
    GNU time. wait4's own peak would not do: a process started by this one (vfork, or fork then
    exec) starts its peak at this process's, which holds numpy and GDAL (90 MB or more)."""
    peak_file = os.path.join(os.path.dirname(log), "peak.txt")
    with open(log, "a") as f:
        f.write(f"$ {shlex.join(argv)}\n")
        f.flush()
        # The previous command's files written back to the disk first: the kernel would otherwise
        # flush them (gigabytes, for the chain) while this one runs, and charge it their cost.
        os.sync()
        # `settle` seconds more: on a file system mounted with online discard, the blocks of the
        # files the previous command deleted are discarded at the journal's next commit, and
        # stall the writes then under way for up to a second.
        time.sleep(settle)
        start = time.perf_counter()
        proc = subprocess.Popen([TIME, "-f", "%M", "-o", peak_file, *argv], cwd=cwd, stdout=f, stderr=f)
        _, status, usage = os.wait4(proc.pid, 0)
        wall = time.perf_counter() - start
    proc.returncode = os.waitstatus_to_exitcode(status)  # reaped here; Popen must not wait again
    if proc.returncode != 0:
        with open(log) as f:
            tail = f.read()[-2000:]
        raise Failure(f"exit code {proc.returncode} from\n  {shlex.join(argv)}\n(log {log}):\n{tail.strip()}")
    with open(peak_file) as f:
        peak_kib = int(f.read().split()[-1])
    return Measure(wall, usage.ru_utime + usage.ru_stime, peak_kib * 1024)


def wait_for(program, seconds=60):
    """The program may be being rebuilt: wait a little for it to come back."""
    deadline = time.monotonic() + seconds
    while not os.access(program, os.X_OK):
        if time.monotonic() > deadline:
            raise Failure(f"{program} is not an executable program; build it first (or give --bin)")
        time.sleep(1)


def region_path(name, args):
    """A region's folder: reused from --regions when there, else generated into it."""
    folder = os.path.join(args.regions, name)
    if os.path.exists(os.path.join(folder, "region.json")):
        return folder, ""
    size = PRESETS.get(name) or int(name.removeprefix("size-"))
    need = size * size * REGION_BYTES_PER_CELL
    if shutil.disk_usage(args.regions).free < need:
        free = shutil.disk_usage(args.regions).free
        return None, f"needs about {need / 1e9:.1f} GB of disk for the region, {free / 1e9:.1f} GB free"
    partial = folder + ".partial"
    shutil.rmtree(partial, ignore_errors=True)
    how = ["--preset", name] if name in PRESETS else ["--size", str(size)]
    print(f"generating {name} into {folder}", flush=True)
    argv = [PYTHON, os.path.join(REPO, "datasets", "generate_region.py"), *how, "--out", partial, "--quiet"]
    proc = subprocess.run(argv, capture_output=True, text=True)
    if proc.returncode != 0:
        raise Failure(f"exit code {proc.returncode} from\n  {shlex.join(argv)}\n{proc.stderr.strip()[-2000:]}")
    os.rename(partial, folder)
    return folder, ""
