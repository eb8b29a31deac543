"""minerisk.areas: hazard areas as a table (a GeoDataFrame when geopandas is installed)."""
from __future__ import annotations

import os

import _minerisk

from ._arguments import checked

from ._paths import _path


def areas(grid: str | os.PathLike, output: str | os.PathLike | None = None, *, threads: int = 0,
          overwrite: bool = False, **options):
    """Hazard areas from a probability grid, as `minerisk areas` delineates, scores and ranks them.

    Returns a geopandas.GeoDataFrame (a pandas.DataFrame with shapely geometries when geopandas
    is not installed: geopandas.GeoDataFrame(table, crs=table.attrs["crs_wkt"]) converts it),
    one row per area by rank, with the columns of the GeoPackage's layer `areas` (the evidence
    means as ev_<layer>, an existing polygon's attributes as their own columns) and the
    summary in table.attrs["summary"]. With `output` (a .gpkg) the GeoPackage is written too.

    Options are the command line's, in Python spelling: t1, t2, capture_t1, capture_t2,
    min_area (ha), smooth (m), dem, access (a name or a list of PATH[:LAYER]), impact, cost,
    truth, impact_weight, area_weight, slope_weight, access_weight, budget_ha, budget,
    polygons, where, reduce, csv, json, variable."""
    import pandas as pd
    from shapely import wkb

    result = checked(_minerisk.areas)(_path(grid, "grid"), None if output is None else _path(output, "output"),
                             {k: (_path(v, k) if isinstance(v, os.PathLike) else v) for k, v in options.items()},
                             threads, overwrite, True)
    rows = []
    for area in result["table"]:
        row = {k: v for k, v in area.items() if k not in ("evidence", "attributes")}
        row.update({f"ev_{name}": value for name, value in area["evidence"].items()})
        row.update(area.get("attributes", {}))  # by column: a field named like a figure is src_<name>
        rows.append(row)
    geometry = [wkb.loads(bytes(b)) for b in result["wkb"]]
    summary = {k: v for k, v in result.items() if k not in ("table", "wkb", "release_wkb", "attribute_columns")}
    try:
        import geopandas as gpd
    except ImportError:
        table = pd.DataFrame(rows)
        table["geometry"] = geometry
    else:
        table = gpd.GeoDataFrame(pd.DataFrame(rows), geometry=geometry, crs=result["crs_wkt"])
    if any(b is not None for b in result["release_wkb"]):
        table["release"] = [None if b is None else wkb.loads(bytes(b)) for b in result["release_wkb"]]
    table.attrs["summary"] = summary
    table.attrs["crs_wkt"] = result["crs_wkt"]
    return table
