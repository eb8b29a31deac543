"""Helpers for the reference tests of `minerisk areas`: grids written with GDAL, the command run,
its outputs read back, and the brute-force figures computed independently in numpy/shapely."""
import itertools
import json

import numpy as np
import shapely.vectorized
import shapely.wkb
from shapely.geometry import Point
from osgeo import gdal, ogr, osr

from conftest import run_minerisk

gdal.UseExceptions()

X0, Y0 = 500000.0, 4000000.0  # a UTM 38N origin (north-west corner)


def srs_wkt(epsg):
    s = osr.SpatialReference()
    s.ImportFromEPSG(epsg)
    s.SetAxisMappingStrategy(osr.OAMS_TRADITIONAL_GIS_ORDER)
    return s.ExportToWkt()


def write_grid(path, p, gt=(X0, 10.0, 0.0, Y0, 0.0, -10.0), epsg=32638, nodata=None, dtype=gdal.GDT_Float32):
    """A single-band GeoTIFF of `p` (rows north to south)."""
    ds = gdal.GetDriverByName("GTiff").Create(str(path), p.shape[1], p.shape[0], 1, dtype)
    ds.SetGeoTransform(gt)
    ds.SetProjection(srs_wkt(epsg))
    band = ds.GetRasterBand(1)
    if nodata is not None:
        band.SetNoDataValue(nodata)
    band.WriteArray(p)
    ds = None
    return path


def bumps(h, w, centres, base=0.01):
    """Gaussian bumps (row, col, height, width in cells) over a low base: clear blobs, so areas
    exist, with soft edges, so both classes and cells on the thresholds' either side occur."""
    yy, xx = np.mgrid[0:h, 0:w]
    p = np.full((h, w), base)
    for r, c, height, s in centres:
        p = p + height * np.exp(-((xx - c) ** 2 + (yy - r) ** 2) / (2.0 * s * s))
    return np.clip(p, 0, 1).astype(np.float32)


def run_areas(grid, out_dir, *args, name="a"):
    """Runs `minerisk areas GRID -o NAME.gpkg --json NAME.json ARGS`; returns the process, the
    JSON (None on failure) and the path of the GeoPackage."""
    gpkg, js = out_dir / f"{name}.gpkg", out_dir / f"{name}.json"
    r = run_minerisk("areas", grid, "-o", gpkg, "--json", js, "-q", "--overwrite", *args)
    return r, (json.loads(js.read_text()) if r.returncode == 0 else None), gpkg


def features(gpkg, layer="areas"):
    """Every feature of a layer: its fields as a dict, with its geometry (shapely) as 'geom'."""
    ds = ogr.Open(str(gpkg))
    out = []
    for f in ds.GetLayerByName(layer):
        row = {k: f.GetField(k) for k in f.keys()}
        g = f.GetGeometryRef()
        row["geom"] = shapely.wkb.loads(bytes(g.ExportToIsoWkb())) if g is not None else None
        out.append(row)
    return out


def read_grid(path):
    """(values as float64 with no-data as NaN, geotransform) of a GDAL raster's band 1."""
    ds = gdal.Open(str(path))
    band = ds.GetRasterBand(1)
    v = band.ReadAsArray().astype(np.float64)
    nd = band.GetNoDataValue()
    if nd is not None:
        v[v == nd] = np.nan
    scale, offset = band.GetScale(), band.GetOffset()
    if scale not in (None, 1.0) or offset not in (None, 0.0):
        v = v * (scale or 1.0) + (offset or 0.0)
    return v, ds.GetGeoTransform()


def centres(gt, shape):
    """Cell-centre coordinates (arrays of the grid's shape) of a north-up geotransform."""
    rows, cols = np.mgrid[0:shape[0], 0:shape[1]]
    return gt[0] + (cols + 0.5) * gt[1], gt[3] + (rows + 0.5) * gt[5]


