"""Small synthetic grids in the RELand CSV format, written by tests into their tmp_path.

A square lattice near eastern Antioquia cut into four municipalities (quadrants). Landmines lie
near a line of contact crossing the region, so labels are spatially clustered (the nearest-label
rule has something to find) and every municipality holds both classes. Deterministic for a seed.
"""
import csv

import numpy as np

SPACING = 0.00897436  # the real grid's, in degrees
ORIGIN = (6.0, -75.0)  # latitude, longitude of the south-west cell centre
MUNICIPALITIES = ("ALFA", "BRAVO", "CHARLIE", "DELTA")

# The columns every synthetic region has, besides coordinates, label and municipality. The
# victim count is constant per municipality, like the real one.
BASE_COLUMNS = ("elevation", "Vocacion_Agricola", "Vocacion_Forestal", "CLIMA_Frio", "CLIMA_Calido",
                "population_2020", "rwi", "Amenaza", "roads_dist", "coca_dist")


def region_rows(size=16, seed=0):
    """One dict per cell: the base columns, label and municipality (no blanks yet)."""
    rng = np.random.default_rng(seed)
    rows = []
    for i in range(size):
        for j in range(size):
            lat, lon = ORIGIN[0] + i * SPACING, ORIGIN[1] + j * SPACING
            municipality = MUNICIPALITIES[2 * (i >= size // 2) + (j >= size // 2)]
            # A line of contact from the south-west to the north-east, offset so that it crosses
            # all four quadrants; distance in cells.
            line_distance = abs(i - 0.8 * j - size / 5) / np.hypot(1, 0.8)
            risk = 1 / (1 + np.exp(line_distance - 2.0))
            surveyed = rng.random() < 0.8
            label = (1 if rng.random() < 0.1 + 0.8 * risk else 0) if surveyed else -1
            forest = rng.random() < 0.4 + 0.04 * i
            cold = i + j > size
            rows.append({
                "LATITUD_Y": repr(lat), "LONGITUD_X": repr(lon), "mines_outcome": str(label), "Municipio": municipality,
                "elevation": f"{1500 + 40 * i + 25 * j + rng.normal(0, 10):.2f}",
                "Vocacion_Agricola": str(int(not forest)), "Vocacion_Forestal": str(int(forest)),
                "CLIMA_Frio": str(int(cold)), "CLIMA_Calido": str(int(not cold)),
                "population_2020": f"{rng.exponential(20):.3f}", "rwi": f"{rng.normal(0, 0.5):.4f}",
                "Amenaza": str(100 * (1 + MUNICIPALITIES.index(municipality))),
                "roads_dist": f"{abs(line_distance) + rng.exponential(0.5):.4f}",
                "coca_dist": f"{rng.exponential(3):.4f}",
            })
    labels = {(row["Municipio"], row["mines_outcome"]) for row in rows}
    assert all((name, value) in labels for name in MUNICIPALITIES for value in ("0", "1")), "a class is missing"
    return rows


def write_region(path, size=16, seed=0, drop=(), extra=(), blanks=None):
    """Writes a region CSV: `drop` base columns left out, `extra` 0/1 columns added, `blanks`
    {column: [row indices]} made blank (alternately empty and whitespace). Returns the rows."""
    rows = region_rows(size, seed)
    for k, row in enumerate(rows):
        for name in extra:
            row[name] = str(int(k % 3 == 0))
    for column, indices in (blanks or {}).items():
        for n, k in enumerate(indices):
            rows[k][column] = "" if n % 2 == 0 else "  "
    columns = ["LATITUD_Y", "LONGITUD_X", "mines_outcome", "Municipio"]
    columns += [name for name in BASE_COLUMNS if name not in drop] + list(extra)
    with open(path, "w", encoding="utf-8", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=columns, extrasaction="ignore", lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)
    return rows
