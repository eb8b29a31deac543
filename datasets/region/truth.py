"""The hidden truth: where mines were laid and where ordnance fell.

Doctrine assumed (plausible, not any army's manual):
- belts parallel to the long-held line of contact on its defended side, in segments: a forward
  belt 60-200 m behind the line and 100-300 m deep, mostly anti-personnel mines in rows, and a
  patchier rear belt 400-800 m behind, mostly anti-tank;
- denser fields where roads cross the line and at passes (saddles) near it on the defended side;
- nuisance mines at the edges of abandoned villages;
- every mine is less likely on steeper ground and none is laid above MAX_SLOPE, nor in rivers;
- unexploded ordnance scattered in clusters over the battle areas of the 2020 war."""
import math
from dataclasses import dataclass, field

import numpy as np
import shapely.vectorized
from scipy import ndimage
from shapely import affinity
from shapely.geometry import LineString, Point, Polygon, box
from shapely.validation import make_valid

from .grid import arc_length, date_between, resample, smooth_normals
from .landcover import WATER
from .terrain import MAX_SLOPE, NEIGHBOURS, slope_at

ITEMS = ("AP mine", "AT mine", "UXO")
AP, AT, UXO = 0, 1, 2
BELT_ROWS = (  # (metres behind the line, depth in metres, chance a segment is mined, share of AT mines)
    ((60.0, 200.0), (100.0, 300.0), 0.75, 0.15),
    ((400.0, 800.0), (80.0, 200.0), 0.45, 0.7),
)
LAID = {"belt": ("1994-05-12", "1996-12-31"), "crossing": ("1994-05-12", "1995-12-31"),
        "pass": ("1994-05-12", "1995-12-31"), "nuisance": ("1992-06-01", "1994-05-11")}


@dataclass
class Minefield:
    kind: str  # "belt", "crossing", "pass" or "nuisance"
    polygon: object  # shapely Polygon
    band: tuple = None  # belts: (s0, s1, t0, t1, belt row): along and behind the line of contact
    id: str = ""
    devices: int = 0
    laid: str = ""


@dataclass
class Devices:
    """Every true device, as columns."""

    x: np.ndarray
    y: np.ndarray
    item: np.ndarray  # index into ITEMS
    field: np.ndarray  # index into the minefield list, or -1 for UXO
    fate: np.ndarray = None  # filled in by the known-data stage

    def __len__(self):
        return len(self.x)


@dataclass
class Truth:
    trace: object
    minefields: list
    devices: Devices
    battle_areas: list = field(default_factory=list)


class Trace:
    """The line of contact parametrised by distance along it (s, metres from its north end) and
    behind it (t, metres towards the defended side, along normals averaged over ~600 m so bands
    drawn along them do not fold on the line's small bends)."""

    def __init__(self, xy):
        self.xy = resample(xy, 10.0)
        self.s = arc_length(self.xy)
        normals = smooth_normals(self.xy, 61)
        self.normals = -normals if normals[:, 0].mean() > 0 else normals  # point west
        self.line = LineString(self.xy)

    @property
    def length(self):
        return self.s[-1]

    def at(self, s, t):
        s = np.asarray(s, float)
        return np.column_stack([np.interp(s, self.s, self.xy[:, k]) + t * np.interp(s, self.s, self.normals[:, k])
                                for k in range(2)])

    def band(self, s0, s1, t0, t1):
        """The polygon between t0 and t1 behind the line, from s0 to s1 along it."""
        s = np.append(np.arange(s0, s1, 10.0), s1)
        return single_polygon(Polygon(np.vstack([self.at(s, t0), self.at(s, t1)[::-1]])))


def single_polygon(shape):
    """A valid single Polygon: the largest part of whatever `shape` became."""
    if not shape.is_valid:
        shape = make_valid(shape)
    parts = [g for g in getattr(shape, "geoms", [shape]) if g.geom_type == "Polygon" and g.area > 0]
    return max(parts, key=lambda g: g.area) if parts else None


def belts(rng, trace, region):
    fields = []
    for row, (behind, depth, chance, _) in enumerate(BELT_ROWS):
        s = rng.uniform(0.0, 400.0)
        while s < trace.length:
            length = rng.uniform(150.0, 900.0)
            if rng.random() < chance:
                t0 = rng.uniform(*behind)
                t1 = t0 + rng.uniform(*depth)
                polygon = trace.band(s, min(s + length, trace.length), t0, t1)
                if polygon is not None and polygon.intersects(region):
                    fields.append(Minefield("belt", polygon, (s, min(s + length, trace.length), t0, t1, row)))
            s += length + rng.uniform(60.0, 400.0)
    return fields


