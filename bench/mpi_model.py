"""The model behind bench/mpi_scaling.py: how `mpirun -np R minerisk run` would scale to many ranks,
from per-tile seconds measured at one rank; and the markdown tables and assumptions that report it.

Pure: no process is started, no file is read or written, so the model can be tested on hand-worked
cases (tests/python/test_mpi_model.py). bench/mpi_scaling.py measures the runs and calls it.

The model is a discrete-event simulation of minerisk's load balancer: each rank its own contiguous
stretch of the plan, then the far end of the longest stretch left (engine/cluster/tile_queue.cpp;
rank 0 computing too, one thread per rank), with the writer on rank 0
as one serial server appending each computed tile in order of arrival; plus the fixed costs that do
not shrink with ranks. A country is modelled by resampling the measured per-tile costs.
"""
import collections
import heapq
import math
import statistics

import numpy as np

MODEL_RANKS = (1, 2, 4, 16, 64, 256, 1024)
COUNTRY_CELLS = 1.4e9  # 140,000 km² of 10 m cells
TILE = 512  # minerisk run's default --tile-size
SEED = 20261205  # the country's resampling of per-tile costs


# ---------------------------------------------------------------------------------------------
# Per-tile costs

def median_tile_seconds(docs):
    """Each tile's compute+compress seconds (median over the runs), in plan order (by index)."""
    per_index = {}
    for doc in docs:
        for t in doc["tiles"]:
            per_index.setdefault(t["index"], []).append(t["seconds"])
    return np.array([statistics.median(per_index[i]) for i in sorted(per_index)])


def tile_stats(c):
    n = len(c)
    top = max(1, math.ceil(0.1 * n))
    median = float(np.median(c))
    return {"count": n, "total": float(c.sum()), "mean": float(c.mean()), "median": median,
            "p90": float(np.percentile(c, 90)), "max": float(c.max()),
            "max/median": float(c.max()) / median if median > 0 else float("inf"),
            "top10": float(np.sort(c)[::-1][:top].sum() / c.sum()), "top_n": top}


def json_median(docs, *path):
    values = []
    for d in docs:
        for p in path:
            d = d.get(p, {}) if isinstance(d, dict) else {}
        if isinstance(d, (int, float)):
            values.append(float(d))
    return statistics.median(values) if values else 0.0


# ---------------------------------------------------------------------------------------------
# The model

def simulate(costs, ranks, append):
    """Discrete-event simulation of the tiles stage, with the load balancer's own policy
    (engine/cluster/tile_queue.cpp): the plan is cut into `ranks` contiguous stretches of equal
    length (the first ones one longer); each rank computes its own stretch in order, and a rank
    whose stretch is done takes the last tile of the longest stretch left (the first of equals);
    the rank that is free first asks first (ties to the lowest rank; rank 0 computes too; one
    thread a rank, one tile in hand). A computed tile queues for the single writer in order of
    arrival and is done when its append is. Returns the stage's seconds and the writer's busy
    seconds."""
    n = len(costs)
    stretches, at = [], 0
    for k in range(ranks):
        length = n // ranks + (1 if k < n % ranks else 0)
        stretches.append(collections.deque(range(at, at + length)))
        at += length
    free = [(0.0, r) for r in range(ranks)]
    heapq.heapify(free)
    arrivals = []
    while free:
        t, r = heapq.heappop(free)
        if stretches[r]:
            tile = stretches[r].popleft()
        else:
            longest = max(stretches, key=len)
            if not longest:
                continue  # nothing left: this rank is done
            tile = longest.pop()
        done = t + float(costs[tile])
        arrivals.append(done)
        heapq.heappush(free, (done, r))
    writer = 0.0
    for a in sorted(arrivals):
        writer = max(writer, a) + append
    return writer, append * n


def model_rows(costs, append, fixed):
    """For each R of MODEL_RANKS: the modelled stage and wall seconds, speed-up over R=1 (of the wall
    and of the tiles stage alone), efficiency, the writer's busy share of the tiles stage, whether the
    writer is saturated and what bounds the stage (the largest of three lower bounds: the compute
    shared by R ranks, the largest tile and its append, the writer's busy time)."""
    rows, base, base_stage = [], None, None
    total, biggest = float(costs.sum()), float(costs.max())
    for r in MODEL_RANKS:
        stage, busy = simulate(costs, r, append)
        wall = fixed + stage
        base, base_stage = base or wall, base_stage or stage
        bounds = {"compute": total / r, "largest tile": biggest + append, "writer": busy}
        limit = max(bounds, key=bounds.get)
        rows.append({"ranks": r, "stage": stage, "wall": wall, "speedup": base / wall, "eff": base / wall / r,
                     "stage_speedup": base_stage / stage, "stage_eff": base_stage / stage / r,
                     "writer": busy / stage if stage else 0.0, "saturated": busy >= total / r,
                     "fixed_share": fixed / wall, "limit": limit})
    return rows


