#!/usr/bin/python3
"""Import the real RELand grid of eastern Antioquia (one CSV row per ~1 km cell) as rasters.

The CSV lives outside the repository, in ../shared/data/reland-antioquia/, and is read at run
time, never copied in (see datasets/ANTIOQUIA.md). Its cell centres lie on a regular
latitude/longitude lattice; this rebuilds that lattice and writes, into the output folder:

    features/<column>.tif  one float32 GeoTIFF per feature column, no-data NaN; a blank cell is NaN too
    features/<column>_missing.tif  for a column with blank cells only: float32 1 where blank, 0 where
                           given, NaN outside the CSV's cells
    label.tif              float32: 1 and 0 from mines_outcome, NaN for -1 (unknown) and outside
    municipality.tif       int16 municipality code 1..N, 0 outside
    municipalities.csv     code,name,cells (codes in order of name, so deterministic)
    points.gpkg            layer "cells": one point per CSV row at its cell centre
    manifest.json          grid, files, label counts, the columns with blanks (how many, flag file)
                           and the source CSV's size and SHA-256

All in EPSG:4326, row 0 northernmost. The same CSV gives the same bytes. Run with Debian's python3:

    /usr/bin/python3 datasets/import_antioquia.py --out out/antioquia
"""
import argparse
import csv
import hashlib
import io
import json
import pathlib
import re
import sys
import unicodedata

import numpy as np
from osgeo import gdal, ogr

# InputError: callers catch it here.
from antioquia_lattice import LAT, LON, InputError, Lattice, refuse_off_the_globe  # noqa: F401
from antioquia_output import check_out, staged
from antioquia_writers import write_municipalities, write_points, write_raster

gdal.UseExceptions()
ogr.UseExceptions()

ROOT = pathlib.Path(__file__).resolve().parents[1]
DEFAULT_CSV = ROOT.parent / "shared" / "data" / "reland-antioquia" / "antioquia_grid.csv"

LABEL, MUNICIPALITY, GEOMETRY = "mines_outcome", "Municipio", "geometry"
REQUIRED_COLUMNS = (LAT, LON, LABEL, MUNICIPALITY)
NOT_FEATURES = {LAT, LON, LABEL, MUNICIPALITY, GEOMETRY}


MUNICIPALITY_NODATA = 0


# ---------------------------------------------------------------------------------------------
# Reading the CSV


class Table:
    """The CSV's columns: coordinates, label, municipality names and the numeric features."""

    def __init__(self, lat, lon, label, municipality, features, line_numbers):
        self.lat, self.lon = lat, lon
        self.label = label  # int array of 1, 0, -1
        self.municipality = municipality  # list of names, one per row
        self.features = features  # {column name: float64 array, NaN where blank}, in the CSV's column order
        self.line_numbers = line_numbers  # the CSV line of each row, for error messages

    def blanks(self):
        """{column: number of blank cells}, for the feature columns that have any."""
        counts = {name: int(np.isnan(values).sum()) for name, values in self.features.items()}
        return {name: count for name, count in counts.items() if count}


def read_rows(path, text):
    """The header, the rows (lists of text) and each row's line number; checks the shape only."""
    reader = csv.reader(io.StringIO(text, newline=""))
    header = next(reader, None)
    if not header:
        raise InputError(f"{path}: the CSV is empty")
    duplicated = sorted({name for name in header if header.count(name) > 1})
    if duplicated:
        raise InputError(f"{path}: column {duplicated[0]!r} appears more than once in the header")
    missing = [name for name in REQUIRED_COLUMNS if name not in header]
    # RELand's names hold commas ("No. Victimas, ..."), so a semicolon-separated header splits at them
    # into several fields, each still holding ';'.
    if missing and any(";" in name for name in header):
        raise InputError(f"{path}: the header holds ';' and lacks {missing[0]!r}: the file is separated by semicolons; "
                         f"save it comma-separated (the RELand format)")
    if missing:
        raise InputError(f"{path}: required column {missing[0]!r} is missing (needs {', '.join(REQUIRED_COLUMNS)})")
    rows, line_numbers = [], []
    for row in reader:
        if not row or len(row) == 1 and not row[0].strip():
            continue  # an empty line, or one of spaces (a trailing one, say), holds no cell; pandas skips them too
        if len(row) != len(header):
            raise InputError(f"{path}: line {reader.line_num} has {len(row)} fields, the header {len(header)}")
        rows.append(row)
        line_numbers.append(reader.line_num)
    if not rows:
        raise InputError(f"{path}: the CSV has a header but no rows")
    return header, rows, line_numbers