def belt_devices(rng, trace, band):
    """Pattern mines: rows parallel to the line 15-35 m apart, a mine every 5-12 m along a row."""
    s0, s1, t0, t1, row = band
    rows = max(2, round((t1 - t0) / rng.uniform(15.0, 35.0)))
    spacing = rng.uniform(5.0, 12.0)
    points, items = [], []
    for j in range(rows):
        s = np.arange(s0 + rng.uniform(0, spacing), s1, spacing)
        s += rng.normal(0, 1.0, s.size)
        t = t0 + (j + 0.5) * (t1 - t0) / rows + rng.normal(0, 1.5, s.size)
        points.append(trace.at(s, t))
        items.append(np.where(rng.random(s.size) < BELT_ROWS[row][3], AT, AP))
    return np.vstack(points), np.concatenate(items)


def crossings(rng, trace, roads):
    """A round field straddling each road just behind the line of contact."""
    points = []
    for road in roads:
        hit = trace.line.intersection(LineString(road.xy))
        for p in getattr(hit, "geoms", [hit]):
            if p.geom_type == "Point" and all(p.distance(q) > 300.0 for q in points):
                points.append(p)
    fields = []
    for p in points:
        centre = trace.at(trace.line.project(p), rng.uniform(60.0, 220.0))[0]
        fields.append(Minefield("crossing", Point(centre).buffer(rng.uniform(100.0, 220.0), 16)))
    return fields


SADDLE_SMOOTHING = 1.5  # coarse cells of Gaussian smoothing before saddles are looked for


def saddle_ring(z):
    """The ring of 8 neighbours of each interior cell of z smoothed by SADDLE_SMOOTHING (stacked,
    clockwise from the north-west), and which interior cells are saddles: their ring goes up
    and down at least twice. Also what datasets/pass_layer.py finds saddles with."""
    z = ndimage.gaussian_filter(z, SADDLE_SMOOTHING)
    rows, cols = z.shape
    ring = np.stack([z[1 + dr: rows - 1 + dr, 1 + dc: cols - 1 + dc] for dr, dc in NEIGHBOURS])
    above = ring > z[1:-1, 1:-1]
    changes = (above != np.roll(above, 1, axis=0)).sum(axis=0)
    return ring, changes >= 4


def saddles(relief):
    """Saddle points of the smoothed coarse relief, with the ring's height range and the direction
    of its lowest neighbour (the way through the pass)."""
    ring, is_saddle = saddle_ring(relief.z)
    rows, cols = np.nonzero(is_saddle)
    low = np.array(NEIGHBOURS)[ring.argmin(axis=0)[rows, cols]]
    x, y = relief.coarse.centres()
    return (x[cols + 1], y[rows + 1], (ring.max(0) - ring.min(0))[rows, cols],
            np.arctan2(-low[:, 0], low[:, 1]))  # row offsets point south, hence the minus


def passes(rng, grid, relief, trace):
    """Saddles in the mountains up to 6 km behind the line of contact (fewer than one per 250 km2),
    the most pronounced first, at least 1 km apart; each gets an oval field across the way."""
    x, y, rise, heading = saddles(relief)
    line_x = np.interp(-y, -trace.xy[:, 1], trace.xy[:, 0])
    behind = line_x - x
    mountain = relief.coarse.sample(relief.mountain, x, y)
    ok = (behind > 100.0) & (behind < min(6000.0, 0.35 * grid.extent)) & (mountain > 0.25) & grid.interior(x, y, 20)
    wanted = max(1, round(0.004 * grid.area_km2))
    chosen = []
    for k in np.flatnonzero(ok)[np.argsort(-rise[ok], kind="stable")]:
        if len(chosen) == wanted:
            break
        if all(math.hypot(x[k] - x[j], y[k] - y[j]) > 1000.0 for j in chosen):
            chosen.append(k)
    fields = []
    for k in chosen:
        oval = affinity.scale(Point(0, 0).buffer(1.0, 16), rng.uniform(50.0, 120.0), rng.uniform(120.0, 300.0))
        oval = affinity.rotate(oval, heading[k], use_radians=True)  # long axis across the way through
        fields.append(Minefield("pass", affinity.translate(oval, x[k], y[k])))
    return fields


def nuisance(rng, settlements):
    """One to three small fields at the edge of most abandoned villages."""
    fields = []
    for s in settlements:
        if not s.abandoned or rng.random() > 0.7:
            continue
        for _ in range(1 + rng.poisson(0.8)):
            angle = rng.uniform(0, 2 * math.pi)
            r = s.radius * rng.uniform(0.6, 1.3)
            centre = Point(s.x + r * math.cos(angle), s.y + r * math.sin(angle))
            fields.append(Minefield("nuisance", centre.buffer(rng.uniform(20.0, 60.0), 12)))
    return fields


