"""Tables and bench/RESULTS.md sections of bench/compare_pipeline: the end-to-end comparison of
`minerisk run` with the analyst's chain, and the scaling of `minerisk run` with the grid's size.

Each section of RESULTS.md this writes starts with its own level-2 heading and runs to the next
level-2 heading; replace_section changes only that span, so the sections other commands write
(bench/compare_peers' head of the file, the kernel benchmark, the sweeps) are kept as they are.
"""
import datetime
import os
import re
import statistics
import subprocess

import numpy as np
import scipy
from osgeo import gdal

gdal.UseExceptions()

END_TO_END = "## End to end: minerisk run against the analyst's chain"
SCALING = "## Scaling of minerisk run with the grid's size"
MB = 1e6


def machine():
    model = "unknown CPU"
    with open("/proc/cpuinfo") as f:
        for line in f:
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    with open("/proc/meminfo") as f:
        kib = int(re.search(r"^MemTotal:\s+(\d+) kB", f.read(), re.M).group(1))
    return f"{len(os.sched_getaffinity(0))} cores (nproc), {model}, {kib / 2 ** 20:.1f} GiB memory"


def tool_versions(minerisk):
    version = subprocess.run([minerisk, "--version"], capture_output=True, text=True).stdout.strip()
    return f"{version}, GDAL {gdal.__version__}, numpy {np.__version__}, scipy {scipy.__version__}"


def now():
    return datetime.datetime.now().astimezone().strftime("%Y-%m-%d %H:%M %Z")


def replace_section(path, heading, body_lines):
    """Writes `heading` and its body into the file at `path`, in place of the section of that
    heading if there is one (up to the next level-2 heading), else at the end."""
    old = open(path).read() if os.path.exists(path) else ""
    lines = old.split("\n")
    new = [heading, "", *body_lines]
    if heading in lines:
        start = lines.index(heading)
        end = next((i for i in range(start + 1, len(lines)) if lines[i].startswith("## ")), len(lines))
        lines[start:end] = new + ([""] if end < len(lines) else [])
    else:
        while lines and lines[-1] == "":
            lines.pop()
        lines += ["", *new]
    text = "\n".join(lines).rstrip("\n") + "\n"
    with open(path, "w") as f:
        f.write(text)


def seconds(value):
    return "–" if value is None else f"{value:.3f}" if value < 10 else f"{value:.1f}"


def megabytes(nbytes):
    return f"{nbytes / MB:,.0f}"


def median_of(runs, key):
    return statistics.median(getattr(run, key) for run in runs)


def end_to_end_tables(runs, labels, chain_steps, agreement, timings):
    """The Markdown tables of the end-to-end comparison.

    runs: {key: [Measure]} for 'chain', 'minerisk' (default threads) and 'minerisk1';
    labels: {key: row name}; chain_steps: [(step name, [Measure])]; agreement: [dict];
    timings: {key: [timings JSON]} of minerisk's runs, or empty."""
    med = {k: {f: median_of(v, f) for f in ("wall", "cpu", "peak")} for k, v in runs.items()}
    base = med["minerisk"]
    out = ["| run | wall (s) | CPU, user + sys (s) | CPU / wall | peak memory (MB) | wall / minerisk's | "
           "peak / minerisk's |", "| --- | ---: | ---: | ---: | ---: | ---: | ---: |"]
    for key in ("chain", "minerisk", "minerisk1"):
        m = med[key]
        out.append(f"| {labels[key]} | {seconds(m['wall'])} | {seconds(m['cpu'])} | {m['cpu'] / m['wall']:.2f} | "
                   f"{megabytes(m['peak'])} | {m['wall'] / base['wall']:.2f}x | {m['peak'] / base['peak']:.2f}x |")
    chain, one = med["chain"], med["minerisk1"]
    ratio = {f: chain[f] / base[f] for f in chain}
    out += ["", f"- The chain against minerisk at its default threads: **{ratio['wall']:.2f}x** the wall time, "
            f"{ratio['cpu']:.2f}x the CPU time, {ratio['peak']:.1f}x the peak memory.",
            f"- minerisk from 1 thread to its default threads: **{one['wall'] / base['wall']:.2f}x** faster (wall).",
            "",
            "Agreement of the probabilities, over the cells with a value in both:", "",
            "| compared | cells in both | cells in one only | max abs diff | 99.9th percentile | mean | tolerance | "
            "within? |",
            "| --- | ---: | ---: | ---: | ---: | ---: | ---: | --- |"]
    for a in agreement:
        ok = "**yes**" if a["ok"] else "**NO: FAILED**"
        out.append(f"| {a['name']} | {a['both']:,} | {a['one_only']:,} | {a['max']:.3g} | {a['p999']:.3g} | "
                   f"{a['mean']:.2g} | {a['tolerance']:.3g} | {ok}{a.get('note', '')} |")
    out += ["", "The analyst's chain step by step (median of the runs):", "",
            "| step | wall (s) | CPU (s) | peak memory (MB) |", "| --- | ---: | ---: | ---: |"]
    for name, measures in chain_steps:
        out.append(f"| {name} | {seconds(median_of(measures, 'wall'))} | {seconds(median_of(measures, 'cpu'))} | "
                   f"{megabytes(median_of(measures, 'peak'))} |")
    if timings.get("minerisk"):
        out += ["", *stage_tables(timings, labels)]
    return out