def read_table(path, text):
    """Parses the CSV text read from path; raises InputError naming the column or line at fault."""
    header, rows, line_numbers = read_rows(path, text)
    columns = dict(zip(header, zip(*rows)))

    def numbers(name):
        return parse_numbers(path, name, columns[name], line_numbers)

    def required_numbers(name):
        # A row without its place or label cannot be put on the grid or scored: no blank allowed.
        refuse_blanks(path, name, columns[name], line_numbers)
        return numbers(name)

    lat, lon = required_numbers(LAT), required_numbers(LON)
    if not (np.isfinite(lat).all() and np.isfinite(lon).all()):
        raise InputError(f"{path}: {LAT} and {LON} must be finite numbers")
    refuse_off_the_globe(path, lat, lon, line_numbers)
    label = required_numbers(LABEL)
    if not np.isin(label, (1, 0, -1)).all():
        bad = int(np.flatnonzero(~np.isin(label, (1, 0, -1)))[0])
        raise InputError(f"{path}: line {line_numbers[bad]}: {LABEL} must be 1, 0 or -1, not {columns[LABEL][bad]!r}")
    # Surrounding spaces are not part of a name: "ABEJORRAL " is ABEJORRAL, not a 20th municipality
    # whose cells would be held out beside their twin's.
    municipality = [name.strip() for name in columns[MUNICIPALITY]]
    blank = [i for i, name in enumerate(municipality) if not name.strip()]
    if blank:
        raise InputError(f"{path}: line {line_numbers[blank[0]]}: {MUNICIPALITY} is blank; every row needs its "
                         f"{', '.join(REQUIRED_COLUMNS)}")
    municipality = one_spelling_per_municipality(municipality)
    features = {name: numbers(name) for name in header if is_feature(name)}
    for name, values in features.items():
        if np.isnan(values).all():  # no median to fill with, and nothing a model could learn
            raise InputError(f"{path}: column {name!r} is blank in every row; remove it from the CSV (or give "
                             f"its values)")
    return Table(lat, lon, label.astype(np.int64), municipality, features, line_numbers)


def municipality_key(name):
    """What makes two spellings one municipality: the name without surrounding spaces, in one
    Unicode form (NFC: an accent typed as its own character on a Mac is the same letter), in any
    case."""
    return unicodedata.normalize("NFC", name.strip()).casefold()


def one_spelling_per_municipality(names, program="import_antioquia"):
    """Names of one municipality_key are one municipality ("Abejorral" in a hand-edited row beside
    "ABEJORRAL" was a 20th, whose cells were trained on while their twin was held out), spelt as
    most of its rows spell it (the first in sorted order on a tie); each other spelling is noted."""
    spellings = {}
    for name in names:
        counts = spellings.setdefault(municipality_key(name), {})
        counts[name] = counts.get(name, 0) + 1
    chosen = {key: min(counts, key=lambda name: (-counts[name], name)) for key, counts in spellings.items()}
    for key, counts in sorted(spellings.items()):
        for name in sorted(counts):
            if name != chosen[key]:
                rows = f"{counts[name]} row{'s' * (counts[name] != 1)}"
                print(f"{program}: note: {MUNICIPALITY} {name!r} ({rows}) is taken as {chosen[key]!r}: names that "
                      "differ in case or Unicode form only are one municipality", file=sys.stderr)
    return [chosen[municipality_key(name)] for name in names]


def is_feature(name):
    # A blank or "Unnamed: 0" header is the row index pandas writes with to_csv(index=True).
    return name not in NOT_FEATURES and name.strip() != "" and not name.startswith("Unnamed:")


# A number as a CSV writes one: Python's float() also takes "1_000", other scripts' digits and "inf".
DECIMAL = re.compile(r"[+-]?([0-9]+\.?[0-9]*|\.[0-9]+)([eE][+-]?[0-9]+)?")


def is_blank(text):
    """Empty, whitespace, or NaN in any case (as pandas writes a missing value)."""
    return text.strip() == "" or text.strip().lower().lstrip("+-") == "nan"


def refuse_blanks(path, name, texts, line_numbers):
    blank = [i for i, text in enumerate(texts) if is_blank(text)]
    if blank:
        raise InputError(f"{path}: line {line_numbers[blank[0]]}: {name} is blank; every row needs its "
                         f"{', '.join(REQUIRED_COLUMNS)}")


