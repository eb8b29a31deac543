"""What is known of the truth, as a mine action centre would hold it:

- clearance: polygons mostly on or near true minefields and over battle areas, done in order of
  humanitarian priority (near villages and roads first), and some on land that proved clean;
  each has a probability of detection (POD) set by its method. Inside one, each device not yet
  found is found with that POD (a Bernoulli draw) and becomes a find with source "clearance";
- reports: finds and accidents outside cleared land, drawn from the remaining devices with a
  chance that decays with distance from roads and settlements, where people go;
- minefield records handed over after the war: about a quarter accurate, the others displaced
  by a few hundred metres or mis-drawn (rotated, wrong shape), and some minefields have none.

The number of finds is set per km2 (Karabakh's 12,000 km2 have about 55,000): clearance goes on
until it has found its share, and reports are drawn until they reach theirs."""
import math
from dataclasses import dataclass

import numpy as np
import shapely.vectorized
from scipy.spatial import cKDTree
from shapely import affinity
from shapely.geometry import Polygon, box

from .grid import date_between
from .terrain import dense
from .truth import ITEMS, UXO, scatter, single_polygon

FINDS_PER_KM2 = 55000.0 / 12000.0
REPORT_SHARE = 0.15  # of all finds; the rest come from clearance
CLEAN_SHARE = 0.15  # of cleared polygons, on land that held nothing
METHODS = {"manual": (0.9, 0.98), "mechanical": (0.7, 0.85), "dogs": (0.8, 0.92),
           "battle area clearance": (0.85, 0.95)}
METHOD_CHOICE = {"belt": (("manual", "mechanical", "dogs"), (0.5, 0.35, 0.15)),
                 "crossing": (("manual", "mechanical"), (0.5, 0.5)), "pass": (("manual", "dogs"), (0.7, 0.3)),
                 "nuisance": (("manual",), (1.0,))}
RECORD_STATUS = ("accurate", "displaced", "misdrawn")
RECORD_SHARE = (0.25, 0.45, 0.30)  # of the records that exist
MISSING = {"belt": 0.2, "crossing": 0.3, "pass": 0.3, "nuisance": 0.8}  # chance a minefield has no record
RELIABILITY = 0.25
FATES = ("found in clearance", "missed by clearance", "reported", "remaining")


@dataclass
class Cleared:
    polygon: object
    pod: float
    method: str
    date: str


@dataclass
class Record:
    polygon: object
    status: str
    date: str


@dataclass
class Finds:
    x: np.ndarray
    y: np.ndarray
    item: list
    count: list
    source: list  # "clearance" or "report"
    event: list  # "find" or "accident"
    date: list


@dataclass
class Known:
    cleared: list
    records: list
    missing_records: int
    finds: Finds


class Proximity:
    """Distances to the nearest road and to the nearest settlement's edge."""

    def __init__(self, roads, settlements):
        self.roads = cKDTree(np.vstack([dense(r.xy, 50.0) for r in roads])) if roads else None
        self.centres = cKDTree(np.array([(s.x, s.y) for s in settlements])) if settlements else None
        self.radius = np.array([s.radius for s in settlements])

    def attraction(self, x, y):
        """How much people come by: 1 on a road, 1.5 at a village's edge, fading over ~300 m from
        roads and ~700 m from villages."""
        xy = np.column_stack([x, y])
        out = np.zeros(len(xy))
        if self.roads is not None:
            out += np.exp(-self.roads.query(xy)[0] / 300.0)
        if self.centres is not None:
            d, k = self.centres.query(xy)
            out += 1.5 * np.exp(-np.maximum(d - self.radius[k], 0.0) / 700.0)
        return out


