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
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from region.pipeline import generate as generate_files  # noqa: E402

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
    if (args.preset is None) == (args.size is None):
        parser.error("give either --preset or --size")
    if args.size is not None and args.size < 64:
        parser.error("--size must be at least 64")
    if args.cell <= 0:
        parser.error("--cell must be positive")
    summary = generate(args.out, args.preset, args.size, args.cell, args.seed, args.quiet, args.picture)
    finds = summary["finds"]
    print(f"{summary['preset']} region: {summary['size']} x {summary['size']} cells of {summary['cell_m']:g} m, "
          f"{summary['minefields']['total']} minefields, {summary['devices']['total']} devices, "
          f"{finds['total']} finds ({finds['clearance']} from clearance, {finds['report']} reported), "
          f"in {args.out} ({summary['generation_seconds']} s)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