def saturation(costs, append):
    """The number of ranks at which the writer's busy time equals the compute time shared by the
    ranks: n * append = sum(costs) / R, so R = mean(cost) / append."""
    return float(costs.mean()) / append if append > 0 else float("inf")


def country_tiles():
    """How many tiles of TILE² the country's COUNTRY_CELLS make."""
    return round(COUNTRY_CELLS / TILE ** 2)


def resample_country(costs):
    """The country's tiles' costs, drawn with replacement from the measured ones (a fixed seed, so
    that every report shows the same country)."""
    rng = np.random.default_rng(SEED)
    return rng.choice(costs, size=country_tiles(), replace=True)


# ---------------------------------------------------------------------------------------------
# Tables

def s(value):
    """Seconds as pipeline_report.seconds writes them; copied so that the model does not import that
    module (and GDAL with it)."""
    return "–" if value is None else f"{value:.3f}" if value < 10 else f"{value:.1f}"


def ms(value):
    return f"{value * 1e3:.2f}"


def tile_table(stats, which):
    return [f"Per-tile cost ({which}; compute + compress seconds of each tile, median over the runs):", "",
            "| tiles | total (s) | mean (s) | median (s) | p90 (s) | max (s) | max / median "
            "| share of time in the 10% most expensive tiles |",
            "| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
            f"| {stats['count']} | {s(stats['total'])} | {stats['mean']:.4f} | {stats['median']:.4f} "
            f"| {stats['p90']:.4f} | {stats['max']:.4f} | {stats['max/median']:.2f} "
            f"| {stats['top10']:.0%} ({stats['top_n']} tiles) |"]


def writer_table(w):
    return ["The writer (rank 0, serial; `write` of `--timings` tile_work, mpirun -np 1 run, median; the last "
            "two columns: the 2-rank run's `write` / tiles):", "",
            "| bytes appended (OUT.nc + OUT_evidence.nc) | write (s) | bandwidth (MB/s) | tiles "
            "| append per tile (ms) | mean tile compute (ms) | writer saturates at R ≈ "
            "| append per tile at 2 ranks (ms) | saturates at R ≈, appends as at 2 ranks |",
            "| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
            f"| {w['bytes']:,} | {w['write']:.4f} | {w['bytes'] / w['write'] / 1e6:,.0f} | {w['tiles']} "
            f"| {ms(w['append'])} | {ms(w['mean'])} | {w['saturation']:,.0f} | {ms(w['append2'])} "
            f"| {w['saturation2']:,.0f} |"]


def model_table(rows, title, measured=None, slow=None):
    out = [title, "",
           "| ranks R | tiles stage (s) | wall (s) | speed-up | efficiency | tiles stage speed-up "
           "| tiles stage efficiency | writer busy | writer saturated | fixed share of wall | stage bound by |"
           + (" measured wall (s) |" if measured else "")
           + (" writer busy, appends as at 2 ranks | wall, appends as at 2 ranks (s) | speed-up |" if slow else ""),
           "| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- | ---: | --- |"
           + (" ---: |" if measured else "") + (" ---: | ---: | ---: |" if slow else "")]
    for i, r in enumerate(rows):
        extra = ""
        if measured:
            extra = f" {s(measured[r['ranks']])} |" if r["ranks"] in measured else " – |"
        if slow:
            extra += f" {slow[i]['writer']:.0%} | {s(slow[i]['wall'])} | {slow[i]['speedup']:.1f}x |"
        out.append(f"| {r['ranks']} | {s(r['stage'])} | {s(r['wall'])} | {r['speedup']:.1f}x | {r['eff']:.0%} "
                   f"| {r['stage_speedup']:.1f}x | {r['stage_eff']:.0%} | {r['writer']:.0%} "
                   f"| {'yes' if r['saturated'] else 'no'} | {r['fixed_share']:.0%} | {r['limit']} |{extra}")
    return out


