#!/usr/bin/env -S /usr/bin/python3
"""Measure the strong scaling of `mpirun -np N minerisk run` on this machine, and model it for many
ranks from the measured per-tile costs; write the results to bench/RESULTS.md.

Measured, median of --repeat runs of each command, interleaved: `minerisk run` in one plain
process at --threads 1 and --threads 2, and under `mpirun -np 1` and `mpirun -np 2` with
--threads 1 per rank. Wall time is the whole command as the user sees it (mpirun's start-up
included); peak memory is GNU time's of the whole command, i.e. the largest single process among
mpirun and the ranks it waited for (not their sum). The 2-rank (and 1-rank) probability grids are
checked bit for bit against the plain 1-thread one (h5py, variable "probability").

Modelled: a discrete-event simulation of the load balancer (each rank its own stretch of the plan,
then the far end of the longest stretch left; rank 0 computing too, one thread per rank) with the writer as one serial server
(each tile's append, in arrival order), on the per-tile seconds of the 1-rank run (`--timings`), plus
the measured fixed costs that do not shrink with ranks; then the same for a country of 1.4e9 cells
(140,000 km² at 10 m) on the preset's per-tile cost distribution, resampled with a fixed seed.
The model and its tables are bench/mpi_model.py (pure, tested by tests/python/test_mpi_model.py);
this script measures, writes the report and holds the command line. Run with Debian's python3 from the repository's root, e.g.:

    bench/mpi_scaling.py --preset sample --regions /tmp/r14/regions
    bench/mpi_scaling.py --preset karabakh --regions /tmp/r14/regions --repeat 1 --keep
    bench/mpi_scaling.py --reuse /tmp/mpi_scaling-XXXX     # the tables again, from a kept run's files
"""
import argparse
import json
import os
import shlex
import shutil
import statistics
import subprocess
import sys
import tempfile

import numpy as np

# The scripts run as bench/mpi_scaling.py from the repository's root: their siblings (measure,
# pipeline_report, mpi_model) are imported from this script's own folder.
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import pipeline_report as report  # noqa: E402

from measure import REPO, TIME  # noqa: E402
from measure import PRESETS, Failure, Measure, region_path, run_measured, wait_for  # noqa: E402
from mpi_model import (gap_table, json_median, median_tile_seconds, model_rows, model_table, ms, s,  # noqa: E402
                       saturation, tile_stats, tile_table, usable, writer_table)
import mpi_model as model  # noqa: E402

HEADING = "## MPI: strong scaling and a model for many ranks"
RUN_BYTES_PER_CELL = 12  # disk for the outputs of one run, with room to spare
RESULTS_FILE = "measured.json"  # in the work folder: what was measured, for --reuse

# The commands measured: key -> (label, ranks under mpirun or None for a plain process, threads per rank)
CONFIGS = {
    "plain1": ("1 process, --threads 1 (no mpirun)", None, 1),
    "plain2": ("1 process, --threads 2 (no mpirun)", None, 2),
    "mpi1": ("mpirun -np 1, --threads 1", 1, 1),
    "mpi2": ("mpirun -np 2, --threads 1 each", 2, 1),
}


# ---------------------------------------------------------------------------------------------
# Running

def read_cache(folder):
    """Reads the region's files once, so that the first timed run does not pay for the disk."""
    for entry in os.scandir(folder):
        if entry.is_file():
            with open(entry.path, "rb") as f:
                while f.read(1 << 24):
                    pass


def command(args, scenario, out, timings, ranks, threads):
    run = [args.minerisk, "run", scenario, "-o", out, "--overwrite", "-q", "--threads", str(threads),
           "--timings", timings]
    if ranks is None:
        return run
    return [args.mpirun, "-np", str(ranks), "--oversubscribe", *shlex.split(args.mpirun_args), *run]


def mpi_environment():
    """Open MPI refuses to run as root unless told twice; the environment of every run (GNU time
    passes it on to mpirun)."""
    if os.geteuid() == 0:
        os.environ.setdefault("OMPI_ALLOW_RUN_AS_ROOT", "1")
        os.environ.setdefault("OMPI_ALLOW_RUN_AS_ROOT_CONFIRM", "1")


