#!/usr/bin/python3
"""Write the golden digests of every case (tests/golden/golden_cases.py) for a minerisk program.

    /usr/bin/python3 tests/golden/make_golden.py --bin build/engine/minerisk -o tests/golden/digests.json

Only regenerate tests/golden/digests.json for a deliberate change of output, and say in the
commit message which cases changed and why (see tests/golden/README.md).
"""
import argparse
import json
import os
import pathlib
import shutil
import sys
import tempfile
import time

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent))

import golden_cases  # noqa: E402


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--bin", required=True, help="the minerisk program")
    parser.add_argument("-o", "--output", required=True, help="the JSON file to write")
    parser.add_argument("--case", action="append", help="only this case (repeatable); the others are kept as they "
                        "are in OUTPUT if it exists")
    parser.add_argument("--scratch", help="work folder (default: a temporary folder, removed at the end)")
    parser.add_argument("--keep", action="store_true", help="keep the temporary work folder")
    args = parser.parse_args(argv)
    binary = os.path.abspath(args.bin)
    if not os.access(binary, os.X_OK):
        parser.error(f"{binary} is not an executable program")
    unknown = sorted(set(args.case or ()) - set(golden_cases.CASES))
    if unknown:
        parser.error(f"unknown case(s): {', '.join(unknown)}; known: {', '.join(sorted(golden_cases.CASES))}")

    scratch = args.scratch or tempfile.mkdtemp(prefix="minerisk_golden_")
    start = time.monotonic()
    try:
        digests = golden_cases.run_cases(binary, scratch, args.case,
                                         progress=lambda name: print(f"  {name}", file=sys.stderr, flush=True))
    finally:
        if not args.scratch and not args.keep:
            shutil.rmtree(scratch, ignore_errors=True)
    if args.case and os.path.exists(args.output):
        with open(args.output) as f:
            previous = json.load(f)
        previous.update(digests)
        digests = previous
    with open(args.output, "w") as f:
        json.dump(digests, f, indent=1, sort_keys=True)
        f.write("\n")
    entries = sum(len(v) for v in digests.values())
    print(f"{len(digests)} cases, {entries} entries in {args.output} ({time.monotonic() - start:.1f} s)",
          file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
