"""Terrain: the relief is built on a coarse grid (about 80 m: mountains in the west grading to a
lowland in the east, fractal hills, ridges), rivers are traced on it by D8 flow accumulation and
carved into it, and the 10 m DEM is interpolated from it strip by strip with fine detail added.

Working coarse keeps a 120-million-cell region to a few float64 arrays of 2 million cells; only
the fine DEM itself (float32) and one strip at a time of float64 work exist at full size."""
import heapq
import math
from dataclasses import dataclass, field

import numpy as np
from scipy import ndimage
from scipy.spatial import cKDTree

from .grid import CoarseGrid, chaikin, coarse_factor

MAX_SLOPE = 35.0  # degrees: no device is laid on steeper ground (tests check it)
DETAIL_PATCH_SIZES = (1024, 1000)  # periodic detail tiles; the pattern repeats only every 128,000 cells
DETAIL_CUTOFF = 2.5  # coarse cells: shorter wavelengths come from the fine detail
# Spectra: (exponent, standard deviation at wavelengths below the reference, reference in metres).
# Longer wavelengths are capped at HILLS_LONGEST: the large-scale shape is the mountain front's.
HILLS = (4.2, 150.0, 8000.0)  # metres of relief
RIDGES = (4.0, 1.0, 6000.0)  # dimensionless: its zero lines become ridge crests
HILLS_LONGEST = 8000.0
VALLEY_REACH = 700.0  # metres from a river at which its valley's cut starts to fade out


@dataclass
class River:
    xy: np.ndarray  # from source to mouth (or to the river it joins)
    catchment_km2: float  # at its last vertex
    width: float  # metres, for the water mask


@dataclass
class Relief:
    coarse: CoarseGrid
    z: np.ndarray  # carved elevation on the coarse grid, metres
    mountain: np.ndarray  # 0 in the lowland .. 1 in the mountains, coarse
    patches: np.ndarray  # unit-std noise at kilometre scale that breaks land cover into patches
    river_distance: np.ndarray  # metres from each coarse centre to the nearest river
    rivers: list = field(default_factory=list)
    z_low: float = 0.0
    z_span: float = 1.0


def spectral_noise(rng, n, cell, beta, longest, cutoff=None, high=False, periodic=False):
    """An n x n Gaussian field whose power spectral density is frequency^-beta (in m^2 per
    (cycle/m)^2, flat beyond wavelengths of `longest` metres). Defined in physical units, the
    same roughness at a given wavelength comes out whatever the region's size and cell. With a
    `cutoff` wavelength the field keeps only the longer wavelengths (or the shorter ones if
    `high`): the coarse relief and the fine detail split one spectrum between them, so the
    coarse grid's own cell size never shows. Non-periodic fields are cut from a larger periodic
    one, so opposite edges do not match."""
    m = n if periodic else int(n * 1.25) + 8
    fy = np.fft.fftfreq(m, d=cell)[:, None]
    fx = np.fft.rfftfreq(m, d=cell)[None, :]
    f = np.maximum(np.hypot(fx, fy), 1.0 / longest)
    # A bin's amplitude is sqrt(PSD) * df * m = sqrt(PSD) / cell for a unit white-noise input.
    spectrum = np.fft.rfft2(rng.standard_normal((m, m))) * (f ** (-beta / 2.0) / cell)
    if cutoff is not None:
        low = np.exp(-((f * cutoff) ** 2))
        spectrum *= 1.0 - low if high else low
    spectrum[0, 0] = 0.0
    return np.fft.irfft2(spectrum, s=(m, m))[:n, :n]


def relief_noise(rng, n, cell, spectrum, longest, cutoff=None, high=False, periodic=False):
    """Fractal relief with spectrum = (beta, std, reference): its wavelengths below `reference`
    metres have standard deviation `std` (the PSD integrated outside the disc of radius
    1/reference is std^2)."""
    beta, std, reference = spectrum
    scale = std * math.sqrt((beta - 2.0) / (2.0 * math.pi * reference ** (beta - 2.0)))
    return scale * spectral_noise(rng, n, cell, beta, longest, cutoff, high, periodic)


