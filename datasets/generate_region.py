#!/usr/bin/python3
"""Generate a realistic synthetic post-conflict region in UTM zone 38N (EPSG:32638), with its
hidden truth: terrain (dem.tif, landcover.tif), settlements, roads, rivers, front lines and what
is known of the contamination (region.gpkg), the true minefields, devices and battle areas
(truth.gpkg, which model runs never read), a scenario.toml that runs with `minerisk run`, and a
summary (region.json). See datasets/REGION.md.

    /usr/bin/python3 datasets/generate_region.py --preset sample --out out/region
    /usr/bin/python3 datasets/generate_region.py --preset karabakh --out out/karabakh
    /usr/bin/python3 datasets/generate_region.py --size 300 --cell 10 --seed 3 --out /tmp/small

Importable too: generate_region.generate(out, preset="sample") or generate(out, size=300, cell=10).
Deterministic: the same seed and size give byte-identical files (region.json's generation time
aside)."""
import argparse
import math
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import script_support  # noqa: E402
from region.pipeline import generate as generate_files  # noqa: E402

MAX_SIZE = 16384  # cells per side: the grids are held in memory (the karabakh preset's 10954 takes about 8 GB)
CELL_RANGE = (0.5, 1000.0)  # metres: the terrain's and the minefields' features are sized in metres
MAX_SIDE_M = 200_000.0  # the devices are laid per area: about 0.7 million per 100 km2 (karabakh: 110 km)
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
PRESETS = {
    "sample": (1024, 10.0),  # 10 x 10 km, a few seconds
    "karabakh": (10954, 10.0),  # 12,000 km2, 120 million cells, about 55,000 finds
}


def generate(out, preset=None, size=None, cell=10.0, seed=7, quiet=True, picture=None):
    """Generates a region from a preset or a custom size (cells per side) and cell (metres);
    returns the summary written to region.json."""
    if preset is not None:
        size, cell = PRESETS[preset]
    if size is None or size < 64:
        raise ValueError("size must be at least 64 cells")
    return generate_files(out, size, float(cell), seed, preset, quiet, picture)


def check_arguments(parser, args):
    """Everything that can be refused before the work starts (argparse's way: one line, exit code 2)."""
    if (args.preset is None) == (args.size is None):
        parser.error("give either --preset or --size")
    if args.size is not None and not 64 <= args.size <= MAX_SIZE:
        parser.error(f"--size must be from 64 to {MAX_SIZE} cells")
    if args.size is not None and not (math.isfinite(args.cell) and CELL_RANGE[0] <= args.cell <= CELL_RANGE[1]):
        parser.error(f"--cell must be from {CELL_RANGE[0]:g} to {CELL_RANGE[1]:g} metres")  # a preset has its own
    size, cell = (args.size, args.cell) if args.size is not None else PRESETS[args.preset]
    if size * cell > MAX_SIDE_M:
        parser.error(f"the region's side, --size times --cell, must be at most {MAX_SIDE_M / 1000:g} km")
    if args.seed < 0:
        parser.error("--seed must be 0 or more")
    script_support.check_not_empty(parser, args, ["out", "picture"])
    script_support.check_folder(parser, "--out", args.out)
    if args.picture is not None:
        check_picture(parser, args.picture, args.out)


def check_picture(parser, path, out):
    """The picture replaces only a PNG (an earlier run's): never a region's file, nor a link. Its
    folder exists, or is --out, which the run makes."""
    if not path.lower().endswith(".png"):
        parser.error(f"--picture {path}: give a name ending in .png")
    if os.path.islink(path) or (os.path.lexists(path) and not is_png(path)):
        parser.error(f"--picture {path} exists and is not a PNG picture (or is a link); it is never replaced: "
                     f"choose another name")
    folder = os.path.dirname(os.path.abspath(path))
    if folder == os.path.abspath(out):
        return  # checked as --out
    if not os.path.isdir(folder) or not os.access(folder, os.W_OK):
        parser.error(f"--picture {path}: its folder does not exist or cannot be written to")


def is_png(path):
    if not os.path.isfile(path):  # before opening: a fifo's open would wait for a writer for ever
        return False
    try:
        with open(path, "rb") as f:
            return f.read(len(PNG_SIGNATURE)) == PNG_SIGNATURE
    except OSError:
        return False


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", required=True, help="folder to write into (created if needed)")
    parser.add_argument("--preset", choices=sorted(PRESETS), help="sample: 1024 x 1024 cells of 10 m; "
                        "karabakh: 10954 x 10954 cells of 10 m (12,000 km2)")
    parser.add_argument("--size", type=int, help="custom size: cells along each side (at least 64)")
    parser.add_argument("--cell", type=float, default=10.0, help="custom cell size in metres (default 10)")
    parser.add_argument("--seed", type=int, default=7, help="random seed (default 7)")
    parser.add_argument("--picture", metavar="PNG", help="also render an overview picture of the region")
    parser.add_argument("--quiet", action="store_true", help="no progress on stderr")
    args = parser.parse_args(argv)
    check_arguments(parser, args)
    try:
        summary = generate(args.out, args.preset, args.size, args.cell, args.seed, args.quiet, args.picture)
    except (OSError, RuntimeError) as error:  # a disk that fills, a folder that vanished: GDAL's or the system's word
        print(f"generate_region: {error}", file=sys.stderr)
        return 2
    finds = summary["finds"]
    print(f"{summary['preset']} region: {summary['size']} x {summary['size']} cells of {summary['cell_m']:g} m, "
          f"{summary['minefields']['total']} minefields, {summary['devices']['total']} devices, "
          f"{finds['total']} finds ({finds['clearance']} from clearance, {finds['report']} reported), "
          f"in {args.out} ({summary['generation_seconds']} s)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