def parse_numbers(path, name, texts, line_numbers):
    """The column as float64; a blank cell (empty, whitespace, or NaN as pandas writes a missing value)
    is NaN; any other text that is not a finite number is refused."""
    values = np.empty(len(texts))
    for i, text in enumerate(texts):
        if is_blank(text):
            values[i] = np.nan
            continue
        if not DECIMAL.fullmatch(text.strip()) and text.strip().lower().lstrip("+-") not in ("inf", "infinity"):
            raise InputError(f"{path}: line {line_numbers[i]}: column {name!r} holds {text!r}, not a number")
        values[i] = float(text)
        if np.isinf(values[i]):
            raise InputError(f"{path}: line {line_numbers[i]}: column {name!r} holds {text!r}, not a finite number; "
                             f"leave the cell blank if its value is unknown")
    return values


# ---------------------------------------------------------------------------------------------
# Writing


def file_stem(column):
    """A portable file name for a column: accents dropped, runs of other characters as '_'."""
    ascii_name = unicodedata.normalize("NFKD", column).encode("ascii", "ignore").decode("ascii")
    return re.sub(r"[^A-Za-z0-9]+", "_", ascii_name).strip("_")


def feature_files(columns):
    """{column: 'features/<stem>.tif'}; refuses a column without a file name of its own."""
    files, owners = {}, {}
    for column in columns:
        stem = file_stem(column)
        if not stem:
            raise InputError(f"column {column!r} has no letters or digits to name its file after")
        # Compared without case: one file on Windows and macOS, and one layer in minerisk, which
        # names a column's layer by its lower-cased file name.
        if stem.lower() in owners:
            raise InputError(f"columns {owners[stem.lower()]!r} and {column!r} would share the file "
                             f"features/{stem}.tif (file names are compared without case); rename one of them")
        owners[stem.lower()] = column
        files[column] = f"features/{stem}.tif"
    return files


def missing_flag_files(files, blank_columns):
    """{column: 'features/<stem>_missing.tif'} for the columns with blanks. Where a feature column
    already owns that name (the RELand file has 'rwi_missing' beside 'rwi'), the flag is
    '<stem>_blank.tif' instead, so no column's raster is ever overwritten."""
    taken = {name.lower() for name in files.values()}  # without case, as feature_files compares them
    flags = {}
    for column in blank_columns:
        stem = files[column][:-len(".tif")]
        for suffix in ("_missing", "_blank"):
            candidate = f"{stem}{suffix}.tif"
            if candidate.lower() not in taken:
                break
        else:
            raise InputError(f"column {column!r} has blanks, but both {stem}_missing.tif and {stem}_blank.tif "
                             f"are taken by other columns' files; rename one of those columns")
        taken.add(candidate.lower())
        flags[column] = candidate
    return flags


# ---------------------------------------------------------------------------------------------
# The import


def read_source(csv_path):
    """The CSV's text and its description (path, size, SHA-256), from one read of its bytes."""
    try:
        data = csv_path.read_bytes()
    except FileNotFoundError:
        raise InputError(f"CSV not found at {csv_path}; the RELand data is read from "
                         f"../shared/data/reland-antioquia/ beside the repository, or pass --csv PATH") from None
    except OSError as error:
        raise InputError(f"cannot read the CSV {csv_path}: {error.strerror}") from None
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise InputError(f"{csv_path}: not UTF-8 text (byte {error.start})") from None
    if not str(csv_path).isprintable() or str(csv_path).encode("utf-8", "replace") != str(csv_path).encode(
            "utf-8", "surrogateescape"):  # the manifest names it in UTF-8 JSON, the messages on one line
        raise InputError(f"the CSV's path {csv_path!r} is not printable UTF-8 text; rename it")
    source = {"path": str(csv_path), "size": len(data), "sha256": hashlib.sha256(data).hexdigest()}
    return text, source


def import_grid(csv_path, out_dir):
    """Reads the CSV, writes every output into out_dir and returns the manifest (a dict)."""
    check_out(out_dir, csv_path)  # before the CSV is read: pathlib takes "" for the current folder
    csv_path, out_dir = pathlib.Path(csv_path).resolve(), pathlib.Path(out_dir)
    text, source = read_source(csv_path)
    table = read_table(csv_path, text)
    lattice = Lattice(table)
    files = feature_files(table.features)
    codes = {name: code for code, name in enumerate(sorted(set(table.municipality)), start=1)}
    flags = missing_flag_files(files, table.blanks())  # before any folder is made: a refusal leaves nothing
    with staged(out_dir) as folder:  # a new folder, in out_dir's place once complete
        return write_import(folder, table, lattice, files, flags, codes, source)