def unit_noise(rng, n, cell, beta, longest, cutoff):
    """Zero mean, unit standard deviation (for patterns whose amplitude is set by the caller)."""
    noise = spectral_noise(rng, n, cell, beta, longest, cutoff)
    noise -= noise.mean()
    return noise / noise.std()


def smoothstep(x):
    x = np.clip(x, 0.0, 1.0)
    return x * x * (3.0 - 2.0 * x)


def coarse_relief(rng, coarse):
    """Elevation and mountain-ness on the coarse grid. Amplitudes grow with the region's size
    (up to Karabakh's: lowland near 250 m, ridges near 3000 m), so a small region is a plausible
    piece of foothills rather than a compressed mountain range."""
    extent = coarse.fine.extent
    x, y = coarse.centres()
    xc, yc = coarse.fine.x0 + extent / 2, coarse.fine.y1 - extent / 2
    angle = rng.uniform(-0.35, 0.35)  # the mountain front runs roughly north-south
    u = ((x[None, :] - xc) * math.cos(angle) + (yc - y[:, None]) * math.sin(angle)) / extent + 0.5
    n = coarse.n
    cutoff = DETAIL_CUTOFF * coarse.cell
    warp = unit_noise(rng, n, coarse.cell, 4.0, 0.6 * extent, cutoff)
    hills = relief_noise(rng, n, coarse.cell, HILLS, HILLS_LONGEST, cutoff)
    ridges = relief_noise(rng, n, coarse.cell, RIDGES, HILLS_LONGEST, cutoff)
    patches = unit_noise(rng, n, coarse.cell, 3.0, 3000.0, cutoff)
    mountain = smoothstep((0.85 - u) / 0.7 + 0.12 * warp)
    trend = min(2000.0, 0.06 * extent)
    ridge_height = min(400.0, 0.02 * extent)
    z_low = 180.0 + 0.004 * min(extent, 50000.0)
    # Ridge crests along the zero lines of `ridges`, with a rounded (Gaussian) profile: a sharp
    # crease could not be drawn on the coarse grid and would come out as a staircase.
    z = (z_low + trend * mountain ** 1.4 + (0.1 + 0.9 * mountain ** 2) * hills
         + ridge_height * mountain * np.exp(-0.5 * (ridges / 0.9) ** 2))
    # No sea: deep valleys of the foothills are squeezed smoothly into 20..60 m.
    z = np.where(z < 60.0, 60.0 - 40.0 * np.tanh((60.0 - z) / 40.0), z)
    return z, mountain, patches, z_low, trend + ridge_height


def block_mean(a, g):
    """Mean over g x g blocks (the ragged last row/column of blocks is dropped)."""
    m = a.shape[0] // g
    return a[: m * g, : m * g].reshape(m, g, m, g).mean(axis=(1, 3))


NEIGHBOURS = [(-1, -1), (-1, 0), (-1, 1), (0, 1), (1, 1), (1, 0), (1, -1), (0, -1)]  # clockwise ring


def priority_flood(z, epsilon=0.01):
    """Depression filling (Barnes et al. 2014) from all four edges: every cell ends at least
    `epsilon` above the cell it was reached from, so every cell has a strictly lower neighbour
    and water always finds the edge."""
    rows, cols = z.shape
    filled = z.copy()
    done = np.zeros(z.shape, bool)
    done[[0, -1], :] = done[:, [0, -1]] = True
    heap = [(filled[r, c], r, c) for r, c in zip(*np.nonzero(done))]
    heapq.heapify(heap)
    while heap:
        level, r, c = heapq.heappop(heap)
        for dr, dc in NEIGHBOURS:
            rr, cc = r + dr, c + dc
            if 0 <= rr < rows and 0 <= cc < cols and not done[rr, cc]:
                done[rr, cc] = True
                filled[rr, cc] = max(filled[rr, cc], level + epsilon)
                heapq.heappush(heap, (filled[rr, cc], rr, cc))
    return filled