def output_files(out):
    stem = os.path.splitext(out)[0]
    return [out, stem + "_evidence.nc", stem + ".png"]


def measure_all(args, scenario, work, meta):
    """Runs every configuration --repeat times, interleaved: {key: [(Measure, timings dict)]}, and
    the outputs of each configuration's last run."""
    runs_dir = os.path.join(work, "runs")
    os.makedirs(runs_dir, exist_ok=True)
    log = os.path.join(work, "log.txt")
    read_cache(os.path.dirname(scenario))
    results = {k: [] for k in CONFIGS}
    saved = {k: [] for k in CONFIGS}
    outputs = {k: os.path.join(runs_dir, f"{k}.nc") for k in CONFIGS}
    for i in range(args.warm_up + args.repeat):
        timed = i >= args.warm_up
        print(f"{'run ' + str(i - args.warm_up + 1) if timed else 'warm-up'}", flush=True)
        for key, (label, ranks, threads) in CONFIGS.items():
            for path in output_files(outputs[key]):
                if os.path.exists(path):
                    os.remove(path)
            wait_for(args.minerisk)
            timings = os.path.join(work, f"timings_{key}_{i}.json")
            m = run_measured(command(args, scenario, outputs[key], timings, ranks, threads), work, log, args.settle)
            with open(timings) as f:
                doc = json.load(f)
            if timed:
                results[key].append((m, doc))
                saved[key].append({"wall": m.wall, "cpu": m.cpu, "peak": m.peak, "timings": os.path.basename(timings)})
            print(f"  {label}: {m.wall:.3f} s, peak {m.peak / 1e6:.0f} MB (minerisk's own wall "
                  f"{doc.get('wall_seconds', float('nan')):.3f} s)", flush=True)
    meta["runs"] = saved
    with open(os.path.join(work, RESULTS_FILE), "w") as f:
        json.dump(meta, f, indent=1)
    return results, outputs


def reuse(work):
    """What a kept work folder's run measured (its RESULTS_FILE and timings), as measure_all
    returns it, and that run's description."""
    try:
        with open(os.path.join(work, RESULTS_FILE)) as f:
            meta = json.load(f)
    except (OSError, ValueError) as e:
        raise Failure(f"--reuse: cannot read {os.path.join(work, RESULTS_FILE)}: {e}")
    results = {}
    for key in CONFIGS:
        results[key] = []
        for r in meta["runs"][key]:
            with open(os.path.join(work, r["timings"])) as f:
                results[key].append((Measure(r["wall"], r.get("cpu"), r["peak"]), json.load(f)))
    return meta, results, {k: os.path.join(work, "runs", f"{k}.nc") for k in CONFIGS}


def bitwise(first, second):
    """Whether the "probability" arrays of two outputs are identical bit for bit (NaN included)."""
    import h5py
    with h5py.File(first, "r") as a, h5py.File(second, "r") as b:
        x, y = a["probability"][...], b["probability"][...]
    if x.shape != y.shape or x.dtype != y.dtype:
        return False, f"differ in shape or type ({x.shape} {x.dtype} against {y.shape} {y.dtype})"
    same = np.array_equal(x.view(np.uint8), y.view(np.uint8))
    if same:
        return True, f"bit for bit identical ({x.shape[0]} x {x.shape[1]} {x.dtype})"
    differing = int(np.count_nonzero(np.any(x.view(np.uint8).reshape(x.size, -1) !=
                                            y.view(np.uint8).reshape(y.size, -1), axis=1)))
    both = np.isfinite(x) & np.isfinite(y)
    diff = float(np.max(np.abs(x[both].astype(np.float64) - y[both]))) if both.any() else float("nan")
    return False, f"NOT identical: {differing:,} cells differ, max abs diff {diff:.3g}"


# ---------------------------------------------------------------------------------------------
# Tables of what was measured (the model's tables are mpi_model's)

