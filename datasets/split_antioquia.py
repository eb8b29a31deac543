#!/usr/bin/python3
"""Splits a RELand-format grid CSV into two regions side by side, west and east, by municipality:
the municipalities ordered by the mean longitude of their cells, the western half (the larger
half when their number is odd) into WEST.csv and the rest into EAST.csv. Each is a region the
other has never seen, for validate_antioquia.py's --write-model and --apply-model.

    /usr/bin/python3 datasets/split_antioquia.py --out out/halves [--csv GRID.csv]
"""
import argparse
import csv
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import import_antioquia  # noqa: E402
import script_support  # noqa: E402

MUNICIPALITY, LONGITUDE = "Municipio", "LONGITUD_X"


def split(rows, names):
    """(west names, east names): the municipalities (`names`, one per row) by the mean longitude of
    their cells."""
    sums = {}
    for row, name in zip(rows, names):
        total, count = sums.get(name, (0.0, 0))
        sums[name] = (total + float(row[LONGITUDE]), count + 1)
    order = sorted(sums, key=lambda name: (sums[name][0] / sums[name][1], name))
    half = (len(order) + 1) // 2
    return set(order[:half]), set(order[half:])


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--csv", default=str(import_antioquia.DEFAULT_CSV))
    parser.add_argument("--out", required=True, help="folder for west.csv and east.csv")
    args = parser.parse_args(argv)
    script_support.check_not_empty(parser, args, ["csv", "out"])
    script_support.check_folder(parser, "--out", args.out)
    # The halves are derived data: never beside (or over) the grid they come from.
    if os.path.realpath(args.out) == os.path.dirname(os.path.realpath(args.csv)):
        parser.error(f"--out {args.out} is the folder of --csv {args.csv}; write the halves into another folder")
    try:
        with open(args.csv, encoding="utf-8-sig", newline="") as f:
            reader = csv.DictReader(f)
            fields, rows = reader.fieldnames, list(reader)
    except OSError as error:
        print(f"split_antioquia: cannot read {args.csv}: {error.strerror}", file=sys.stderr)
        return 2
    except (UnicodeDecodeError, csv.Error) as error:
        print(f"split_antioquia: {args.csv} is not a CSV file in UTF-8 ({error}); give the grid's CSV",
              file=sys.stderr)
        return 2
    if not fields or MUNICIPALITY not in fields or LONGITUDE not in fields:
        print(f"split_antioquia: {args.csv} has no {MUNICIPALITY} and {LONGITUDE} columns", file=sys.stderr)
        return 2
    # One municipality per name as the import takes it ("Bravo" beside BRAVO is BRAVO): a
    # municipality in both halves would be fitted on and then scored as land never seen.
    names = import_antioquia.one_spelling_per_municipality([row[MUNICIPALITY].strip() for row in rows],
                                                           "split_antioquia")
    west, east = split(rows, names)
    if not east:
        print(f"split_antioquia: {args.csv} has one municipality; nothing to split", file=sys.stderr)
        return 2
    halves = [(os.path.join(args.out, name + ".csv"), keep) for name, keep in (("west", west), ("east", east))]
    for path, _ in halves:  # both checked before either is written
        if os.path.islink(path) or (os.path.lexists(path) and not os.path.isfile(path)):
            print(f"split_antioquia: {path} is a link or not a file; it is never replaced: choose another --out",
                  file=sys.stderr)
            return 2
    os.makedirs(args.out, exist_ok=True)
    for path, keep in halves:
        write_whole(path, fields, [row for row, name in zip(rows, names) if name in keep])
        print(f"{path}: {len(keep)} municipalities ({', '.join(sorted(keep))})")
    return 0


def write_whole(path, fields, rows):
    """Writes the CSV under a temporary name beside `path`, then renames it over: an earlier half
    is replaced whole or not at all."""
    with script_support.replaced_whole(path, prefix=".split-") as temporary:
        with open(temporary, "w", encoding="utf-8", newline="") as f:
            writer = csv.DictWriter(f, fieldnames=fields, lineterminator="\r\n")
            writer.writeheader()
            writer.writerows(rows)

if __name__ == "__main__":
    sys.exit(main())