def write_import(out_dir, table, lattice, files, flags, codes, source):
    """Writes every output into the (new, empty) folder out_dir; returns the manifest."""
    (out_dir / "features").mkdir()
    blanks = table.blanks()
    for column, values in table.features.items():
        write_raster(out_dir / files[column], lattice.grid(values, np.float32, np.nan), lattice, np.nan, column)
    for column, flag in flags.items():
        is_missing = np.isnan(table.features[column]).astype(np.float32)
        write_raster(out_dir / flag, lattice.grid(is_missing, np.float32, np.nan), lattice, np.nan,
                     f"{column}: 1 where the CSV cell is blank, 0 where given")
    label = np.where(table.label == -1, np.nan, table.label)
    write_raster(out_dir / "label.tif", lattice.grid(label, np.float32, np.nan), lattice, np.nan, LABEL)
    code_per_row = [codes[name] for name in table.municipality]
    write_raster(out_dir / "municipality.tif", lattice.grid(code_per_row, np.int16, MUNICIPALITY_NODATA), lattice,
                 MUNICIPALITY_NODATA, "municipality code, see municipalities.csv")
    write_municipalities(out_dir / "municipalities.csv", codes, table)
    write_points(out_dir / "points.gpkg", table, lattice, codes)

    manifest = {
        "source": source,
        "grid": {
            "width": lattice.width,
            "height": lattice.height,
            "crs": "EPSG:4326",
            "geotransform": list(lattice.geotransform),
            "spacing_degrees": list(lattice.spacing),
            "max_offset_from_lattice_degrees": float(lattice.misfit),
        },
        "nodata": {"features": "NaN (outside, and blank cells)", "label": "NaN (unknown -1 and outside)", "municipality": MUNICIPALITY_NODATA},
        "features": [{"column": column, "file": files[column]} for column in table.features],
        # Only columns with at least one blank cell; their feature raster is NaN there.
        "blanks": [{"column": column, "cells": count, "flag": flags[column]} for column, count in blanks.items()],
        "label": "label.tif",
        "municipality": "municipality.tif",
        "municipalities": "municipalities.csv",
        "points": "points.gpkg",
        "counts": {
            "cells": len(table.label),
            "positive": int((table.label == 1).sum()),
            "negative": int((table.label == 0).sum()),
            "unknown": int((table.label == -1).sum()),
            "municipalities": len(codes),
        },
    }
    with open(out_dir / "manifest.json", "w", encoding="utf-8") as out:
        json.dump(manifest, out, ensure_ascii=False, indent=2)
        out.write("\n")
    return manifest


def summary(manifest, out_dir):
    grid, counts = manifest["grid"], manifest["counts"]
    return (f"{counts['cells']} cells of {counts['municipalities']} municipalities on a {grid['width']} x "
            f"{grid['height']} lattice (spacing {grid['spacing_degrees'][0]:.8f} degrees), "
            f"{len(manifest['features'])} features\n"
            f"labels: {counts['positive']} positive, {counts['negative']} negative, {counts['unknown']} unknown\n"
            f"{blank_summary(manifest['blanks'])}"
            f"written to {out_dir}")


def blank_summary(blanks):
    if not blanks:
        return "no blank feature cells\n"
    listed = ", ".join(f"{entry['column']!r} {entry['cells']}" for entry in blanks)
    return f"blank feature cells (NaN, each column flagged in its own raster, see manifest.json): {listed}\n"


def main(argv=None):
    parser = argparse.ArgumentParser(description="Import the RELand grid of eastern Antioquia as GeoTIFFs.")
    parser.add_argument("--csv", default=str(DEFAULT_CSV), help="the grid CSV (default: %(default)s)")
    parser.add_argument("--out", required=True, help="output folder")
    args = parser.parse_args(argv)
    if args.csv == "":  # as a path, "" would be the current folder ("Is a directory")
        print("import_antioquia: --csv is empty; give the grid's CSV, or leave the option out", file=sys.stderr)
        return 2
    try:
        manifest = import_grid(args.csv, args.out)
    except InputError as error:
        print(f"import_antioquia: {error}", file=sys.stderr)
        return 2
    print(summary(manifest, args.out))
    return 0


if __name__ == "__main__":
    sys.exit(main())