def rasterized(geom, gt, shape):
    """The cells GDAL's RasterizeLayer burns for the polygon by its default rule (the centre
    inside, with GDAL's fixed tie-break for centres on an edge)."""
    ds = gdal.GetDriverByName("MEM").Create("", shape[1], shape[0], 1, gdal.GDT_Byte)
    ds.SetGeoTransform(gt)
    source = ogr.GetDriverByName("Memory").CreateDataSource("")  # kept: the layer lives in it
    layer = source.CreateLayer("p", srs=None)
    f = ogr.Feature(layer.GetLayerDefn())
    f.SetGeometry(ogr.CreateGeometryFromWkb(geom.wkb))
    layer.CreateFeature(f)
    gdal.PushErrorHandler("CPLQuietErrorHandler")  # no SRS on the layer: same CRS, by design
    gdal.RasterizeLayer(ds, [1], layer, burn_values=[1])
    gdal.PopErrorHandler()
    return ds.GetRasterBand(1).ReadAsArray().astype(bool)


def inside(geom, gt, shape):
    """The cells whose centre lies inside the polygon (holes excluded), by shapely. Generalised
    polygons have edges through cell centres (a simplified stair step runs corner to corner):
    there the engine counts the centre for the polygon on its east side (a centre on a
    polygon's west edge is in, on its east edge out), so that two polygons sharing the edge
    never both count it. Shifting the centres a hair east applies that rule; strictly inside
    or outside centres are unaffected."""
    x, y = centres(gt, shape)
    return shapely.vectorized.contains(geom, x + 1e-6 * abs(gt[1]), y)


def ambiguous(geom, gt, shape):
    """Cells whose centre lies within a hair (1e-6 cell) of an edge: buffered and simplified
    vertices put some centres 1e-10 m off an edge, closer than the engine's scanline crossing
    (x ~ 1e6, so ~1e-10 m rounding) can tell; there either answer is right."""
    x, y = centres(gt, shape)
    h = 1e-6 * max(abs(gt[1]), abs(gt[5]))
    seen = [shapely.vectorized.contains(geom, x + dx, y + dy) for dx, dy in ((0, 0), (h, 0), (-h, 0), (0, h), (0, -h))]
    return np.any([s != seen[0] for s in seen[1:]], axis=0)


def area_mask(geom, gt, shape, row, p, cell_m2):
    """The area's cells: the centre rule, with each ambiguous cell (see above) settled by the
    subset of them that reproduces the engine's count and expected hectares (the east rule
    first); None when no subset does."""
    east = inside(geom, gt, shape)
    amb = np.argwhere(ambiguous(geom, gt, shape))
    if len(amb) > 14:
        return east
    base = east.copy()
    base[tuple(amb.T)] = False
    first = [k for k, (i, j) in enumerate(amb) if east[i, j]]
    options = [tuple(first)] + [c for n in range(len(amb) + 1) for c in itertools.combinations(range(len(amb)), n)]
    for choice in options:
        mask = base.copy()
        for k in choice:
            mask[tuple(amb[k])] = True
        b = brute_figures(mask, p, cell_m2)
        close = abs(b["expected_ha"] - row["expected_ha"]) <= 1e-9 * max(row["expected_ha"], 1e-9)
        if b["cells"] == row["cells"] and close:
            return mask
    return None


def on_boundary(geom, gt, shape):
    """Cells whose centre lies on the polygon's boundary (within a hair)."""
    x, y = centres(gt, shape)
    tol = 1e-7 * max(abs(gt[1]), abs(gt[5]))
    b = geom.boundary
    return np.array([[b.distance(Point(x[i, j], y[i, j])) <= tol for j in range(shape[1])] for i in range(shape[0])])


def projected_cell_area(gt, shape):
    return np.full(shape, abs(gt[1] * gt[5]))


def brute_figures(mask, p, cell_m2):
    """What an area's figures are by definition, from its cells (mask) and the probability p."""
    ok = mask & ~np.isnan(p)
    area = cell_m2[ok].sum() / 1e4
    expected = (p[ok] * cell_m2[ok]).sum() / 1e4
    return {"cells": int(ok.sum()), "area_ha": area, "expected_ha": expected,
            "density": expected / area if area > 0 else np.nan,
            "max_p": float(p[ok].max()) if ok.any() else np.nan}


