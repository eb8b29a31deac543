"""The regular latitude/longitude lattice of the RELand grid's cell centres, rebuilt from the CSV's
coordinates by datasets/import_antioquia.py, and each row's cell on it."""
import numpy as np


LAT, LON = "LATITUD_Y", "LONGITUD_X"  # the CSV's coordinate columns


class InputError(Exception):
    """A problem with the input CSV or the output folder: one line, exit code 2."""


# A row may sit this far (as a fraction of the spacing) from its lattice centre: about 1 m here,
# loose enough for coordinates printed with 5 decimals, far too tight for an irregular grid.
LATTICE_TOLERANCE = 1e-3
# A lattice this many times larger than the rows it holds, and above MIN_SPARSE_CELLS, is taken for a
# stray row far from the others (RELand's Antioquia fills 7,000 of its 11,648 cells).
MAX_CELLS_PER_ROW, MIN_SPARSE_CELLS = 100, 1_000_000
# Distinct coordinates closer than this (degrees, 0.1 mm) are the same lattice line printed with
# different rounding; they must not pull the estimated spacing towards zero.
SAME_COORDINATE = 1e-9


class Lattice:
    """The regular lat/lon grid of cell centres and each CSV row's (row, col) cell on it."""

    def __init__(self, table):
        dx, west, self.width, col = axis_lattice(table.lon, LON)
        dy, south, self.height, lat_index = axis_lattice(table.lat, LAT)
        self.row = (self.height - 1) - lat_index  # north-up: row 0 holds the northernmost centres
        self.col = col
        self.spacing = (dx, dy)
        north = south + (self.height - 1) * dy
        if north + dy / 2 > 90.0 or south - dy / 2 < -90.0:
            raise InputError(f"{LAT}: the cells, centred from {south!r} to {north!r} degrees and {dy:.10g} high, would "
                             f"reach beyond the pole; leave out the rows whose cell crosses it")
        refuse_sparse(table, self.width, self.height, dx, dy)
        # GDAL's geotransform starts at the outer corner of the north-west cell, half a cell out.
        self.geotransform = (west - dx / 2, dx, 0.0, north + dy / 2, 0.0, -dy)
        self.misfit = max(np.abs(table.lon - self.centre_lon()).max(), np.abs(table.lat - self.centre_lat()).max())
        refuse_shared_cells(table, self)

    def centre_lon(self):
        """Longitude of each CSV row's lattice cell centre."""
        x0, dx = self.geotransform[0], self.geotransform[1]
        return x0 + (self.col + 0.5) * dx

    def centre_lat(self):
        y0, dy = self.geotransform[3], self.geotransform[5]
        return y0 + (self.row + 0.5) * dy

    def grid(self, values, dtype, nodata):
        """A height x width array with values at the rows' cells and nodata elsewhere."""
        array = np.full((self.height, self.width), nodata, dtype=dtype)
        array[self.row, self.col] = values
        return array


def axis_lattice(values, name):
    """Spacing, first centre, number of centres and each value's integer index along one axis."""
    unique = np.unique(values)
    steps = np.diff(unique)
    steps = steps[steps > SAME_COORDINATE]
    if steps.size == 0:
        raise InputError(f"{name}: all rows share one value, so the grid spacing cannot be derived")
    # The median step is the spacing even where whole lattice lines are missing (steps of 2, 3...);
    # dividing the full span by the number of steps then gives it with the least rounding.
    span = unique[-1] - unique[0]
    intervals = int(round(span / np.median(steps)))
    spacing = span / intervals
    index = np.rint((values - unique[0]) / spacing).astype(np.int64)
    misfit = np.abs(values - (unique[0] + index * spacing))
    if misfit.max() > LATTICE_TOLERANCE * spacing:
        raise InputError(f"{name}: the value {values[misfit.argmax()]!r} lies {misfit.max():.3g} degrees off the "
                         f"regular lattice of spacing {spacing:.10g} derived from the column; not a regular grid")
    return spacing, unique[0], intervals + 1, index


def refuse_sparse(table, width, height, dx, dy):
    cells = width * height
    if cells > MIN_SPARSE_CELLS and cells > MAX_CELLS_PER_ROW * len(table.lat):
        far = np.argmax(np.hypot((table.lon - np.median(table.lon)) / dx, (table.lat - np.median(table.lat)) / dy))
        raise InputError(f"the {len(table.lat)} rows span a {width} x {height} lattice ({cells} cells), mostly "
                         f"empty; line {table.line_numbers[far]} (lat {table.lat[far]!r}, lon {table.lon[far]!r}) "
                         f"lies farthest from the others: check it, or import far-apart areas as separate grids")


def refuse_shared_cells(table, lattice):
    cell = lattice.row * lattice.width + lattice.col
    order = np.argsort(cell, kind="stable")
    same = np.flatnonzero(np.diff(cell[order]) == 0)
    if same.size:
        first, second = order[same[0]], order[same[0] + 1]
        raise InputError(f"lines {table.line_numbers[first]} and {table.line_numbers[second]} fall in the same "
                         f"grid cell (lat {table.lat[first]!r}, lon {table.lon[first]!r})")


def refuse_off_the_globe(path, lat, lon, line_numbers):
    """Latitudes within +-90 and longitudes within +-180 degrees, on one side of the 180th meridian:
    a lattice across it would run the long way round the globe."""
    for name, values, limit in ((LAT, lat, 90.0), (LON, lon, 180.0)):
        bad = np.flatnonzero(np.abs(values) > limit)
        if bad.size:
            raise InputError(f"{path}: line {line_numbers[bad[0]]}: {name} {values[bad[0]]!r} is beyond +-{limit:g} "
                             f"degrees; give WGS 84 degrees")
    if lon.max() - lon.min() > 180.0:
        raise InputError(f"{path}: the longitudes run from {lon.min():g} to {lon.max():g} degrees: a region across "
                         f"the 180th meridian is not supported; import its two sides as two grids")