def scatter(rng, polygon, count):
    """`count` uniform random points inside a polygon (rejection from its bounding box)."""
    xmin, ymin, xmax, ymax = polygon.bounds
    xs, ys = [np.zeros(0)], [np.zeros(0)]
    have = 0
    for _ in range(50):
        if have >= count:
            break
        n = max(16, int((count - have) * 1.5 * (xmax - xmin) * (ymax - ymin) / max(polygon.area, 1e-9)))
        x, y = rng.uniform(xmin, xmax, n), rng.uniform(ymin, ymax, n)
        inside = shapely.vectorized.contains(polygon, x, y)
        xs.append(x[inside])
        ys.append(y[inside])
        have += int(inside.sum())
    x, y = np.concatenate(xs)[:count], np.concatenate(ys)[:count]
    return np.column_stack([x, y])


def scattered_devices(rng, field):
    """Crossing, pass and nuisance fields: mines strewn at random, denser at crossings and passes."""
    density, at_share = {"crossing": (0.009, 0.5), "pass": (0.012, 0.35), "nuisance": (0.01, 0.15)}[field.kind]
    count = rng.poisson(field.polygon.area * density) if field.kind != "nuisance" else 3 + rng.poisson(15)
    points = scatter(rng, field.polygon, count)
    return points, np.where(rng.random(len(points)) < at_share, AT, AP)


def uxo(rng, area):
    """Clusters of unexploded ordnance (submunitions, shells) over a battle area: cluster centres
    uniform in it, 1 to ~12 items within some 40 m of each."""
    mean_cluster = 6.0
    centres = scatter(rng, area.polygon, rng.poisson(area.polygon.area / 1e6 * area.uxo_per_km2 / mean_cluster))
    sizes = 1 + rng.poisson(mean_cluster - 1, len(centres))
    points = np.repeat(centres, sizes, axis=0) + rng.normal(0, 40.0, (int(sizes.sum()), 2))
    return points


def laid_here(rng, grid, dem, cover, points):
    """Which candidate positions get a device: inside the grid (off its edge cells), not in water,
    and with probability 1 - (slope / MAX_SLOPE)^2, so none at MAX_SLOPE or steeper."""
    x, y = points[:, 0], points[:, 1]
    ok = grid.interior(x, y)
    row, col = grid.cell_of(x[ok], y[ok])
    slope = slope_at(dem, row, col, grid.cell)
    chance = 1.0 - (np.minimum(slope, MAX_SLOPE) / MAX_SLOPE) ** 2
    keep = (rng.random(slope.size) < chance) & (slope < MAX_SLOPE) & (cover[row, col] != WATER)
    ok[np.flatnonzero(ok)[~keep]] = False
    return ok


def build_truth(rng, grid, relief, dem, cover, lines, roads, settlements, areas):
    trace = Trace(lines[0].xy)
    region = box(grid.x0, grid.y0, grid.x1, grid.y1)
    candidates = (belts(rng, trace, region) + crossings(rng, trace, roads) + passes(rng, grid, relief, trace)
                  + nuisance(rng, settlements))
    minefields, xs, items, owners = [], [], [], []
    for mf in candidates:
        points, item = belt_devices(rng, trace, mf.band) if mf.kind == "belt" else scattered_devices(rng, mf)
        keep = laid_here(rng, grid, dem, cover, points) if len(points) else np.zeros(0, bool)
        clipped = single_polygon(mf.polygon.intersection(region))
        if not keep.any() or clipped is None:
            continue  # no ground to mine there: all steep, in water or off the map
        mf.polygon, mf.devices = clipped, int(keep.sum())
        mf.id = f"MF-{len(minefields) + 1:05d}"
        mf.laid = date_between(rng, *LAID[mf.kind])
        xs.append(points[keep])
        items.append(item[keep])
        owners.append(np.full(mf.devices, len(minefields)))
        minefields.append(mf)
    for area in areas:
        points = uxo(rng, area)
        keep = laid_here(rng, grid, dem, cover, points) if len(points) else np.zeros(0, bool)
        xs.append(points[keep])
        items.append(np.full(int(keep.sum()), UXO))
        owners.append(np.full(int(keep.sum()), -1))
    xy = np.vstack(xs) if xs else np.zeros((0, 2))
    devices = Devices(xy[:, 0].copy(), xy[:, 1].copy(), np.concatenate(items or [np.zeros(0)]).astype(np.int8),
                      np.concatenate(owners or [np.zeros(0)]).astype(np.int32))
    return Truth(trace, minefields, devices, areas)