def check_areas_against_grid(result, gpkg, p, gt, cell_m2, min_area):
    """Every brute-force check that needs no context: per-area figures, ranks, priority,
    cumulative share, the sum identity, the rest, the unit, validity and no overlaps. Returns the
    features by id."""
    shape = p.shape
    feats = {f["id"]: f for f in features(gpkg)}
    table = result["table"]
    assert len(feats) == len(table) == result["areas"]
    valid = ~np.isnan(p)
    assert result["land_ha"] == approx_rel(cell_m2[valid].sum() / 1e4)
    total = (p[valid] * cell_m2[valid]).sum() / 1e4
    assert result["expected_ha"] == approx_rel(total)
    covered = np.zeros(shape, int)
    for row in table:
        f = feats[row["id"]]
        g = f["geom"]
        assert g.is_valid, (row["id"], "invalid geometry")
        mask = area_mask(g, gt, shape, row, p, cell_m2)
        assert mask is not None, (row["id"], "no choice of the cells on its edges gives its figures")
        covered += mask
        b = brute_figures(mask, p, cell_m2)
        assert row["cells"] == b["cells"] == f["cells"], (row["id"], row["cells"], b["cells"])
        for key in ("area_ha", "expected_ha", "density"):
            assert row[key] == approx_rel(b[key]), (row["id"], key, row[key], b[key])
            assert f[key] == approx_rel(b[key], 1e-9), (row["id"], key, "gpkg")
        assert row["mean_p"] == approx_rel(b["density"])
        assert row["max_p"] == approx_rel(b["max_p"], 1e-7)
        # The minimum mapping unit: both the land and the drawn shape.
        assert row["area_ha"] >= min_area - 1e-9 and row["shape_ha"] >= min_area - 1e-9, row
        assert row["class"] in ("technical_survey", "clearance")
        if np.all(cell_m2 == cell_m2.flat[0]):  # projected: the polygon's own planar area
            assert row["shape_ha"] == approx_rel(g.area / 1e4, 1e-9), (row["id"], "shape_ha")
    # The summary's classes: count and hectares by class, from the table.
    classes = {}
    for row in table:
        c = classes.setdefault(row["class"], {"count": 0, "ha": 0.0})
        c["count"] += 1
        c["ha"] += row["area_ha"]
    assert result["classes"].keys() == classes.keys()
    for name, c in classes.items():
        assert result["classes"][name]["count"] == c["count"]
        assert result["classes"][name]["ha"] == approx_rel(c["ha"])
    # Delineated areas, of one class or of two, never share land (interiors disjoint).
    geoms = [feats[row["id"]]["geom"] for row in table]
    for i in range(len(geoms)):
        for j in range(i + 1, len(geoms)):
            assert geoms[i].intersection(geoms[j]).area <= 1e-6 * min(geoms[i].area, geoms[j].area), (i, j)
    assert covered.max(initial=0) <= 1
    # The rest: cells in no area, counted independently.
    rest = (covered == 0) & valid
    rest_expected = (p[rest] * cell_m2[rest]).sum() / 1e4
    assert result["rest_expected_ha"] == approx_rel(rest_expected, 1e-9, 1e-12)
    assert result["rest_ha"] == approx_rel(cell_m2[rest].sum() / 1e4, 1e-9, 1e-12)
    assert result["areas_expected_ha"] + result["rest_expected_ha"] == approx_rel(result["expected_ha"], 1e-9)
    # Priority with no weights: density over the largest; rank 1 the highest; cumulative share.
    if table:
        top = max(r["density"] for r in table)
        cum = 0.0
        for k, row in enumerate(table):
            assert row["rank"] == k + 1
            assert row["priority"] == approx_rel(row["density"] / top)
            if k:
                assert row["priority"] <= table[k - 1]["priority"]
            cum += row["expected_ha"]
            assert row["cum_share"] == approx_rel(cum / total)
    return feats


def approx_rel(value, rel=1e-9, abs_=1e-12):
    import pytest
    return pytest.approx(value, rel=rel, abs=abs_)