def clearance_tasks(rng, truth, region):
    """Candidate clearance polygons with their method: belts cut into 80-300 m pieces, other
    fields in squares of 100-150 m, each with a 10-40 m margin and one in five misplaced by
    30-150 m (near, not on, the field); and battle area clearance rectangles inside the battle
    areas. Working in pieces lets clearance stop close to its share of the finds."""
    tasks = []
    for mf in truth.minefields:
        methods, weights = METHOD_CHOICE[mf.kind]
        pieces = []
        if mf.kind == "belt":
            s0, s1, t0, t1, _ = mf.band
            a = s0
            while a < s1:
                b = min(s1, a + rng.uniform(80.0, 300.0))
                pieces.append(truth.trace.band(a, b, t0 - rng.uniform(10.0, 40.0), t1 + rng.uniform(10.0, 40.0)))
                a = b
        else:
            pieces += squares(rng, mf.polygon.buffer(rng.uniform(10.0, 40.0), 8), rng.uniform(100.0, 150.0))
        for piece in pieces:
            if piece is not None and rng.random() < 0.2:
                angle, shift = rng.uniform(0, 2 * math.pi), rng.uniform(30.0, 150.0)
                piece = affinity.translate(piece, shift * math.cos(angle), shift * math.sin(angle))
            tasks.append((piece, str(rng.choice(methods, p=weights))))
    for area in truth.battle_areas:
        for centre in scatter(rng, area.polygon, 1 + rng.poisson(1.5 * area.polygon.area / 1e6)):
            rectangle = rotated_rectangle(rng, centre, (150.0, 500.0))
            tasks.append((rectangle.intersection(area.polygon), "battle area clearance"))
    clipped = [(single_polygon(p.intersection(region)), m) for p, m in tasks if p is not None]
    return [(p, m) for p, m in clipped if p is not None]


def rotated_rectangle(rng, centre, sides):
    """A rectangle at `centre` with sides drawn from the range `sides`, turned at random."""
    rectangle = affinity.scale(box(-0.5, -0.5, 0.5, 0.5), rng.uniform(*sides), rng.uniform(*sides))
    return affinity.translate(affinity.rotate(rectangle, rng.uniform(0, 180)), *centre)


def squares(rng, polygon, side):
    """The polygon cut along a randomly offset grid of squares of `side` metres."""
    xmin, ymin, xmax, ymax = polygon.bounds
    x0, y0 = xmin - rng.uniform(0, side), ymin - rng.uniform(0, side)
    pieces = []
    for x in np.arange(x0, xmax, side):
        for y in np.arange(y0, ymax, side):
            piece = single_polygon(polygon.intersection(box(x, y, x + side, y + side)))
            if piece is not None and piece.area > 0.05 * side * side:
                pieces.append(piece)
    return pieces


class BoxIndex:
    """Polygons and their bounding boxes, to find those that may touch a given polygon (instead
    of shapely 1.8's STRtree, deprecated for 2.0's different interface)."""

    def __init__(self, polygons):
        self.polygons = polygons
        self.bounds = np.array([p.bounds for p in polygons]).reshape(-1, 4)

    def near(self, polygon):
        xmin, ymin, xmax, ymax = polygon.bounds
        b = self.bounds
        hit = (b[:, 0] <= xmax) & (b[:, 2] >= xmin) & (b[:, 1] <= ymax) & (b[:, 3] >= ymin)
        return [self.polygons[k] for k in np.flatnonzero(hit)]


class Clearance:
    """Runs clearance polygons over the devices: remembers which device each polygon found and
    which devices lie in cleared land at all."""

    def __init__(self, devices):
        self.devices = devices
        self.tree = cKDTree(np.column_stack([devices.x, devices.y])) if len(devices) else None
        self.found_by = np.full(len(devices), -1)
        self.in_cleared = np.zeros(len(devices), bool)
        self.polygons = []

    def inside(self, polygon):
        if self.tree is None:
            return np.zeros(0, int)
        centre = polygon.centroid
        reach = max(math.dist((centre.x, centre.y), v) for v in polygon.exterior.coords)
        near = np.array(self.tree.query_ball_point((centre.x, centre.y), reach + 1.0), int)
        if near.size == 0:
            return near
        return np.sort(near[shapely.vectorized.contains(polygon, self.devices.x[near], self.devices.y[near])])

    def clear(self, rng, polygon, method):
        """One clearance polygon: returns how many devices it found."""
        pod = float(rng.uniform(*METHODS[method]))
        inside = self.inside(polygon)
        fresh = inside[self.found_by[inside] < 0]
        hit = fresh[rng.random(fresh.size) < pod]
        self.found_by[hit] = len(self.polygons)
        self.in_cleared[inside] = True
        self.polygons.append(Cleared(polygon, pod, method, date_between(rng, "2021-03-01", "2024-12-31")))
        return hit.size


