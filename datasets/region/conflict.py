"""The conflict's geography: a line of contact held from the 1994 ceasefire to September 2020,
the shifting front lines of the short mobile war of autumn 2020 (an offensive from the lowland
pushing into the defended, mountain side, deepest in the south), the battle areas around those
lines, and the settlements the fighting emptied.

Every line is drawn as x = f(y), running north to south across the region: it can wiggle but
never folds back on itself, and "west of the line" is simply smaller x."""
import math
from dataclasses import dataclass

import numpy as np
from shapely.geometry import LineString, Point, box
from shapely.ops import unary_union

from .grid import harmonic_wiggle

CONTACT_DATES = ("1994-05-12", "2020-09-27")
WAR_DATES = ("2020-09-27", "2020-10-04", "2020-10-09", "2020-10-17", "2020-10-26", "2020-11-10")
ADVANCE_SHARE = (0.1, 0.3, 0.5, 0.75, 1.0)  # of the deepest advance, by the end of each phase
DEFENDED_SIDE = "west"  # the mountain side, held along the line of contact


@dataclass
class FrontLine:
    name: str
    kind: str  # "line of contact" or "mobile front"
    start_date: str
    end_date: str
    xy: np.ndarray  # north to south


@dataclass
class BattleArea:
    name: str
    start_date: str
    end_date: str
    polygon: object  # shapely (Multi)Polygon, clipped to the region
    uxo_per_km2: float


def line_samples(grid):
    """North-to-south y positions a little beyond the region, and t = 0 at its north edge, 1 at
    its south edge."""
    step = float(np.clip(grid.extent / 2000.0, 10.0, 50.0))
    y = np.arange(grid.y1 + 0.03 * grid.extent, grid.y0 - 0.03 * grid.extent, -step)
    return y, (grid.y1 - y) / grid.extent


def small_wiggles(rng, y, count=4):
    """Local bends of a front line: a few hundred metres at wavelengths of 2-7 km (the same
    in metres whatever the region's size)."""
    return sum(rng.uniform(40.0, 120.0) * np.sin(2 * math.pi * y / rng.uniform(2000.0, 7000.0) + rng.uniform(0, 7))
               for _ in range(count))


def front_lines(rng, grid):
    """The line of contact along the foothills, and the mobile war's lines west of it."""
    y, t = line_samples(grid)
    e = grid.extent
    base = grid.x0 + e * (rng.uniform(0.42, 0.5) + harmonic_wiggle(rng, t, [0.05 / k ** 1.3 for k in range(1, 7)]))
    base = np.clip(base, grid.x0 + 0.15 * e, grid.x1 - 0.15 * e)
    lines = [FrontLine("Line of contact", "line of contact", *CONTACT_DATES,
                       np.column_stack([base + small_wiggles(rng, y), y]))]
    deepest = float(np.clip(0.22 * e, 600.0, 25000.0))
    main_axis = rng.uniform(0.55, 0.9)  # the offensive's main thrust, in the south
    thrust = 0.25 + 0.75 * np.exp(-(((t - main_axis) / 0.3) ** 2))
    for k, share in enumerate(ADVANCE_SHARE):
        x = np.maximum(base - deepest * share * thrust + small_wiggles(rng, y, 3), grid.x0 + 0.03 * e)
        lines.append(FrontLine(f"Front line {WAR_DATES[k + 1]}", "mobile front", WAR_DATES[k], WAR_DATES[k + 1],
                               np.column_stack([x, y])))
    return lines


def battle_areas(rng, grid, lines):
    """Around each mobile front line, the stretches where the fighting was: one to three
    sections of the line, buffered by up to 1.5 km, merged and clipped to the region."""
    region = box(grid.x0, grid.y0, grid.x1, grid.y1)
    width = float(np.clip(0.015 * grid.extent, 300.0, 1500.0))
    areas = []
    for line in lines:
        if line.kind != "mobile front":
            continue
        n = len(line.xy)
        parts = []
        for _ in range(1 + rng.integers(0, 3)):
            centre, half = rng.uniform(0.05, 0.95), rng.uniform(0.06, 0.18)
            a, b = int(n * max(centre - half, 0.0)), int(n * min(centre + half, 1.0))
            if b - a >= 2:
                parts.append(LineString(line.xy[a:b]).buffer(width * rng.uniform(0.7, 1.3)))
        polygon = unary_union(parts).intersection(region) if parts else None
        if polygon is not None and not polygon.is_empty and polygon.area > 0:
            areas.append(BattleArea(f"Battles of {line.start_date} to {line.end_date}", line.start_date,
                                    line.end_date, polygon, rng.uniform(15.0, 45.0)))
    return areas


def abandon_settlements(rng, settlements, lines, areas):
    """Empties the villages the wars made uninhabitable: most within 3 km of the line of contact,
    many in the ground the 2020 offensive took, a few elsewhere."""
    contact = LineString(lines[0].xy)
    final = lines[-1].xy
    battles = unary_union([a.polygon for a in areas]) if areas else None
    for s in settlements:
        p = Point(s.x, s.y)
        loc_x = np.interp(-s.y, -lines[0].xy[:, 1], lines[0].xy[:, 0])
        final_x = np.interp(-s.y, -final[:, 1], final[:, 0])
        if contact.distance(p) < 3000.0:
            chance = 0.7
        elif final_x < s.x < loc_x or (battles is not None and battles.contains(p)):
            chance = 0.45
        else:
            chance = 0.08
        s.abandoned = bool(rng.random() < chance)