def gap_table(results, model2, fixed):
    """Why 2 ranks fall short of the model: the 1-rank and 2-rank runs side by side (last run of each)."""
    d1, d2 = results["mpi1"][-1][1], results["mpi2"][-1][1]
    m1, m2 = results["mpi1"][-1][0], results["mpi2"][-1][0]
    plain2 = results["plain2"][-1][1]
    cost1 = {t["index"]: t["seconds"] for t in d1["tiles"]}
    n = len(cost1)

    def ratio(tiles):
        r = [t["seconds"] / cost1[t["index"]] for t in tiles if cost1.get(t["index"])]
        return statistics.median(r) if r else float("nan")

    def rest(m, d):
        return m.wall - sum(d["stages"].get(k, 0.0) for k in ("prepare", "tiles", "close and picture"))

    out = ["Why 2 ranks fall short (mpirun -np 1 against -np 2, last run of each; `--timings`):", "",
           "| quantity | mpirun -np 1 | mpirun -np 2 | 2 ranks / 1 rank |", "| --- | ---: | ---: | ---: |"]

    def row(name, a, b, fmt=s):
        q = f"{b / a:.2f}" if a else "–"
        out.append(f"| {name} | {fmt(a)} | {fmt(b)} | {q} |")

    row("wall, whole command (s)", m1.wall, m2.wall)
    for k in ("prepare", "tiles", "close and picture"):
        row(f"stage {k} (s)", d1["stages"].get(k, 0.0), d2["stages"].get(k, 0.0))
    row("launch etc. (s)", rest(m1, d1), rest(m2, d2))
    row("tile seconds, all ranks (compute + compress)", sum(cost1.values()), sum(t["seconds"] for t in d2["tiles"]))
    for r in (0, 1):
        mine = [t for t in d2["tiles"] if t["rank"] == r]
        if mine:
            out.append(f"| rank {r}: tiles; median cost of a tile against the same tile at 1 rank | "
                       f"{n if r == 0 else '–'} | {len(mine)} | {ratio(mine):.2f} |")
            busy = sum(t["seconds"] for t in mine) / d2["stages"]["tiles"]
            out.append(f"| rank {r}: busy share of the tiles stage | "
                       f"{sum(cost1.values()) / d1['stages']['tiles']:.0%} | {busy:.0%} | – |" if r == 0 else
                       f"| rank {r}: busy share of the tiles stage | – | {busy:.0%} | – |")
    out.append(f"| control: 1 process, --threads 2: median cost of a tile against 1 rank | – | – | "
               f"{ratio(plain2['tiles']):.2f} |")
    row("append per tile, rank 0 (ms)", d1["tile_work"].get("write", 0.0) / n, d2["tile_work"].get("write", 0.0) / n,
        ms)
    # Rank 0's tile work counts its own tiles only (the others' are done elsewhere), but for the
    # work rank 0 does on every tile it receives (writing it, adding it to the picture).
    own = sum(1 for t in d2["tiles"] if t["rank"] == 0)
    work = sorted(d1.get("tile_work", {}), key=lambda k: -d1["tile_work"][k])
    for k in work:
        if k in ("write", "quicklook") or not own:
            continue
        row(f"rank 0's {k}, per own tile (ms)", d1["tile_work"][k] / n, d2.get("tile_work", {}).get(k, 0.0) / own, ms)
    extra_tile = sum(t["seconds"] for t in d2["tiles"]) - sum(cost1.values())
    idle = sum(d2["stages"]["tiles"] - sum(t["seconds"] for t in d2["tiles"] if t["rank"] == r) for r in (0, 1))
    fixed2 = m2.wall - d2["stages"]["tiles"]
    out += ["", f"At 2 ranks the model gives {s(model2['wall'])} s and the run took {s(m2.wall)} s: "
                f"{m2.wall - model2['wall']:+.2f} s, of which the fixed costs (all but the tiles stage) "
                f"{fixed2 - fixed:+.2f} s and the tiles stage {d2['stages']['tiles'] - model2['stage']:+.2f} s; "
                f"in the tiles stage the tiles cost {extra_tile:+.2f} tile-seconds more than at 1 rank "
                f"({extra_tile / 2:+.2f} s over 2 ranks) and the ranks' compute threads were idle "
                f"{idle:.2f} rank-seconds ({idle / 2:.2f} s over 2 ranks) outside their tiles."]
    return out


def country_tables(costs, append, append2, prepare, close, launch, region_name):
    """The model for a country: its tiles' costs resampled from the measured ones, the fixed costs
    that grow with the area (prepare, close) scaled with the number of tiles, launch etc. not; with
    the measured append time and with the append time of the 2-rank run."""
    country = resample_country(costs)
    n_country = len(country)
    scale = n_country / len(costs)
    fixed_country = (prepare + close) * scale + launch
    rows_country = model_rows(country, append, fixed_country)
    rows_country_slow = model_rows(country, append2, fixed_country)
    return [*model_table(rows_country, f"Model, a country of 140,000 km² at 10 m (1.4e9 cells = {n_country:,} "
                                       f"tiles of {TILE}², costs resampled from {region_name}'s {len(costs)} "
                                       f"with seed {SEED}; total {s(float(country.sum()))} tile-seconds; fixed "
                                       f"{s(fixed_country)} s; each rank 1 thread):", None, rows_country_slow), "",
            f"- country: {usable(rows_country, saturation(country, append))}.",
            f"- country, appends as slow as at 2 ranks: {usable(rows_country_slow, saturation(country, append2))}."]


