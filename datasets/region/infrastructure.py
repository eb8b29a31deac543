"""Settlements (placed where people build: low, gentle ground near rivers) and the roads between
them (least-cost paths over the terrain on a coarse grid, merged into one network, smoothed)."""
import math
from dataclasses import dataclass

import numpy as np
from scipy import ndimage, sparse
from scipy.sparse.csgraph import dijkstra, minimum_spanning_tree
from scipy.spatial import Delaunay, QhullError, cKDTree

from .grid import chaikin, grid_edges
from .terrain import block_mean, moving_average, slope_at

SETTLEMENTS_PER_KM2 = 0.08  # about 950 villages and towns over Karabakh's 12,000 km2
SYLLABLES = (["Ag", "Gar", "Dash", "Kar", "Shi", "Tal", "Mar", "Ham", "Kir", "Sar", "Khan", "Ber", "Dov", "Ar",
              "Gul", "Ken", "Ors", "Tov", "Mek", "Zar", "Hor", "Nor", "Gyu", "Vang", "Ash"],
             ["a", "o", "i", "e", "u", "ya", "ar", "al", "in", "ov"],
             ["kend", "li", "lu", "abad", "shen", "dzor", "tagh", "vank", "bulag", "dara", "kh", "jur", "sar"])


@dataclass
class Settlement:
    x: float
    y: float
    name: str
    population: int
    radius: float  # metres: the built-up area's mean radius
    abandoned: bool = False


@dataclass
class Road:
    xy: np.ndarray
    kind: str  # "main" (shared by several routes) or "local"


def settlement_name(rng, taken):
    """A made-up Caucasian-sounding place name, unique in the region."""
    while True:
        name = "".join(str(rng.choice(part)) for part in SYLLABLES)
        if name not in taken:
            taken.add(name)
            return name


def place_settlements(rng, grid, relief, dem):
    """Candidates drawn uniformly, kept with a probability that favours gentle, low ground near
    rivers, then thinned so no two settlements are closer than a minimum spacing."""
    target = max(3, round(SETTLEMENTS_PER_KM2 * grid.area_km2))
    spacing = min(1500.0, grid.extent / 6)
    n = 40 * target + 400
    x = rng.uniform(grid.x0, grid.x1, n)
    y = rng.uniform(grid.y0, grid.y1, n)
    keep = grid.interior(x, y)
    x, y = x[keep], y[keep]
    row, col = grid.cell_of(x, y)
    slope = slope_at(dem, row, col, grid.cell)
    coarse = relief.coarse
    elevation = coarse.sample(relief.z, x, y)
    river = coarse.sample(relief.river_distance, x, y)
    suitability = (np.exp(-((slope / 7.0) ** 2)) * (0.25 + 0.75 * np.exp(-river / 1500.0))
                   * np.exp(-np.maximum(elevation - 1200.0, 0.0) / 800.0))
    chosen = rng.random(x.size) < suitability
    points = thin(x[chosen], y[chosen], spacing, target)
    population = np.round(np.exp(rng.normal(math.log(500.0), 1.1, len(points))) + 30, -1).astype(int)
    taken = set()
    return [Settlement(float(px), float(py), settlement_name(rng, taken), int(p), 45.0 * (p / 100.0) ** 0.45)
            for (px, py), p in zip(points, population)]


