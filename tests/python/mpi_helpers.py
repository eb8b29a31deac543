"""Helpers for the MPI tests: `mpirun -np N minerisk ...` as a user starts it (Open MPI from
Debian, which scripts/setup installs), and a region whose tiles differ in cost by orders of
magnitude."""
import os
import shutil
import signal
import subprocess
import time

import numpy as np
from osgeo import ogr

from conftest import minerisk_bin
from update_helpers import frame

ogr.UseExceptions()

# Open MPI refuses to start as root unless told; CI runs as root. More ranks than cores is
# what --oversubscribe allows (the machine has two). Under scripts/sanitize the ranks are
# checked for memory errors but not for leaks: Open MPI frees little of its own at the end, and
# telling its leaks from ours needs the slow unwinder, which made these tests four times slower
# (scripts/lsan.supp says how to run them with leak checks; they passed so on 2026-12-05).
MPI_ENV = {"OMPI_ALLOW_RUN_AS_ROOT": "1", "OMPI_ALLOW_RUN_AS_ROOT_CONFIRM": "1",
           "OMPI_MCA_rmaps_base_oversubscribe": "1",
           "MINERISK_ASAN_OPTIONS": os.environ.get("MINERISK_ASAN_OPTIONS", "detect_leaks=0")}


def mpirun_command(ranks, *args, env_names=()):
    exported = [x for name in env_names for x in ("-x", name)]
    return ["mpirun", "-np", str(ranks), "--oversubscribe", *exported, minerisk_bin(), *map(str, args)]


def mpi_env(extra=None):
    env = dict(os.environ, **MPI_ENV)
    env.update(extra or {})
    return env


def mpirun(ranks, *args, env=None, timeout=600):
    """`mpirun -np RANKS minerisk ARGS...`, completed; never raises on a non-zero exit."""
    return subprocess.run(mpirun_command(ranks, *args, env_names=tuple(env or {})), capture_output=True, text=True,
                          timeout=timeout, env=mpi_env(env))


def start_mpirun(ranks, *args, env=None):
    return subprocess.Popen(mpirun_command(ranks, *args, env_names=tuple(env or {})), stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, env=mpi_env(env))


def rank_pids(mpirun_pid, rank):
    """The processes that mpirun `mpirun_pid` started as `rank` (by their OMPI_COMM_WORLD_RANK)."""
    found = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/environ", "rb") as f:
                environ = f.read().split(b"\0")
            with open(f"/proc/{entry}/stat") as f:
                parent = int(f.read().rsplit(")", 1)[1].split()[1])
        except OSError:
            continue
        if f"OMPI_COMM_WORLD_RANK={rank}".encode() in environ and parent == mpirun_pid:
            found.append(int(entry))
    return found


def wait_for_rank(mpirun_pid, rank, timeout=30):
    deadline = time.time() + timeout
    while time.time() < deadline:
        pids = rank_pids(mpirun_pid, rank)
        if pids:
            return pids
        time.sleep(0.05)
    raise AssertionError(f"rank {rank} of mpirun {mpirun_pid} never started")


def kill_rank(mpirun_pid, rank):
    for pid in wait_for_rank(mpirun_pid, rank):
        os.kill(pid, signal.SIGKILL)


def uneven_region(region, folder):
    """The sample region with its finds only in its top-left corner, and two
    thousand more finds there: the corner's tiles cost far more than the rest."""
    copy = folder / "uneven"
    shutil.copytree(region, copy)
    x0, y0, _ = frame(copy)  # the grid's top-left corner
    ds = ogr.Open(str(copy / "region.gpkg"), update=1)
    for name in ("finds",):
        layer = ds.GetLayerByName(name)
        for fid in [f.GetFID() for f in layer]:
            feature = layer.GetFeature(fid)  # kept while its geometry is read
            env = feature.GetGeometryRef().GetEnvelope()  # x min, x max, y min, y max
            if env[1] > x0 + 1500 or env[2] < y0 - 1500:
                layer.DeleteFeature(fid)
    finds = ds.GetLayerByName("finds")
    rng = np.random.default_rng(5)
    for x, y in zip(rng.uniform(0, 900, 2000), rng.uniform(0, 900, 2000)):
        f = ogr.Feature(finds.GetLayerDefn())
        f.SetField("count", 1)
        f.SetGeometry(ogr.CreateGeometryFromWkt(f"POINT ({x0 + x!r} {y0 - y!r})"))
        finds.CreateFeature(f)
    ds = None
    return copy