def clean_land(rng, grid, truth, anchors, count):
    """Rectangles near roads and villages that hold no device and touch no minefield: suspected
    areas that clearance proved clean."""
    fields = BoxIndex([mf.polygon.buffer(50.0) for mf in truth.minefields])
    region = box(grid.x0, grid.y0, grid.x1, grid.y1)
    out = []
    for _ in range(30 * count):
        if len(out) == count or len(anchors) == 0:
            break
        anchor = anchors[rng.integers(len(anchors))] + rng.normal(0, 300.0, 2)
        candidate = single_polygon(rotated_rectangle(rng, anchor, (100.0, 400.0)).intersection(region))
        if candidate is None or any(candidate.intersects(f) for f in fields.near(candidate)):
            continue
        out.append(candidate)
    return out


def run_clearance(rng, grid, truth, proximity, roads, settlements, target):
    region = box(grid.x0, grid.y0, grid.x1, grid.y1)
    tasks = clearance_tasks(rng, truth, region)
    # Humanitarian priority: an exponential waiting time, shorter where people live and travel.
    centres = np.array([(p.centroid.x, p.centroid.y) for p, _ in tasks]).reshape(-1, 2)
    wait = rng.exponential(1.0, len(tasks)) / (0.3 + proximity.attraction(centres[:, 0], centres[:, 1]))
    clearance = Clearance(truth.devices)
    found = 0
    for k in np.argsort(wait, kind="stable"):
        if found >= target:
            break
        found += clearance.clear(rng, *tasks[k])
    anchors = [r.xy for r in roads] + [np.array([[s.x, s.y]]) for s in settlements]
    anchors = np.vstack(anchors) if anchors else np.zeros((0, 2))
    n_clean = round(len(clearance.polygons) * CLEAN_SHARE / (1.0 - CLEAN_SHARE))
    for polygon in clean_land(rng, grid, truth, anchors, n_clean):
        if clearance.inside(polygon).size == 0:
            clearance.clear(rng, polygon, "manual")
    return clearance


def draw_reports(rng, devices, in_cleared, proximity, target):
    """Reported finds and accidents: devices outside cleared land, drawn without replacement with
    weights 0.02 + attraction (Gumbel top-k); a report also counts the other uncleared devices
    of the same kind within 10 m, and its position is off by about 10 m."""
    pool = np.flatnonzero(~in_cleared)
    if pool.size == 0 or target <= 0:
        return [], np.zeros(len(devices), bool)
    weight = 0.02 + proximity.attraction(devices.x[pool], devices.y[pool])
    keys = np.log(weight) - np.log(-np.log(rng.random(pool.size)))
    tree = cKDTree(np.column_stack([devices.x[pool], devices.y[pool]]))
    reported = np.zeros(len(devices), bool)
    reports = []
    for j in np.argsort(-keys, kind="stable"):
        if len(reports) == target:
            break
        i = pool[j]
        if reported[i]:
            continue
        group = pool[tree.query_ball_point((devices.x[i], devices.y[i]), 10.0)]
        group = group[(devices.item[group] == devices.item[i]) & ~reported[group]]
        reported[group] = True
        reports.append((i, group.size))
    return reports, reported