def thin(x, y, spacing, limit):
    """The first points (in order) that keep `spacing` from every point kept before them, at most
    `limit`; a bucket grid of `spacing` cells makes each test look at nine buckets only."""
    kept, buckets = [], {}
    for px, py in zip(x, y):
        if len(kept) == limit:
            break
        i, j = int(px // spacing), int(py // spacing)
        near = (q for di in (-1, 0, 1) for dj in (-1, 0, 1) for q in buckets.get((i + di, j + dj), ()))
        if all(math.hypot(px - qx, py - qy) >= spacing for qx, qy in near):
            kept.append((px, py))
            buckets.setdefault((i, j), []).append((px, py))
    return kept


def footprint(rng, settlement, vertices=24):
    """The built-up area: a ragged disc around the settlement's centre."""
    angle = np.linspace(0, 2 * math.pi, vertices, endpoint=False)
    wobble = 1.0 + sum(rng.normal(0, 0.12) * np.cos(k * angle + rng.uniform(0, 2 * math.pi)) for k in (2, 3, 5))
    r = settlement.radius * np.clip(wobble, 0.5, 1.6)
    return np.column_stack([settlement.x + r * np.cos(angle), settlement.y + r * np.sin(angle)])


class CostGrid:
    """The terrain as a road engineer sees it, on a grid of at most ~512 cells a side: cost per
    metre grows with slope, with height above the valley floor around (roads keep to valleys)
    and at river crossings (bridges)."""

    def __init__(self, grid, relief):
        coarse = relief.coarse
        self.h = max(1, -(-coarse.n // 512))
        self.cell = coarse.cell * self.h
        self.x0, self.y1 = coarse.x0, coarse.y1
        z = block_mean(relief.z, self.h)
        self.n = z.shape[0]
        gy, gx = np.gradient(z, self.cell)
        slope = np.degrees(np.arctan(np.hypot(gx, gy)))
        above_valley = z - ndimage.gaussian_filter(z, 1000.0 / self.cell)
        river = block_mean(relief.river_distance, self.h) < 0.5 * self.cell
        cost = (1.0 + (slope / 6.0) ** 2) * (1.0 + 1.5 * np.clip(above_valley / 100.0, 0.0, 1.0)) + 3.0 * river
        head, tail, weight = grid_edges(cost, self.cell)
        self.graph = sparse.csr_matrix((weight, (head, tail)), shape=(cost.size, cost.size))

    def node(self, x, y):
        col = np.clip(((np.asarray(x) - self.x0) / self.cell).astype(int), 0, self.n - 1)
        row = np.clip(((self.y1 - np.asarray(y)) / self.cell).astype(int), 0, self.n - 1)
        return row * self.n + col

    def xy(self, nodes):
        row, col = np.divmod(np.asarray(nodes), self.n)
        return np.column_stack([self.x0 + (col + 0.5) * self.cell, self.y1 - (row + 0.5) * self.cell])


def road_exits(rng, grid):
    """Points on the region's edge where roads leave it (towards the rest of the country)."""
    count = max(2, round(grid.extent / 20000.0))
    t = np.sort(rng.uniform(0, 4, count))
    side, f = np.floor(t).astype(int), t % 1
    x = np.choose(side, [grid.x0 + f * grid.extent, np.full(count, grid.x1), grid.x1 - f * grid.extent,
                         np.full(count, grid.x0)])
    y = np.choose(side, [np.full(count, grid.y1), grid.y1 - f * grid.extent, np.full(count, grid.y0),
                         grid.y0 + f * grid.extent])
    return np.column_stack([x, y])


def road_pairs(rng, points, exits):
    """Which places a road joins: the minimum spanning tree of the Delaunay triangulation (every
    settlement reachable) plus about half of its other short edges (loops, as real networks
    have), and each exit to its nearest settlement."""
    n = len(points)
    try:
        triangles = Delaunay(points).simplices
        edges = {tuple(sorted((int(t[i]), int(t[j])))) for t in triangles for i, j in ((0, 1), (1, 2), (0, 2))}
    except QhullError:  # collinear or too few points
        edges = {(a, b) for a in range(n) for b in range(a + 1, n)}
    edges = sorted(edges)
    length = np.array([math.dist(points[a], points[b]) for a, b in edges])
    graph = sparse.csr_matrix((length, ([a for a, _ in edges], [b for _, b in edges])), shape=(n, n))
    tree = minimum_spanning_tree(graph).tocoo()
    pairs = {tuple(sorted((int(a), int(b)))) for a, b in zip(tree.row, tree.col)}
    short = np.median(tree.data) * 1.6 if tree.nnz else 0.0
    for (a, b), d in zip(edges, length):
        if d < short and rng.random() < 0.5:
            pairs.add((a, b))
    nearest = cKDTree(points).query(exits)[1]
    pairs |= {(int(k), n + i) for i, k in enumerate(np.atleast_1d(nearest))}
    return sorted(pairs)


def least_cost_paths(costs, nodes, pairs, batch=32):
    """Node sequences of the cheapest path for each pair, by Dijkstra from each pair's first
    node, in batches of sources, each search cut off at a few times the longest straight line."""
    by_source = {}
    for a, b in pairs:
        by_source.setdefault(a, []).append(b)
    sources = sorted(by_source, key=lambda a: max(math.dist(*costs.xy([nodes[a], nodes[b]])) for b in by_source[a]))
    paths = []
    for start in range(0, len(sources), batch):
        group = sources[start: start + batch]
        reach = max(math.dist(*costs.xy([nodes[a], nodes[b]])) for a in group for b in by_source[a])
        dist, pred = dijkstra(costs.graph, directed=False, indices=[nodes[a] for a in group],
                              return_predecessors=True, limit=4.0 * reach + 4 * costs.cell)
        for k, a in enumerate(group):
            for b in by_source[a]:
                node = nodes[b]
                if not np.isfinite(dist[k, node]):
                    continue
                path = [node]
                while node != nodes[a]:
                    node = pred[k, node]
                    path.append(node)
                paths.append(path[::-1])
    return paths


def merge_paths(paths, stops):
    """The union of the paths as a network: chains of nodes between junctions, dead ends and
    `stops` (the settlements), with the number of paths that use each chain at most."""
    usage = {}
    for path in paths:
        for a, b in zip(path[:-1], path[1:]):
            key = (min(a, b), max(a, b))
            usage[key] = usage.get(key, 0) + 1
    neighbours = {}
    for a, b in usage:
        neighbours.setdefault(a, []).append(b)
        neighbours.setdefault(b, []).append(a)
    breaks = {n for n, adj in neighbours.items() if len(adj) != 2} | (set(stops) & set(neighbours))
    seen, chains = set(), []
    for start in sorted(breaks) + sorted(neighbours):  # the second pass picks up closed loops
        for nxt in sorted(neighbours[start]):
            if (min(start, nxt), max(start, nxt)) in seen:
                continue
            chain = [start, nxt]
            seen.add((min(start, nxt), max(start, nxt)))
            while chain[-1] not in breaks:
                step = [n for n in neighbours[chain[-1]] if (min(chain[-1], n), max(chain[-1], n)) not in seen]
                if not step:
                    break
                seen.add((min(chain[-1], step[0]), max(chain[-1], step[0])))
                chain.append(step[0])
            chains.append((chain, max(usage[(min(a, b), max(a, b))] for a, b in zip(chain[:-1], chain[1:]))))
    return chains


def build_roads(rng, grid, relief, settlements):
    if len(settlements) < 2:
        return []
    costs = CostGrid(grid, relief)
    points = np.array([(s.x, s.y) for s in settlements])
    exits = road_exits(rng, grid)
    ends = np.vstack([points, exits])
    nodes = costs.node(ends[:, 0], ends[:, 1])
    paths = least_cost_paths(costs, nodes, road_pairs(rng, points, exits))
    exact = {int(nodes[i]): ends[i] for i in range(len(ends))}
    roads = []
    for chain, used in merge_paths(paths, set(nodes.tolist())):
        xy = costs.xy(chain)
        # Chains that end at a settlement or an exit end at its exact point, not its cell centre.
        xy[0] = exact.get(chain[0], xy[0])
        xy[-1] = exact.get(chain[-1], xy[-1])
        roads.append(Road(chaikin(moving_average(xy, 3), 3), "main" if used >= 3 else "local"))
    return roads