def d8_receivers(filled):
    """Flat index of each cell's steepest-descent neighbour, or -1 (edge cells drain off the map)."""
    rows, cols = filled.shape
    padded = np.pad(filled, 1, mode="edge")
    best_drop = np.zeros(filled.shape)
    receiver = np.full(filled.shape, -1, np.int64)
    index = np.arange(rows * cols).reshape(rows, cols)
    for dr, dc in NEIGHBOURS:
        drop = (filled - padded[1 + dr: 1 + dr + rows, 1 + dc: 1 + dc + cols]) / math.hypot(dr, dc)
        better = drop > best_drop
        best_drop[better] = drop[better]
        receiver[better] = (index + dr * cols + dc)[better]
    edge = np.zeros(filled.shape, bool)
    edge[[0, -1], :] = edge[:, [0, -1]] = True
    receiver[edge] = -1
    return receiver.ravel()


def accumulate(receiver, filled):
    """Number of cells draining through each cell (itself included), summed from the highest
    cell down so each cell is complete before it passes its total on."""
    total = np.ones(receiver.size)
    for i in np.argsort(-filled.ravel(), kind="stable"):
        if receiver[i] >= 0:
            total[receiver[i]] += total[i]
    return total


def trace_rivers(receiver, accumulation, is_river, order):
    """River cells as chains of flat indices: each from a source downstream to an outlet or to the
    first cell already on a chain (a junction, kept as its last cell). Returns the chains and, for
    each, the index of the chain it joins (or -1)."""
    upstream = np.bincount(receiver[is_river & (receiver >= 0)], minlength=receiver.size)
    owner = np.full(receiver.size, -1, np.int64)
    chains, joins = [], []
    for source in order:
        if not is_river[source] or upstream[source] > 0:
            continue
        chain, i = [], source
        while i >= 0 and owner[i] < 0:
            owner[i] = len(chains)
            chain.append(i)
            i = receiver[i]
        joins.append(int(owner[i]) if i >= 0 else -1)
        if i >= 0:
            chain.append(i)
        chains.append(chain)
    return chains, joins


