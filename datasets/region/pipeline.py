"""The generator's stages in order, each with its own random stream (so a change in one stage
does not reshuffle the others), writing the region's files into one folder."""
import os
import time

import numpy as np
from osgeo import gdal, ogr
from shapely.geometry import LineString, MultiPolygon

from . import conflict, infrastructure, known, landcover, terrain, truth, writers
from .grid import EPSG, Grid
from .picture import render
from .progress import Progress

STAGES = ("relief and rivers", "DEM", "settlements and roads", "front lines and battle areas", "land cover",
          "minefields and devices", "clearance, reports, records", "region.gpkg and truth.gpkg",
          "scenario and summary")
TREELINE = 2300.0  # metres


def generate(out, size, cell, seed, preset=None, quiet=False, picture=None):
    """Writes the region into folder `out` and returns its summary (also in region.json)."""
    started = time.monotonic()
    os.makedirs(out, exist_ok=True)
    grid = Grid(size, cell)
    rng = dict(zip(("relief", "detail", "places", "roads", "lines", "cover", "truth", "known"),
                   map(np.random.default_rng, np.random.SeedSequence(seed).spawn(8))))
    progress = Progress(len(STAGES) + (picture is not None), quiet)
    strips = -(-size // writers.STRIP)

    with progress.stage(STAGES[0]):
        relief = terrain.build_relief(rng["relief"], grid)
    with progress.stage(STAGES[1], strips) as stage:
        dem = write_dem(os.path.join(out, "dem.tif"), grid, terrain.FineDem(rng["detail"], relief), stage)
    with progress.stage(STAGES[2]):
        settlements = infrastructure.place_settlements(rng["places"], grid, relief, dem)
        roads = infrastructure.build_roads(rng["roads"], grid, relief, settlements)
    with progress.stage(STAGES[3]):
        lines = conflict.front_lines(rng["lines"], grid)
        areas = conflict.battle_areas(rng["lines"], grid, lines)
        conflict.abandon_settlements(rng["lines"], settlements, lines, areas)
    with progress.stage(STAGES[4], strips) as stage:
        cover = write_landcover(os.path.join(out, "landcover.tif"), grid, relief, dem, settlements,
                                rng["cover"], stage)
    with progress.stage(STAGES[5]):
        hidden = truth.build_truth(rng["truth"], grid, relief, dem, cover, lines, roads, settlements, areas)
    del cover
    with progress.stage(STAGES[6]):
        knowledge = known.build_known(rng["known"], grid, hidden, roads, settlements)
    with progress.stage(STAGES[7]):
        write_region(os.path.join(out, "region.gpkg"), settlements, roads, relief.rivers, lines, knowledge)
        write_truth(os.path.join(out, "truth.gpkg"), hidden)
    with progress.stage(STAGES[8]):
        title = f"minerisk synthetic region ({preset or 'custom'}, {size} x {size} cells of {cell:g} m, seed {seed})"
        present = {name for name, items in (("finds", knowledge.finds.x), ("cleared", knowledge.cleared),
                                            ("records", knowledge.records)) if len(items)}
        writers.write_scenario(os.path.join(out, "scenario.toml"), title, known.RELIABILITY, terrain.MAX_SLOPE,
                               present)
        summary = summarise(grid, seed, preset, dem, settlements, roads, relief.rivers, lines, hidden, knowledge)
        summary["generation_seconds"] = round(time.monotonic() - started, 1)
        writers.write_json(os.path.join(out, "region.json"), summary)
    if picture is not None:
        with progress.stage("picture"):
            render(out, picture)
    return summary


def write_dem(path, grid, fine, stage):
    """The DEM, strip by strip, also kept in memory (float32) for slopes at points later."""
    dem = np.empty((grid.size, grid.size), np.float32)

    def rows(r0, r1):
        dem[r0:r1] = fine.rows(r0, r1)
        return dem[r0:r1]

    ds = writers.create_geotiff(path, grid, gdal.GDT_Float32, 3, nodata=-9999.0)
    writers.write_strips(ds, rows, grid.size, stage.advance)
    ds = None
    return dem


def write_landcover(path, grid, relief, dem, settlements, rng, stage):
    mask = landcover.burn_mask(rng, grid, relief.rivers, settlements)

    def rows(r0, r1):
        mask[r0:r1] = landcover.classify(dem[r0:r1], terrain.slope_rows(dem, r0, r1, grid.cell),
                                         terrain.upsample_rows(relief.patches, relief.coarse, r0, r1),
                                         mask[r0:r1], TREELINE)
        return mask[r0:r1]

    ds = writers.create_geotiff(path, grid, gdal.GDT_Byte, 2)
    writers.write_strips(ds, rows, grid.size, stage.advance)
    ds = None
    return mask  # now the land cover itself


def line_rows(items, fields_of):
    """Lines simplified to within 1 m (the smoothing leaves vertices every few metres)."""
    return [(LineString(item.xy).simplify(1.0).wkb, fields_of(item)) for item in items]


def write_region(path, settlements, roads, rivers, lines, knowledge):
    gpkg = writers.GeoPackage(path)
    gpkg.layer("settlements", ogr.wkbPoint, {"name": "", "population": 0, "abandoned": False},
               [((s.x, s.y), {"name": s.name, "population": s.population, "abandoned": s.abandoned})
                for s in settlements])
    gpkg.layer("roads", ogr.wkbLineString, {"kind": ""}, line_rows(roads, lambda r: {"kind": r.kind}))
    gpkg.layer("rivers", ogr.wkbLineString, {"catchment_km2": 0.0, "width_m": 0.0},
               line_rows(rivers, lambda r: {"catchment_km2": round(r.catchment_km2, 1), "width_m": round(r.width, 1)}))
    gpkg.layer("front_lines", ogr.wkbLineString,
               {"name": "", "start_date": "2000-01-01", "end_date": "2000-01-01", "kind": ""},
               line_rows(lines, lambda f: {"name": f.name, "start_date": f.start_date, "end_date": f.end_date,
                                           "kind": f.kind}))
    gpkg.layer("records", ogr.wkbPolygon, {"id": "", "reliability": 0.0, "status": "", "date": "2000-01-01"},
               [(r.polygon.wkb, {"id": f"R-{k + 1:05d}", "reliability": known.RELIABILITY, "status": r.status,
                                 "date": r.date}) for k, r in enumerate(knowledge.records)])
    gpkg.layer("cleared", ogr.wkbPolygon, {"id": "", "pod": 0.0, "method": "", "date": "2000-01-01"},
               [(c.polygon.wkb, {"id": f"C-{k + 1:05d}", "pod": round(c.pod, 3), "method": c.method, "date": c.date})
                for k, c in enumerate(knowledge.cleared)])
    f = knowledge.finds
    gpkg.layer("finds", ogr.wkbPoint, {"item": "", "count": 0, "source": "", "event": "", "date": "2000-01-01"},
               [((float(f.x[k]), float(f.y[k])), {"item": f.item[k], "count": f.count[k], "source": f.source[k],
                                                  "event": f.event[k], "date": f.date[k]})
                for k in range(len(f.x))])
    gpkg.close()


def write_truth(path, hidden):
    gpkg = writers.GeoPackage(path)
    gpkg.layer("minefields", ogr.wkbPolygon, {"id": "", "type": "", "devices": 0, "laid": "2000-01-01"},
               [(mf.polygon.wkb, {"id": mf.id, "type": mf.kind, "devices": mf.devices, "laid": mf.laid})
                for mf in hidden.minefields])
    d = hidden.devices
    owner = [mf.id for mf in hidden.minefields]
    gpkg.layer("devices", ogr.wkbPoint, {"item": "", "minefield": "", "fate": ""},
               [((float(d.x[k]), float(d.y[k])), {"item": truth.ITEMS[d.item[k]],
                                                  "minefield": owner[d.field[k]] if d.field[k] >= 0 else "uxo",
                                                  "fate": known.FATES[d.fate[k]]})
                for k in range(len(d))])
    gpkg.layer("battle_areas", ogr.wkbMultiPolygon,
               {"name": "", "start_date": "2000-01-01", "end_date": "2000-01-01", "uxo_per_km2": 0.0},
               [(as_multipolygon(a.polygon).wkb, {"name": a.name, "start_date": a.start_date,
                                                  "end_date": a.end_date, "uxo_per_km2": round(a.uxo_per_km2, 1)})
                for a in hidden.battle_areas])
    gpkg.close()


def as_multipolygon(shape):
    return shape if shape.geom_type == "MultiPolygon" else MultiPolygon([shape])


def summarise(grid, seed, preset, dem, settlements, roads, rivers, lines, hidden, knowledge):
    d, f = hidden.devices, knowledge.finds
    count = lambda values, key: int(sum(1 for v in values if v == key))  # noqa: E731
    return {
        "generator": "datasets/generate_region.py",
        "preset": preset or "custom",
        "size": grid.size,
        "cell_m": grid.cell,
        "seed": seed,
        "crs": f"EPSG:{EPSG}",
        "bounds": [grid.x0, grid.y0, grid.x1, grid.y1],
        "area_km2": round(grid.area_km2, 2),
        "elevation_m": [round(float(dem.min()), 1), round(float(dem.max()), 1)],
        "defended_side": conflict.DEFENDED_SIDE,
        "max_device_slope_deg": terrain.MAX_SLOPE,
        "settlements": {"total": len(settlements), "abandoned": sum(s.abandoned for s in settlements)},
        "roads_km": round(sum(LineString(r.xy).length for r in roads) / 1000, 1),
        "rivers_km": round(sum(LineString(r.xy).length for r in rivers) / 1000, 1),
        "front_lines": len(lines),
        "battle_areas": len(hidden.battle_areas),
        "minefields": {"total": len(hidden.minefields),
                       **{k: count((m.kind for m in hidden.minefields), k) for k in
                          ("belt", "crossing", "pass", "nuisance")}},
        "devices": {"total": len(d), **{item: int((d.item == k).sum()) for k, item in enumerate(truth.ITEMS)},
                    **{fate: int((d.fate == k).sum()) for k, fate in enumerate(known.FATES)}},
        "finds": {"total": len(f.x), "clearance": count(f.source, "clearance"), "report": count(f.source, "report"),
                  "items": int(sum(f.count))},
        "records": {"total": len(knowledge.records),
                    **{s: count((r.status for r in knowledge.records), s) for s in known.RECORD_STATUS},
                    "missing": knowledge.missing_records},
        "cleared": {"polygons": len(knowledge.cleared),
                    "area_ha": round(sum(c.polygon.area for c in knowledge.cleared) / 1e4, 1)},
    }
