"""The region's grids (the fine raster grid and the coarse grid the relief is built on) and the
polyline helpers every other module shares."""
import math
from dataclasses import dataclass

import numpy as np

EPSG = 32638  # WGS 84 / UTM zone 38N, which covers Karabakh
CENTRE = (650000.0, 4405000.0)  # the region is centred here, in EPSG:32638 metres


@dataclass(frozen=True)
class Grid:
    """The output raster grid: size x size square cells of `cell` metres, north up."""

    size: int
    cell: float

    @property
    def extent(self):
        return self.size * self.cell

    @property
    def x0(self):
        """West edge, on a multiple of the cell size so neighbouring runs line up."""
        return self.cell * round((CENTRE[0] - self.extent / 2) / self.cell)

    @property
    def y1(self):
        """North edge."""
        return self.cell * round((CENTRE[1] + self.extent / 2) / self.cell)

    @property
    def x1(self):
        return self.x0 + self.extent

    @property
    def y0(self):
        return self.y1 - self.extent

    @property
    def area_km2(self):
        return self.extent * self.extent / 1e6

    @property
    def geotransform(self):
        return (self.x0, self.cell, 0.0, self.y1, 0.0, -self.cell)

    def cell_of(self, x, y):
        """Row and column of the cells holding points x, y (as GDAL maps points to cells)."""
        col = np.floor((np.asarray(x) - self.x0) / self.cell).astype(np.int64)
        row = np.floor((self.y1 - np.asarray(y)) / self.cell).astype(np.int64)
        return row, col

    def interior(self, x, y, margin=1):
        """True for points at least `margin` cells inside the grid (edge cells have no full 3x3
        neighbourhood, so slope checks there would differ from gdaldem's)."""
        row, col = self.cell_of(x, y)
        return (row >= margin) & (row < self.size - margin) & (col >= margin) & (col < self.size - margin)


@dataclass(frozen=True)
class CoarseGrid:
    """A grid `factor` times coarser than the fine one, padded by `pad` cells on every side so
    cubic interpolation back to the fine grid never runs off its edge."""

    fine: Grid
    factor: int
    pad: int = 2

    @property
    def cell(self):
        return self.fine.cell * self.factor

    @property
    def n(self):
        return -(-self.fine.size // self.factor) + 2 * self.pad

    @property
    def x0(self):
        return self.fine.x0 - self.pad * self.cell

    @property
    def y1(self):
        return self.fine.y1 + self.pad * self.cell

    def centres(self):
        """Cell-centre coordinates: x along columns, y along rows (north to south)."""
        k = np.arange(self.n) + 0.5
        return self.x0 + k * self.cell, self.y1 - k * self.cell

    def index(self, x, y):
        """Fractional (row, col) where integer values are cell centres."""
        return (self.y1 - np.asarray(y)) / self.cell - 0.5, (np.asarray(x) - self.x0) / self.cell - 0.5

    def sample(self, array, x, y):
        """Bilinear value of a coarse array at points x, y."""
        r, c = self.index(x, y)
        r = np.clip(r, 0, self.n - 1.001)
        c = np.clip(c, 0, self.n - 1.001)
        r0, c0 = r.astype(np.int64), c.astype(np.int64)
        fr, fc = r - r0, c - c0
        top = array[r0, c0] * (1 - fc) + array[r0, c0 + 1] * fc
        bottom = array[r0 + 1, c0] * (1 - fc) + array[r0 + 1, c0 + 1] * fc
        return top * (1 - fr) + bottom * fr


def coarse_factor(grid):
    """Fine cells per coarse cell: coarse cells of about 80 m, but at least 64 of them per side."""
    return int(max(1, min(round(80.0 / grid.cell), grid.size // 64)))


def grid_edges(cost, cell):
    """Edges of the 8-connected graph of a grid, each once: (from, to, weight) with flat cell
    indices and weight = edge length x the mean cost of its two cells."""
    n0, n1 = cost.shape
    index = np.arange(n0 * n1).reshape(n0, n1)
    flat = cost.ravel()
    heads, tails, weights = [], [], []
    for dr, dc in ((0, 1), (1, 0), (1, 1), (1, -1)):
        head = index[: n0 - dr, max(0, -dc): n1 - max(0, dc)].ravel()
        tail = index[dr:, max(0, dc): n1 + min(0, dc)].ravel()
        heads.append(head)
        tails.append(tail)
        weights.append(math.hypot(dr, dc) * cell * 0.5 * (flat[head] + flat[tail]))
    return np.concatenate(heads), np.concatenate(tails), np.concatenate(weights)


def chaikin(xy, iterations=3):
    """Corner-cutting smoothing of a polyline; the end points stay where they are."""
    for _ in range(iterations):
        if len(xy) < 3:
            return xy
        a, b = xy[:-1], xy[1:]
        cut = np.empty((2 * len(a), 2))
        cut[0::2] = 0.75 * a + 0.25 * b
        cut[1::2] = 0.25 * a + 0.75 * b
        xy = np.vstack([xy[:1], cut[1:-1], xy[-1:]])
    return xy


def arc_length(xy):
    """Cumulative length along a polyline, starting at 0."""
    return np.concatenate([[0.0], np.cumsum(np.hypot(*np.diff(xy, axis=0).T))])


def resample(xy, step):
    """The polyline with vertices every `step` metres (the last segment may be shorter)."""
    s = arc_length(xy)
    if s[-1] == 0:
        return xy[:1].copy()
    t = np.append(np.arange(0.0, s[-1], step), s[-1])
    return np.column_stack([np.interp(t, s, xy[:, 0]), np.interp(t, s, xy[:, 1])])


def smooth_normals(xy, window):
    """Unit left-hand normals of a polyline, from tangents averaged over `window` vertices, so a
    band offset along them stays parallel to the line without folding on its small wiggles."""
    tangent = np.gradient(xy, axis=0)
    if window > 1:
        kernel = np.ones(window) / window
        tangent = np.column_stack([np.convolve(np.pad(tangent[:, k], window // 2, mode="edge"), kernel, "valid")
                                   [: len(xy)] for k in range(2)])
    tangent /= np.hypot(tangent[:, 0], tangent[:, 1])[:, None]
    return np.column_stack([-tangent[:, 1], tangent[:, 0]])


def harmonic_wiggle(rng, t, amplitudes):
    """Sum of sines sin(pi k t + phase) with the given amplitudes (k = 1, 2, ...): a smooth random
    curve over t in [0, 1]."""
    out = np.zeros_like(t)
    for k, amplitude in enumerate(amplitudes, start=1):
        out += amplitude * math.sqrt(2) * rng.normal(0, 0.7) * np.sin(math.pi * k * t + rng.uniform(0, 2 * math.pi))
    return out


def date_between(rng, start, end, n=None):
    """Uniform random dates (ISO strings) between two ISO dates."""
    a, b = np.datetime64(start), np.datetime64(end)
    days = rng.integers(0, int((b - a).astype(int)) + 1, size=n)
    if n is None:
        return str(a + days)
    return [str(a + d) for d in days]