def river_network(coarse, z, cell_area_km2):
    """Rivers traced on a grid of at most ~384 cells a side (block means of the coarse relief),
    smoothed, with tributaries snapped onto the smoothed river they join."""
    g = max(1, -(-coarse.n // 384))
    zr = block_mean(z, g)
    filled = priority_flood(zr)
    receiver = d8_receivers(filled)
    accumulation = accumulate(receiver, filled) * cell_area_km2 * g * g
    total_km2 = coarse.fine.area_km2
    threshold = min(25.0, 0.02 * total_km2)
    is_river = accumulation >= threshold
    # Highest sources first, so a river's long main stem is traced before its tributaries.
    chains, joins = trace_rivers(receiver, accumulation, is_river, np.argsort(-filled.ravel(), kind="stable"))
    m = zr.shape[0]
    centre = (np.arange(m) * g + (g - 1) / 2.0 + 0.5) * coarse.cell
    # Smoothing over ~700 m rounds off both the D8 zigzag and the straight runs across filled
    # depressions, where the flow follows the flooding order.
    window = 2 * max(1, round(350.0 / (g * coarse.cell))) + 1
    rivers = []
    for chain, join in zip(chains, joins):
        if len(chain) < 3:
            rivers.append(None)
            continue
        rows, cols = np.divmod(np.array(chain), m)
        xy = chaikin(moving_average(np.column_stack([coarse.x0 + centre[cols], coarse.y1 - centre[rows]]), window), 3)
        if join >= 0 and rivers[join] is not None:
            xy[-1] = nearest_point(rivers[join].xy, xy[-1])
        catchment = float(accumulation[chain[-2] if join >= 0 else chain[-1]])
        rivers.append(River(xy, catchment, float(np.clip(4.0 * math.sqrt(catchment), 6.0, 80.0))))
    return [r for r in rivers if r is not None]


def moving_average(xy, window):
    """Vertices averaged over `window` neighbours (fewer near the ends, which stay in place):
    takes the 45-degree zigzag out of a D8 path."""
    if len(xy) <= 2:
        return xy
    out = xy.copy()
    half = window // 2
    for i in range(1, len(xy) - 1):
        k = min(half, i, len(xy) - 1 - i)
        out[i] = xy[i - k: i + k + 1].mean(axis=0)
    return out


def nearest_point(line, p):
    """The point of polyline `line` nearest to p."""
    a, b = line[:-1], line[1:]
    d = b - a
    t = np.clip(((p - a) * d).sum(1) / np.maximum((d * d).sum(1), 1e-12), 0, 1)
    candidates = a + t[:, None] * d
    return candidates[np.argmin(np.hypot(*(candidates - p).T))]


def carve_rivers(coarse, z, mountain, rivers):
    """Cuts each river's valley: its bed descends monotonically from source to mouth (the lowest
    ground so far along it, minus a depth growing with the catchment) with a flat floor a coarse
    cell either side (a narrower valley could not be drawn on the coarse grid and would come out
    beaded); beside it the ground may rise no faster than the valley walls allow (steep in the
    mountains, gentle in the lowland), and the cut fades out beyond VALLEY_REACH metres.
    The bed under a cell is a soft mean over the nearest river points, and the fading keeps
    rivers far apart from cutting each other's ground: taking only the nearest point's bed would
    leave cliffs where two rivers' nearest-point regions meet. Returns the carved relief and
    each coarse cell's distance to the nearest river line."""
    if not rivers:
        return z, np.full(z.shape, np.inf)
    points, beds = [], []
    for river in rivers:
        xy = dense(river.xy, coarse.cell / 2)
        depth = 5.0 + 10.0 * math.log10(1.0 + river.catchment_km2)
        points.append(xy)
        # Smoothed along the river (still descending) so a sudden drop in the lowest ground so
        # far does not draw a step across the valley.
        bed = np.minimum.accumulate(coarse.sample(z, xy[:, 0], xy[:, 1]))
        beds.append(ndimage.uniform_filter1d(bed, 2 * int(VALLEY_REACH / coarse.cell) + 1, mode="nearest") - depth)
    beds = np.concatenate(beds)
    x, y = np.meshgrid(*coarse.centres())
    centres = np.column_stack([x.ravel(), y.ravel()])
    tree = cKDTree(np.vstack(points))
    distance = tree.query(centres, workers=2)[0]
    near = np.flatnonzero(distance < 2 * VALLEY_REACH)  # the cut fades out beyond
    d, nearest = tree.query(centres[near], k=8, workers=2)
    weight = np.exp(-(d - d[:, :1]) / 100.0)
    bed = np.zeros(z.size)
    bed[near] = (weight * beds[nearest]).sum(1) / weight.sum(1)
    bed, distance = bed.reshape(z.shape), distance.reshape(z.shape)
    ceiling = bed + np.maximum(distance - coarse.cell, 0.0) * (0.06 + 0.4 * mountain)
    fade = 1.0 - smoothstep((distance - VALLEY_REACH) / VALLEY_REACH)
    return z - np.maximum(z - ceiling, 0.0) * fade, distance


def dense(xy, step):
    """Vertices at most `step` apart, keeping the originals."""
    out = [xy[:1]]
    for a, b in zip(xy[:-1], xy[1:]):
        k = max(1, int(math.ceil(math.hypot(*(b - a)) / step)))
        out.append(a + (b - a) * (np.arange(1, k + 1) / k)[:, None])
    return np.vstack(out)


def build_relief(rng, grid):
    coarse = CoarseGrid(grid, coarse_factor(grid))
    z, mountain, patches, z_low, z_span = coarse_relief(rng, coarse)
    rivers = river_network(coarse, z, coarse.cell ** 2 / 1e6)
    z, river_distance = carve_rivers(coarse, z, mountain, rivers)
    return Relief(coarse, z, mountain, patches, river_distance, rivers, z_low, z_span)


def cubic_taps(n_fine, factor, pad):
    """For each fine cell along one axis: the first of its four coarse taps and their Catmull-Rom
    weights (coarse centre k sits at fine position (k - pad + 0.5) * factor - 0.5)."""
    u = pad + (np.arange(n_fine) + 0.5) / factor - 0.5
    k = np.floor(u).astype(np.int64)
    t = u - k
    weights = np.column_stack([((-0.5 * t + 1.0) * t - 0.5) * t,
                               (1.5 * t - 2.5) * t * t + 1.0,
                               ((-1.5 * t + 2.0) * t + 0.5) * t,
                               (0.5 * t - 0.5) * t * t])
    return k - 1, weights


def upsample_rows(array, coarse, r0, r1):
    """Fine rows r0..r1 of a coarse array, by separable cubic (Catmull-Rom) interpolation."""
    col_start, col_weights = cubic_taps(coarse.fine.size, coarse.factor, coarse.pad)
    row_start, row_weights = col_start[r0:r1], col_weights[r0:r1]  # the grid is square
    first = row_start[0]
    block = array[first: row_start[-1] + 4]
    across = sum(col_weights[:, j] * block[:, col_start + j] for j in range(4))
    return sum(row_weights[:, j, None] * across[row_start - first + j] for j in range(4))


class FineDem:
    """Produces the fine DEM strip by strip: the coarse relief interpolated, plus the hills'
    spectrum below DETAIL_CUTOFF coarse cells (tiled from two periodic patches), stronger in the
    mountains."""

    def __init__(self, rng, relief):
        self.relief = relief
        coarse = relief.coarse
        cell = coarse.fine.cell
        self.detail = [relief_noise(rng, n, cell, HILLS, HILLS_LONGEST, DETAIL_CUTOFF * coarse.cell, high=True,
                                    periodic=True)
                       .astype(np.float32) for n in DETAIL_PATCH_SIZES] if coarse.factor > 1 else []

    def rows(self, r0, r1):
        relief = self.relief
        size = relief.coarse.fine.size
        z = upsample_rows(relief.z, relief.coarse, r0, r1)
        if self.detail:
            height = np.clip((z - relief.z_low) / relief.z_span, 0.0, 1.0)
            detail = sum(p[np.ix_(np.arange(r0, r1) % p.shape[0], np.arange(size) % p.shape[1])]
                         for p in self.detail)
            z += (0.1 + 0.9 * height) * detail / math.sqrt(len(self.detail))
        return z.astype(np.float32)


def horn_slope(window, cell):
    """Horn's slope in degrees of the interior of a window (one cell smaller on every side)."""
    w = window.astype(np.float64)
    a, b, c = w[:-2, :-2], w[:-2, 1:-1], w[:-2, 2:]
    d, f = w[1:-1, :-2], w[1:-1, 2:]
    g, h, i = w[2:, :-2], w[2:, 1:-1], w[2:, 2:]
    dzdx = ((c + 2 * f + i) - (a + 2 * d + g)) / (8 * cell)
    dzdy = ((g + 2 * h + i) - (a + 2 * b + c)) / (8 * cell)
    return np.degrees(np.arctan(np.hypot(dzdx, dzdy)))


def slope_rows(dem, r0, r1, cell):
    """Slope of rows r0..r1 of the whole DEM; beyond its edges the edge cells are repeated."""
    top, bottom = max(r0 - 1, 0), min(r1 + 1, dem.shape[0])
    pad_top, pad_bottom = int(top == r0), int(bottom == r1)
    window = np.pad(dem[top:bottom], ((pad_top, pad_bottom), (1, 1)), mode="edge")
    return horn_slope(window, cell)


def slope_at(dem, row, col, cell):
    """Horn slope at given interior cells (as gdaldem computes it there)."""
    window = np.stack([np.stack([dem[row + dr, col + dc] for dc in (-1, 0, 1)]) for dr in (-1, 0, 1)])
    return horn_slope(window, cell)[0, 0]  # window is 3 x 3 x points
