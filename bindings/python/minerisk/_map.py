"""minerisk.map: a printable map of a grid, as `minerisk map` draws it."""
from __future__ import annotations

import os

import _minerisk

from ._arguments import checked

from ._paths import _path


def map(grid: str | os.PathLike, output: str | os.PathLike | None = None, *, threads: int = 0,  # noqa: A001
        overwrite: bool = False, **options):
    """The map of a probability grid: the land-release classes over a hillshade, the scenario's
    layers, the hazard areas with their ranks (areas=...), coordinates, scale bar, north arrow,
    legend, provenance and disclaimer.

    With `output` (.pdf or .png) the map is written and a dict says what was drawn (layers,
    warnings, page size, seconds by stage). Without it, the PNG's bytes are returned, e.g. for
    IPython.display.Image(minerisk.map("out/sample.nc", size="A5")).

    Options are the command line's, in Python spelling: areas, variable, extent (xmin, ymin,
    xmax, ymax), size ("A3"), orientation, dpi, title, breaks ("log" or "quantile"), t1, t2,
    dem, hillshade (False for none), roads and settlements (a name or a list of PATH[:LAYER]),
    context (False leaves out the scenario's layers), disclaimer, and qgis_project (a .qgs to
    write beside the map: the same layers for QGIS; given without `output`, only the project is
    written)."""
    return checked(_minerisk.map)(_path(grid, "grid"), None if output is None else _path(output, "output"),
                         {k: (_path(v, k) if isinstance(v, os.PathLike) else v) for k, v in options.items()},
                         threads, overwrite)