def measured_table(results):
    base = statistics.median(m.wall for m, _ in results["plain1"])
    base_mpi = statistics.median(m.wall for m, _ in results["mpi1"])
    out = ["Measured (median of the runs; wall is the whole command; prepare / tiles / close are minerisk's "
           "own `--timings` stages, launch etc. = the rest of the wall):", "",
           "| command | ranks x threads | wall (s) | speed-up vs 1 process, 1 thread | speed-up vs mpirun -np 1 "
           "| efficiency (cores used) | prepare (s) | tiles (s) | close and picture (s) | launch etc. (s) "
           "| peak (MB) |",
           "| --- | --- |" + " ---: |" * 9]
    for key, (label, ranks, threads) in CONFIGS.items():
        runs = results[key]
        docs = [d for _, d in runs]
        wall = statistics.median(m.wall for m, _ in runs)
        peak = statistics.median(m.peak for m, _ in runs)
        cores = (ranks or 1) * threads
        stages = [json_median(docs, "stages", k) for k in ("prepare", "tiles", "close and picture")]
        rest = wall - sum(stages)
        vs_mpi = f"{base_mpi / wall:.2f}x" if ranks else "–"
        out.append(f"| {label} | {ranks or 1} x {threads} | {s(wall)} | {base / wall:.2f}x | {vs_mpi} "
                   f"| {base / wall / cores:.0%} | {' | '.join(s(v) for v in stages)} | {s(rest)} "
                   f"| {report.megabytes(peak)} |")
    return out


def ranks_table(results):
    """How the 2-rank run shared its tiles, against the 1-rank run."""
    out = ["Tiles by rank (`--timings` \"tiles\"; last run of each): tile seconds are compute + compress on the "
           "rank that did the tile:", "",
           "| run | rank | tiles | tile seconds | share of tiles stage busy |",
           "| --- | ---: | ---: | ---: | ---: |"]
    for key in ("mpi1", "mpi2"):
        doc = results[key][-1][1]
        stage = doc["stages"].get("tiles", 0.0)
        ranks = sorted({t["rank"] for t in doc["tiles"]})
        for r in ranks:
            mine = [t["seconds"] for t in doc["tiles"] if t["rank"] == r]
            share = f"{sum(mine) / stage:.0%}" if stage else "–"
            out.append(f"| {CONFIGS[key][0]} | {r} | {len(mine)} | {s(sum(mine))} | {share} |")
    return out


# ---------------------------------------------------------------------------------------------
# The report and the command line

def prepare_measure(args, work):
    """Checks the tools and finds the region; returns the run's description (meta)."""
    meta = {"command": shlex.join(["bench/mpi_scaling.py", *sys.argv[1:]]), "date": report.now(),
            "load": os.getloadavg()[0], "machine": report.machine()}
    mpi_environment()
    for program, what in ((args.minerisk, "minerisk"), (TIME, "GNU time (Debian's `time`)")):
        if not os.access(program, os.X_OK):
            raise Failure(f"{what} not found at {program}")
    if shutil.which(args.mpirun) is None:
        raise Failure(f"{args.mpirun} not found (Debian's openmpi-bin)")
    if args.region:
        scenario = os.path.abspath(args.region if os.path.isfile(args.region)
                                   else os.path.join(args.region, "scenario.toml"))
        region_name = os.path.basename(os.path.dirname(scenario))
    else:
        folder, skipped = region_path(args.preset, args)
        if skipped:
            raise Failure(f"cannot generate the region: {skipped}")
        scenario, region_name = os.path.join(folder, "scenario.toml"), args.preset
    try:
        with open(os.path.join(os.path.dirname(scenario), "region.json")) as f:
            size = json.load(f)["size"]
    except (OSError, KeyError, ValueError):
        size = PRESETS.get(region_name, 0)
    if size and shutil.disk_usage(work).free < len(CONFIGS) * size * size * RUN_BYTES_PER_CELL:
        raise Failure(f"the work folder {work} needs about "
                      f"{len(CONFIGS) * size * size * RUN_BYTES_PER_CELL / 1e9:.1f} GB free for the outputs")
    mpi_version = (run_quiet([args.mpirun, "--version"]) or "mpirun ?").splitlines()[0]
    meta.update({"scenario": scenario, "region": region_name, "repeat": args.repeat, "warm_up": args.warm_up,
                 "mpirun_args": args.mpirun_args, "minerisk": args.minerisk,
                 "tools": f"{report.tool_versions(args.minerisk)}, {mpi_version}"})
    return meta