def json_median(documents, group, key):
    values = [d.get(group, {}).get(key) for d in documents]
    values = [v for v in values if isinstance(v, (int, float))]
    return statistics.median(values) if values else None


def stage_tables(timings, labels):
    """minerisk's own breakdown (`run --timings`): sequential stages, then the work in tiles
    summed over threads, keys as the program gives them, the largest first."""
    keys = [k for k in ("minerisk", "minerisk1") if timings.get(k)]
    head = " | ".join(labels[k] for k in keys)
    out = ["minerisk's time by stage (`--timings`; median of the runs): sequential stages in wall-clock seconds,",
           "then the work inside the tiles in seconds summed over all threads:", "",
           f"| stage | {head} |", "| --- |" + " ---: |" * len(keys)]
    stages = []
    for d in timings[keys[0]]:
        stages += [s for s in d.get("stages", {}) if s not in stages]
    for s in stages:
        out.append(f"| {s} | " + " | ".join(seconds(json_median(timings[k], 'stages', s)) for k in keys) + " |")
    wall = [statistics.median(d["wall_seconds"] for d in timings[k]) if all("wall_seconds" in d for d in timings[k])
            else None for k in keys]
    out.append("| **wall, as minerisk measured it** | " + " | ".join(seconds(w) for w in wall) + " |")
    work = []
    for d in timings[keys[0]]:
        work += [w for w in d.get("tile_work", {}) if w not in work]
    work.sort(key=lambda w: -(json_median(timings[keys[0]], "tile_work", w) or 0))
    total = sum(json_median(timings[keys[0]], "tile_work", w) or 0 for w in work) or 1
    out += ["", f"| tile work (thread-seconds) | {head} | share ({labels[keys[0]]}) |",
            "| --- |" + " ---: |" * (len(keys) + 1)]
    for w in work:
        share = (json_median(timings[keys[0]], "tile_work", w) or 0) / total
        out.append(f"| {w} | " + " | ".join(seconds(json_median(timings[k], 'tile_work', w)) for k in keys) +
                   f" | {share:.0%} |")
    return out


def scaling_table(rows, threads_label):
    """rows: dicts with name, cells, and for 'one' and 'many' the [Measure] lists, or 'skipped'."""
    out = [f"| region | cells | finds | wall, 1 thread (s) | wall, {threads_label} (s) | speed-up | "
           f"M cells/s, {threads_label} | ns per cell, {threads_label} | per cell vs first row | "
           f"peak, 1 thread (MB) | peak, {threads_label} (MB) |",
           "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |"]
    first = None
    for r in rows:
        if r.get("skipped"):
            out.append(f"| {r['name']} | {r['cells']:,} | – | skipped: {r['skipped']} |" + " – |" * 7)
            continue
        one, many = median_of(r["one"], "wall"), median_of(r["many"], "wall")
        per_cell = many / r["cells"]
        first = first or per_cell
        finds = "–" if r.get("finds") is None else f"{r['finds']:,}"
        out.append(f"| {r['name']} | {r['cells']:,} | {finds} | {seconds(one)} | {seconds(many)} | {one / many:.2f}x | "
                   f"{r['cells'] / many / 1e6:.1f} | {per_cell * 1e9:.0f} | {per_cell / first:.2f} | "
                   f"{megabytes(median_of(r['one'], 'peak'))} | {megabytes(median_of(r['many'], 'peak'))} |")
    return out