def usable(rows, sat):
    """How many ranks a job could use: the largest R of the model at 50 % efficiency or better, of
    the whole wall and of the tiles stage, the first R at which the writer is saturated and the
    writer's saturation point."""
    good = [r["ranks"] for r in rows if r["eff"] >= 0.5]
    good_stage = [r["ranks"] for r in rows if r["stage_eff"] >= 0.5]
    first = next((r["ranks"] for r in rows if r["saturated"]), None)
    return (f"largest modelled R at >= 50% efficiency: {max(good) if good else 'none'} for the whole wall, "
            f"{max(good_stage) if good_stage else 'none'} for the tiles stage alone; the writer saturates "
            f"at R ≈ {sat:,.0f} (mean tile seconds / append seconds), first saturated in the table at R = "
            f"{first if first else 'none up to ' + str(MODEL_RANKS[-1])}")


# ---------------------------------------------------------------------------------------------
# What the model assumes

def assumptions(per_tile_bytes, region_name):
    """The bullets that say where the model's inputs come from and what it assumes."""
    n_country = country_tiles()
    return [
        "- Per-tile costs: the `tiles` seconds of `--timings` of the mpirun -np 1 --threads 1 run (compute + "
        "compress of each tile, one thread, no other rank competing), median per tile over the runs.",
        "- Writer: bytes appended = the sizes of OUT.nc and OUT_evidence.nc (metadata included) of the "
        "mpirun -np 1 run; append time per tile = its `write` seconds / tiles (the time inside the append, "
        "under its lock; the waiting for the lock is not in it); every append happens on rank 0, one at a "
        f"time. {per_tile_bytes / 1e6:.2f} MB a tile travels from a worker to rank 0: "
        f"{per_tile_bytes / 1.25e9 * 1e3:.2f} ms at 10 Gb/s, not modelled (assumed to overlap the computing of "
        "the next tile, which the 2 x threads tiles in hand allow), nor is rank 0's receiving and checking "
        "(crc32) of each chunk.",
        "- Model: each rank has 1 thread (T = 1; with T threads a rank counts as T ranks of the model, all "
        "sharing one writer); ranks start the tiles stage together (each loads the inputs itself, in "
        "parallel, so prepare counts once); the plan is cut into R contiguous stretches, each rank computes "
        "its own in order and then takes the last tile of the longest stretch left, as "
        "engine/cluster/tile_queue.cpp hands them out, rank 0 included; a tile's cost is the same on any rank as measured at 1 rank (no memory-bandwidth "
        "or file-system contention, no network, no MPI polling); the writer is a single serial server with a "
        "core of its own (R ranks of 1 thread take R + 1 cores), appending tiles in order of arrival at the "
        "measured per-tile time; a tile is done when its append is; the stage ends with the last append. "
        "That core is not a given: with Open MPI's default binding (each rank bound to one core when ranks "
        "<= 2) rank 0's main thread, the writer, shares a core with rank 0's compute thread, and the two "
        "slow each other (the 2-rank gap table and the columns \"appends as at 2 ranks\" show it); mpirun's "
        "`--bind-to none`, or leaving a core free for rank 0, avoids it (beyond 2 ranks Open MPI binds each "
        "rank to a socket, but ranks that fill every core leave none to the writer either). Modelled wall = fixed costs + the simulated "
        "tiles stage. The launch etc. cost is taken as measured on this machine at 1 rank; mpirun's start-up "
        "on many nodes is larger (seconds) and is not modelled.",
        "- Writer saturated: the writer's busy time (tiles x append) >= total tile seconds / R; it saturates "
        "at R ≈ mean tile seconds / append seconds a tile. Writer busy = its busy time / the modelled tiles "
        "stage. Stage bound by: the largest of the stage's three lower bounds, `compute` (total tile "
        "seconds / R), `largest tile` (the most expensive tile and its append) and `writer` (its busy "
        "time). Speed-up and efficiency are against the model at R = 1; the tiles-stage columns leave the "
        "fixed costs out (Amdahl's serial part).",
        f"- Country: {n_country:,} tiles (1.4e9 / {TILE}², rounded) with costs drawn with replacement from "
        f"the measured {region_name} tiles (numpy default_rng({SEED})), in random order (the real plan's "
        "expensive tiles cluster in space, which can lengthen the tail); same append time a tile; prepare "
        "and close scaled with the number of tiles (assumed to grow with the area; an upper bound if part "
        "of them is fixed), launch etc. not scaled.",
    ]