def finds_table(rng, devices, clearance, reports):
    found = np.flatnonzero(clearance.found_by >= 0)
    found = found[np.argsort(clearance.found_by[found], kind="stable")]
    x = [devices.x[found]]
    y = [devices.y[found]]
    item = [ITEMS[k] for k in devices.item[found]]
    count = [1] * found.size
    source = ["clearance"] * found.size
    event = ["find"] * found.size
    date = [clearance.polygons[k].date for k in clearance.found_by[found]]
    seeds = np.array([i for i, _ in reports], int)
    x.append(devices.x[seeds] + rng.normal(0, 10.0, seeds.size))
    y.append(devices.y[seeds] + rng.normal(0, 10.0, seeds.size))
    for i, n in reports:
        uxo = devices.item[i] == UXO
        item.append(ITEMS[devices.item[i]])
        count.append(int(n))
        source.append("report")
        event.append("accident" if rng.random() < (0.2 if uxo else 0.3) else "find")
        date.append(date_between(rng, "2020-11-10" if uxo else "1995-01-01", "2024-12-31"))
    return Finds(np.concatenate(x), np.concatenate(y), item, count, source, event, date)


def records(rng, minefields):
    """One record per minefield unless missing; displaced and mis-drawn versions are the worst
    of four tries (least overlap with any true minefield), so that a record that is wrong
    points at the wrong ground and about a quarter of the records are right, as the records'
    reliability of 0.25 says."""
    fields = BoxIndex([mf.polygon for mf in minefields])

    def overlap(polygon):
        return sum(polygon.intersection(g).area for g in fields.near(polygon)) / polygon.area

    out, missing = [], 0
    for mf in minefields:
        if rng.random() < MISSING[mf.kind]:
            missing += 1
            continue
        status = str(rng.choice(RECORD_STATUS, p=RECORD_SHARE))
        if status == "accurate":
            polygon = hand_drawn(rng, mf.polygon)
        else:
            tries = [displaced(rng, mf.polygon) if status == "displaced" else misdrawn(rng, mf.polygon)
                     for _ in range(4)]
            polygon = min((t for t in tries if t is not None), key=overlap, default=None)
        if polygon is not None:
            start = "1994-06-01" if mf.kind == "nuisance" else "1995-01-01"
            out.append(Record(polygon, status, date_between(rng, start, "1998-12-31")))
    return out, missing


def hand_drawn(rng, polygon):
    """The field redrawn by hand: simplified to ~5 m and each corner off by a few metres."""
    coords = np.array(polygon.simplify(5.0).exterior.coords)[:-1]
    return single_polygon(Polygon(coords + rng.normal(0, 4.0, coords.shape)))


def displaced(rng, polygon):
    angle, shift = rng.uniform(0, 2 * math.pi), rng.uniform(200.0, 700.0)
    return hand_drawn(rng, affinity.translate(polygon, shift * math.cos(angle), shift * math.sin(angle)))


def misdrawn(rng, polygon):
    """Wrong shape: rotated by 30-90 degrees, stretched or squeezed, and off by 50-250 m."""
    shape = affinity.rotate(polygon, rng.choice([-1, 1]) * rng.uniform(30.0, 90.0), origin="centroid")
    shape = affinity.scale(shape, rng.uniform(0.5, 1.8), rng.uniform(0.5, 1.8), origin="centroid")
    angle, shift = rng.uniform(0, 2 * math.pi), rng.uniform(50.0, 250.0)
    return hand_drawn(rng, affinity.translate(shape, shift * math.cos(angle), shift * math.sin(angle)))


def build_known(rng, grid, truth, roads, settlements):
    target = round(FINDS_PER_KM2 * grid.area_km2)
    n_reports = round(REPORT_SHARE * target)
    proximity = Proximity(roads, settlements)
    clearance = run_clearance(rng, grid, truth, proximity, roads, settlements, target - n_reports)
    reports, reported = draw_reports(rng, truth.devices, clearance.in_cleared, proximity, n_reports)
    fate = np.full(len(truth.devices), FATES.index("remaining"), np.int8)
    fate[reported] = FATES.index("reported")
    fate[clearance.in_cleared] = FATES.index("missed by clearance")
    fate[clearance.found_by >= 0] = FATES.index("found in clearance")
    truth.devices.fate = fate
    record_list, missing = records(rng, truth.minefields)
    return Known(clearance.polygons, record_list, missing, finds_table(rng, truth.devices, clearance, reports))