def blocks(path, rows=1024):
    """Band 1 of a raster in blocks of rows, as stored (float32 here), NaN where no-data."""
    ds = gdal.Open(path)
    band = ds.GetRasterBand(1)
    nodata = band.GetNoDataValue()
    for row in range(0, ds.RasterYSize, rows):
        data = band.ReadAsArray(0, row, ds.RasterXSize, min(rows, ds.RasterYSize - row))
        if nodata is not None and not np.isnan(nodata):
            data = np.where(data == nodata, np.nan, data)
        yield data


def agreement(name, first, second, tolerance, bitwise=False):
    """How far two probability grids differ over the cells valid in both."""
    diffs, one_only, identical = [], 0, True
    for a, b in zip(blocks(first), blocks(second)):
        if a.shape != b.shape:
            return {"name": name, "both": 0, "one_only": 0, "tolerance": tolerance, "max": float("nan"),
                    "p999": float("nan"), "mean": float("nan"), "ok": False, "note": ": the grids differ in shape"}
        identical &= a.dtype == b.dtype and np.array_equal(a.view(np.uint8), b.view(np.uint8))  # NaN too
        valid_a, valid_b = np.isfinite(a), np.isfinite(b)
        one_only += int(np.count_nonzero(valid_a != valid_b))
        both = valid_a & valid_b
        diffs.append(np.abs(a[both].astype(np.float64) - b[both]).astype(np.float32))
    diffs = np.concatenate(diffs)
    result = {"name": name, "both": diffs.size, "one_only": one_only, "tolerance": tolerance,
              "max": float(diffs.max()) if diffs.size else float("nan"),
              "p999": float(np.percentile(diffs, 99.9)) if diffs.size else float("nan"),
              "mean": float(diffs.mean()) if diffs.size else float("nan")}
    result["ok"] = diffs.size > 0 and one_only == 0 and (identical if bitwise else result["max"] <= tolerance)
    if bitwise:
        result["note"] = ": bitwise identical" if identical else ": not bitwise identical"
    return result


def chain_notes(args, chain, timings):
    """The notes under the end-to-end tables."""
    return [
        "- The analyst's chain is written from the region's scenario.toml by `bench/analyst_chain.py` (its",
        "  docstring maps each part of the model to the engine's code) into the work folder as `chain.sh` and",
        "  `combine.py` (`--keep` keeps them). It runs one program after another, single-threaded, whole rasters in",
        "  memory, uncompressed GeoTIFFs between the steps:",
        *(f"  {i}. {line}" for i, line in enumerate(chain.summary, 1)),
        "- minerisk runs at its default settings (`minerisk run SCENARIO -o OUT.nc`, with `-q`): it writes the",
        "  probability, the evidence file (each layer's contribution) and the quick-look PNG; the chain writes the",
        "  probability only.",
        "- wall: the clock around the whole command (for the chain, around all its steps); CPU: user + sys of the",
        "  process and the children it waited for (os.wait4), summed over the chain's steps; peak memory: the",
        "  largest resident set of any one process (the steps run one at a time).",
        f"- Median of {args.repeat} runs{', after one untimed warm-up of each' if args.warm_up else ''}; the "
        "region's files are read into the page cache first; the three commands run interleaved, each "
        "(the chain as a whole) starting 6 s after a sync, outside its clock, so that the discard of the "
        "previous outputs' blocks (ext4 with online discard) does not stall its writes.",
        f"- Agreement: the tolerance is the largest difference rasterising can make ({chain.tolerance:.3g} here):",
        *(f"  {t};" for t in chain.tolerance_terms),
        "  slope (gdaldem, bit for bit), records and clearance (the same cell-centre rule) add nothing beyond",
        "  float rounding. minerisk promises bitwise the same result at any thread count: 1 against the default",
        "  threads must be identical. A difference beyond the tolerance, or a cell valid in one grid only, fails",
        "  the run (exit code 1).",
        "- minerisk's tile work is the time its threads spent in each part of a tile, as `--timings` measures it,"
        "\n  summed over the threads: where another program holds a core, it includes the time a thread waited"
        "\n  for one." if timings else "- This minerisk has no `run --timings`: no breakdown by stage.",
    ]