def run(args, work):
    if args.reuse:
        meta, results, outputs = reuse(work)
    else:
        meta = prepare_measure(args, work)
        results, outputs = measure_all(args, meta["scenario"], work, meta)
    region_name = meta["region"]

    checks = []
    for key in ("mpi2", "mpi1", "plain2"):
        ok, text = bitwise(outputs["plain1"], outputs[key])
        checks.append((ok, f"{CONFIGS[key][0]} against {CONFIGS['plain1'][0]}: {text}"))
    for _, text in checks:
        print("check:", text)

    docs1 = [d for _, d in results["mpi1"]]
    docs2 = [d for _, d in results["mpi2"]]
    costs = median_tile_seconds(docs1)
    stats = tile_stats(costs)
    appended = sum(os.path.getsize(p) for p in output_files(outputs["mpi1"])[:2])
    write = json_median(docs1, "tile_work", "write")
    append = write / len(costs)
    # At 2 ranks every tile's append is rank 0's (its main thread's for the other rank's tiles), timed
    # the same way; there the writer shares its core with rank 0's compute thread.
    append2 = json_median(docs2, "tile_work", "write") / len(costs)
    writer = {"bytes": appended, "write": write, "tiles": len(costs), "append": append, "mean": stats["mean"],
              "saturation": saturation(costs, append), "append2": append2,
              "saturation2": saturation(costs, append2)}

    # Fixed costs, from the 1-rank run: prepare and close (minerisk's stages), and the rest of the
    # whole command's wall time (process and mpirun start-up, MPI set-up, exit).
    wall1 = statistics.median(m.wall for m, _ in results["mpi1"])
    prepare = json_median(docs1, "stages", "prepare")
    close = json_median(docs1, "stages", "close and picture")
    stage1 = json_median(docs1, "stages", "tiles")
    launch = wall1 - prepare - close - stage1
    fixed = prepare + close + launch
    rows = model_rows(costs, append, fixed)
    rows_slow = model_rows(costs, append2, fixed)
    measured = {1: wall1, 2: statistics.median(m.wall for m, _ in results["mpi2"])}

    gap = gap_table(results, rows[1], fixed)
    slow_note = (f"Writer busy and the two right-hand columns: the same model with each append costing "
                 f"{ms(append2)} ms, as the 2-rank run measured it (rank 0's main thread appending while "
                 f"other processes share the cores), instead of {ms(append)} ms as the 1-rank run did.")
    tables = [*measured_table(results), "",
              *[("- " if ok else "- **FAILED:** ") + text for ok, text in checks], "",
              *ranks_table(results), "",
              *gap, "",
              *tile_table(stats, f"mpirun -np 1 --threads 1, {region_name}"), "",
              *writer_table(writer), "",
              f"Fixed costs, from the mpirun -np 1 run (median): prepare {s(prepare)} s, close and picture "
              f"{s(close)} s, launch etc. (whole command's wall minus minerisk's stages) {s(launch)} s; "
              f"total {s(fixed)} s.", "",
              *model_table(rows, f"Model, {region_name} ({len(costs)} tiles of the measured costs; "
                                 f"fixed {s(fixed)} s; each rank 1 thread):", measured, rows_slow), "",
              f"- {region_name}: {usable(rows, writer['saturation'])}.",
              f"- {region_name}, appends as slow as at 2 ranks: {usable(rows_slow, writer['saturation2'])}.",
              "", slow_note, "",
              *model.country_tables(costs, append, append2, prepare, close, launch, region_name)]
    per_tile_bytes = appended / len(costs)
    mpi_extra = f" `{meta['mpirun_args']}`" if meta.get("mpirun_args") else ""
    notes = [
        f"- Measured: each command median of {meta['repeat']} run(s), interleaved"
        f"{', after one untimed warm-up' if meta.get('warm_up') else ''}; mpirun with `--oversubscribe`{mpi_extra} "
        "and Open MPI's default binding unless told otherwise (each rank bound to one core for -np <= 2, so "
        "rank 0's main thread, which hands out tiles, receives the chunks and appends them, shares its "
        "core with rank 0's compute thread). Peak: GNU time's maximum resident set of the whole command, "
        "i.e. the largest single process among mpirun and the ranks it waited for, not the sum over ranks.",
        "- Speed-up and efficiency of the measured runs are against the plain 1-process, 1-thread run; "
        "efficiency = speed-up / (ranks x threads).",
    ] + model.assumptions(per_tile_bytes, region_name)
    body = [f"- Command: `{meta['command']}` (from the repository's root)",
            f"- Date: {meta['date']}", f"- Machine: {meta['machine']}",
            f"- Tools: {meta['tools']}; minerisk program `{meta['minerisk']}`",
            f"- Inputs: {region_name} region, `{meta['scenario']}`",
            f"- Load average of the machine before the run: {meta['load']:.2f} (1 minute)"]
    if meta.get("note"):
        body.append(f"- Note: {meta['note']}")
    if args.reuse:
        body.append(f"- Tables recomputed {report.now()} from that run's kept files by "
                    f"`{shlex.join(['bench/mpi_scaling.py', *sys.argv[1:]])}`")
    body += ["", *tables, "", "Assumptions and notes:", "", *notes]
    all_ok = all(ok for ok, _ in checks)
    if not all_ok:
        body[:0] = ["**FAILED: the MPI output is not bit for bit the 1-process output (see the checks).**", ""]
    print("\n".join(tables))
    print()
    print("\n".join(notes))
    if args.results:
        report.replace_section(args.results, HEADING, body)
        print(f"wrote {args.results}")
    return 0 if all_ok else 1


def run_quiet(argv):
    try:
        return subprocess.run(argv, capture_output=True, text=True).stdout.strip()
    except OSError:
        return ""


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                     formatter_class=argparse.ArgumentDefaultsHelpFormatter)
    parser.add_argument("--preset", choices=sorted(PRESETS), default="sample", help="the region to measure on")
    parser.add_argument("--region", help="an existing region's folder (or its scenario file) instead of a preset")
    parser.add_argument("--regions", help="folder of generated regions, named sample or karabakh, reused when "
                                          "there and generated into it when not (default: WORK/regions)")
    parser.add_argument("--repeat", type=int, default=3, help="timed runs of each command (the median is kept)")
    parser.add_argument("--warm-up", action="store_true", help="one untimed run of each command first")
    parser.add_argument("--settle", type=float, default=0.0, help="seconds to wait before each run, after sync")
    parser.add_argument("--minerisk", default=os.path.join(REPO, "build", "engine", "minerisk"),
                        help="the minerisk program (built with MINERISK_MPI)")
    parser.add_argument("--mpirun", default="mpirun", help="Open MPI's mpirun")
    parser.add_argument("--mpirun-args", default="", help="more arguments for mpirun, e.g. '--bind-to none'")
    parser.add_argument("--work", help="scratch folder (default: a temporary folder, removed at the end unless --keep)")
    parser.add_argument("--keep", action="store_true", help="keep the temporary work folder")
    parser.add_argument("--reuse", metavar="WORK", help="measure nothing: redo the tables from the files a kept "
                                                       "work folder holds (its measured.json, timings and outputs)")
    parser.add_argument("--results", default=os.path.join(REPO, "bench", "RESULTS.md"),
                        help="the report to update ('' to write none)")
    args = parser.parse_args()
    if args.repeat < 1:
        parser.error("--repeat must be at least 1")
    args.minerisk = os.path.abspath(args.minerisk)
    args.warm_up = int(args.warm_up)
    return args


def main():
    args = parse_args()
    if args.reuse:
        args.work = args.reuse
    work = os.path.abspath(args.work) if args.work else tempfile.mkdtemp(prefix="mpi_scaling-")
    os.makedirs(work, exist_ok=True)
    if not args.reuse:
        args.regions = os.path.abspath(args.regions or os.path.join(work, "regions"))
        os.makedirs(args.regions, exist_ok=True)
    try:
        return run(args, work)
    except Failure as e:
        print(f"mpi_scaling: {e}", file=sys.stderr)
        return 1
    finally:
        if not args.work and not args.keep:
            shutil.rmtree(work, ignore_errors=True)
        elif not args.work:
            print(f"kept {work}")


if __name__ == "__main__":
    sys.exit(main())
