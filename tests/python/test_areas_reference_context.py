"""Reference tests of `minerisk areas` figures that need context: the evidence means and slope of
a `minerisk run` output, true items, access distance, and given polygons (--polygons, --reduce),
each recomputed by brute force (numpy, shapely, GDAL, gdaldem)."""
import datetime
import subprocess
import sys

import numpy as np
import pyproj
import pytest
from osgeo import ogr, osr
from shapely.geometry import LineString, Point, Polygon
from shapely.ops import transform, unary_union
from shapely.validation import make_valid

from areas_helpers import (X0, Y0, approx_rel, area_mask, bumps, centres, check_areas_against_grid, features, inside,
                           projected_cell_area, read_grid, run_areas, srs_wkt, write_grid)
from conftest import ROOT, run_minerisk, scenario_text

GT = (X0, 10.0, 0.0, Y0, 0.0, -10.0)
BLOBS = [(20, 20, 0.9, 5.0), (40, 60, 0.4, 6.0), (12, 62, 0.7, 3.0)]


def write_layer(path, name, geom_type, rows, fields=(), epsg=32638):
    """A GeoPackage layer (EPSG:32638 by default): rows of (shapely geometry, {field: value})."""
    ds = ogr.GetDriverByName("GPKG").CreateDataSource(str(path)) if not path.exists() else ogr.Open(str(path), 1)
    srs = osr.SpatialReference()
    srs.ImportFromWkt(srs_wkt(epsg))
    layer = ds.CreateLayer(name, srs, geom_type)
    for fname, ftype in fields:
        layer.CreateField(ogr.FieldDefn(fname, ftype))
    for geom, values in rows:
        f = ogr.Feature(layer.GetLayerDefn())
        for k, v in values.items():
            if isinstance(v, datetime.date):
                f.SetField(k, v.year, v.month, v.day, 0, 0, 0, 0)
            elif v is not None:
                f.SetField(k, v)
        if geom is not None:  # None: a feature without a geometry
            f.SetGeometry(ogr.CreateGeometryFromWkb(geom.wkb))
        layer.CreateFeature(f)
    ds = None
    return f"{path}:{name}"


@pytest.fixture(scope="module")
def run_output(tmp_path_factory):
    """A `minerisk run` over a 120 x 120 sample region (10 m cells): OUT.nc, OUT_evidence.nc,
    and the scenario's DEM."""
    sys.path.insert(0, str(ROOT / "datasets"))
    import generate_sample
    d = tmp_path_factory.mktemp("areas_run")
    generate_sample.generate(str(d / "region"), seed=3, size=120, cell=10.0)
    scenario = d / "scenario.toml"
    scenario.write_text(scenario_text(d / "region"))
    out = d / "out.nc"
    r = run_minerisk("run", scenario, "-o", out, "-q", "--no-picture")
    assert r.returncode == 0, r.stderr
    return out, d / "region" / "dem.tif"


def test_run_output_figures_evidence_and_slope(run_output, tmp_path):
    out, dem = run_output
    p, gt = read_grid(f'NETCDF:"{out}":probability')
    r, result, gpkg = run_areas(out, tmp_path, "--min-area", "0.2")
    assert r.returncode == 0, r.stderr
    assert len(result["table"]) >= 2
    feats = check_areas_against_grid(result, gpkg, p, gt, projected_cell_area(gt, p.shape), 0.2)
    # Evidence: each layer's mean over the area's cells where it and p are numbers.
    evidence = out.with_name(out.stem + "_evidence.nc")
    layers = {name: read_grid(f'NETCDF:"{evidence}":{name}')[0] for name in result["table"][0]["evidence"]}
    assert len(layers) >= 3
    # Slope: Horn's method with edges extrapolated, as gdaldem computes it.
    slope_tif = tmp_path / "slope.tif"
    subprocess.run(["gdaldem", "slope", "-compute_edges", "-q", str(dem), str(slope_tif)], check=True)
    slope, slope_gt = read_grid(slope_tif)
    assert slope_gt == pytest.approx(gt) and slope.shape == p.shape
    for row in result["table"]:
        mask = area_mask(feats[row["id"]]["geom"], gt, p.shape, row, p, projected_cell_area(gt, p.shape))
        mask &= ~np.isnan(p)
        means = {}
        for name, values in layers.items():
            ok = mask & ~np.isnan(values)
            means[name] = values[ok].mean()
            assert row["evidence"][name] == pytest.approx(means[name], abs=1e-6), (row["id"], name)
        assert row["dominant"] == max(means, key=means.get), (row["id"], means)
        assert row["slope_deg"] == pytest.approx(slope[mask].mean(), abs=1e-3), row["id"]
    # The GeoPackage carries the same means as ev_ fields.
    for row in result["table"]:
        for name in layers:
            assert feats[row["id"]]["ev_" + name] == pytest.approx(row["evidence"][name], rel=1e-9)


@pytest.mark.parametrize("dy", [-10.0, -20.0])
def test_slope_from_a_given_dem_on_the_grids_edges(tmp_path, dy):
    # A DEM with a curved surface, and an area reaching the grid's edges: the edge cells' slope
    # needs the extrapolation; non-square cells need Horn's two spacings.
    GT = (X0, 10.0, 0.0, Y0, 0.0, dy)
    p = bumps(40, 50, [(0, 0, 0.9, 8.0), (39, 49, 0.8, 6.0)])
    grid = write_grid(tmp_path / "g.tif", p, GT)
    yy, xx = np.mgrid[0:40, 0:50]
    z = (0.02 * (xx - 10.0) ** 2 + 0.5 * yy + 3.0 * np.sin(xx / 4.0) * np.cos(yy / 5.0)) * 10.0
    dem = write_grid(tmp_path / "dem.tif", z.astype(np.float32), GT)
    r, result, gpkg = run_areas(grid, tmp_path, "--dem", dem, "--min-area", "0.2")
    assert r.returncode == 0, r.stderr
    subprocess.run(["gdaldem", "slope", "-compute_edges", "-q", str(dem), str(tmp_path / "s.tif")], check=True)
    slope, _ = read_grid(tmp_path / "s.tif")
    feats = {f["id"]: f for f in features(gpkg)}
    edge_cells = 0
    for row in result["table"]:
        cell_m2 = projected_cell_area(GT, p.shape)
        mask = area_mask(feats[row["id"]]["geom"], GT, p.shape, row, p.astype(np.float64), cell_m2)
        edge_cells += mask[0, :].sum() + mask[-1, :].sum() + mask[:, 0].sum() + mask[:, -1].sum()
        assert row["slope_deg"] == pytest.approx(slope[mask].mean(), abs=1e-3), row["id"]
    assert edge_cells > 0


def test_true_items_are_counted_by_half_open_cells(tmp_path):
    p = bumps(60, 80, BLOBS)
    p[18:23, 18:23] = np.nan  # no-data inside the high blob's area: its items count nowhere
    grid = write_grid(tmp_path / "g.tif", p, GT)
    rng = np.random.default_rng(7)
    # Random points, points on cell edges and corners (half-open cells: a point on an edge is
    # in the cell to its east or south, as floor() gives), points off the grid, and points in
    # no-data cells (counted nowhere: neither in an area nor in the grid's total).
    pts = [Point(X0 + rng.uniform(0, 800), Y0 - rng.uniform(0, 600)) for _ in range(300)]
    pts += [Point(X0 + 10.0 * c, Y0 - 10.0 * r) for r in range(5, 50, 3) for c in range(5, 75, 4)]
    pts += [Point(X0 + 10.0 * c + 3.0, Y0 - 10.0 * r) for r in range(5, 50, 7) for c in range(5, 75, 7)]
    pts += [Point(X0 - 5.0, Y0 - 5.0), Point(X0 + 805.0, Y0 - 5.0)]
    pts += [Point(X0 + 10.0 * c + 5.0, Y0 - 10.0 * r - 5.0) for r in range(18, 23) for c in range(18, 23)]
    truth = write_layer(tmp_path / "truth.gpkg", "items", ogr.wkbPoint, [(q, {}) for q in pts])
    r, result, gpkg = run_areas(grid, tmp_path, "--truth", truth)
    assert r.returncode == 0, r.stderr
    counts = np.zeros(p.shape)
    no_data = outside = 0
    for q in pts:
        c, rr = int(np.floor((q.x - X0) / 10.0)), int(np.floor((Y0 - q.y) / 10.0))
        if not (0 <= rr < p.shape[0] and 0 <= c < p.shape[1]):
            outside += 1
        elif np.isnan(p[rr, c]):
            no_data += 1
        else:
            counts[rr, c] += 1
    feats = {f["id"]: f for f in features(gpkg)}
    total_in = 0
    for row in result["table"]:
        cell_m2 = projected_cell_area(GT, p.shape)
        mask = area_mask(feats[row["id"]]["geom"], GT, p.shape, row, p.astype(np.float64), cell_m2)
        assert row["true_items"] == counts[mask].sum(), row["id"]
        total_in += counts[mask].sum()
    assert total_in > 10
    assert result["truth"]["true_items"] == counts.sum()
    assert result["truth"]["items_in_areas"] == total_in
    # The items the figures leave out are counted, as evaluate counts them: none lost unseen.
    assert outside >= 2 and no_data >= 25  # the points placed off the grid and in its no-data block
    assert result["truth"]["true_items_outside_grid"] == outside
    assert result["truth"]["true_items_without_probability"] == no_data
    said = run_minerisk("areas", grid, "-o", tmp_path / "said.gpkg", "--truth", truth).stdout
    assert f"truth: not scored: {no_data} items on cells without a probability (no data), {outside} outside the grid" \
        in said, said


def test_access_is_the_least_centre_distance_to_a_road(tmp_path):
    p = bumps(60, 80, BLOBS)
    grid = write_grid(tmp_path / "g.tif", p, GT)
    roads = [LineString([(X0 - 50, Y0 - 333.3), (X0 + 420.7, Y0 - 280.1), (X0 + 900, Y0 - 650)]),
             LineString([(X0 + 611.1, Y0 + 20), (X0 + 655.5, Y0 - 140.2)])]
    layer = write_layer(tmp_path / "roads.gpkg", "roads", ogr.wkbLineString, [(g, {}) for g in roads])
    town = Polygon([(X0 + 150.5, Y0 - 150.5), (X0 + 262.2, Y0 - 151.1), (X0 + 261.3, Y0 - 262.7)])
    towns = write_layer(tmp_path / "towns.gpkg", "towns", ogr.wkbPolygon, [(town, {})])
    r, result, gpkg = run_areas(grid, tmp_path, "--access", layer, "--access", towns)
    assert r.returncode == 0, r.stderr
    network = unary_union(roads + [town])
    feats = {f["id"]: f for f in features(gpkg)}
    x, y = centres(GT, p.shape)
    for row in result["table"]:
        cell_m2 = projected_cell_area(GT, p.shape)
        mask = area_mask(feats[row["id"]]["geom"], GT, p.shape, row, p.astype(np.float64), cell_m2)
        d = min(network.distance(Point(a, b)) for a, b in zip(x[mask], y[mask]))
        assert row["access_m"] == pytest.approx(d, abs=1e-3), row["id"]
        assert feats[row["id"]]["access_m"] == pytest.approx(d, abs=1e-3)
    assert min(row["access_m"] for row in result["table"]) == 0  # the town lies on an area


FIELDS = [("name", ogr.OFTString), ("n", ogr.OFTInteger), ("score", ogr.OFTReal), ("surveyed", ogr.OFTDate),
          ("rank", ogr.OFTInteger)]


def given_polygons(tmp_path):
    """Hazard polygons off the cell lattice (no vertex or edge through a centre), two of them
    overlapping, one with a hole, one with null fields."""
    def box(x0, y0, x1, y1):
        return Polygon([(X0 + x0, Y0 - y0), (X0 + x1, Y0 - y0), (X0 + x1, Y0 - y1), (X0 + x0, Y0 - y1)])
    shapes = [
        box(103.3, 97.1, 311.7, 288.2),                                     # on the high blob
        box(250.9, 150.3, 452.2, 266.6),                                     # overlaps it
        Polygon(box(503.1, 303.2, 707.7, 497.4).exterior.coords,
                [box(580.4, 380.2, 620.6, 420.1).exterior.coords[::-1]]),  # middling blob, a hole
        box(12.2, 452.3, 203.3, 587.7),                                      # low land
        Polygon([(X0 + 545.5, Y0 - 33.3), (X0 + 680.2, Y0 - 61.1), (X0 + 611.7, Y0 - 190.9)]),
    ]
    values = [{"name": "alpha, \"one\"", "n": 7, "score": 0.25, "surveyed": datetime.date(2019, 3, 14), "rank": 3},
              {"name": "beta", "n": -2, "score": 1e-7, "surveyed": datetime.date(2021, 12, 1), "rank": 1},
              {"name": "gamma", "n": 0, "score": 3.5, "surveyed": datetime.date(2000, 1, 1), "rank": 2},
              {"name": "delta", "n": None, "score": None, "surveyed": None, "rank": None},
              {"name": "ε-ünïcode", "n": 123456, "score": -4.75, "surveyed": datetime.date(2024, 2, 29), "rank": 9}]
    return shapes, values, write_layer(tmp_path / "given.gpkg", "hazards", ogr.wkbPolygon, zip(shapes, values),
                                       FIELDS)


def test_given_polygons_are_scored_in_full_and_keep_their_attributes(tmp_path):
    p = bumps(60, 80, BLOBS)
    p[30:33, 0:5] = np.nan  # no-data within the low polygon
    grid = write_grid(tmp_path / "g.tif", p, GT)
    shapes, values, layer = given_polygons(tmp_path)
    t1, t2 = 0.05, 0.5
    r, result, gpkg = run_areas(grid, tmp_path, "--polygons", layer, "--t1", t1, "--t2", t2)
    assert r.returncode == 0, r.stderr
    table = {row["id"]: row for row in result["table"]}
    feats = {f["id"]: f for f in features(gpkg)}
    assert sorted(table) == list(range(1, len(shapes) + 1))
    pd = p.astype(np.float64)
    covered = np.zeros(p.shape, bool)
    for i, (shape, v) in enumerate(zip(shapes, values), start=1):
        row, f = table[i], feats[i]
        mask = inside(shape, GT, p.shape)
        ok = mask & ~np.isnan(pd)
        covered |= mask
        area, expected = ok.sum() * 100 / 1e4, (pd[ok] * 100).sum() / 1e4
        assert (row["cells"], row["area_ha"]) == (ok.sum(), approx_rel(area)), i
        assert row["expected_ha"] == approx_rel(expected), i
        assert row["max_p"] == approx_rel(pd[ok].max(), 1e-7)
        assert row["shape_ha"] == approx_rel(shape.area / 1e4), i
        mean = expected / area
        assert row["mean_p"] == approx_rel(mean)
        assert row["class"] == ("cancellation" if mean < t1 else "technical_survey" if mean < t2 else "clearance")
        assert f["geom"].symmetric_difference(shape).area < 1e-6 * shape.area
        # Attributes: the same values and types; our own name `rank` comes out as src_rank.
        assert f["name"] == v["name"] and f["n"] == v["n"] and f["src_rank"] == v["rank"]
        assert f["score"] == v["score"]
        want_date = v["surveyed"].strftime("%Y/%m/%d") if v["surveyed"] else None
        assert f["surveyed"] == want_date, (f["surveyed"], want_date)
        assert row["rank"] == f["rank"] and isinstance(f["rank"], int)
    # Overlap: each given polygon in full, so the areas' sum exceeds the land they cover.
    assert shapes[0].intersection(shapes[1]).area > 0
    assert result["areas_expected_ha"] > (pd[covered & ~np.isnan(pd)] * 100).sum() / 1e4
    rest = ~covered & ~np.isnan(pd)
    assert result["rest_expected_ha"] == approx_rel((pd[rest] * 100).sum() / 1e4, 1e-9)
    ds = ogr.Open(str(gpkg))
    defn = ds.GetLayerByName("areas").GetLayerDefn()
    types = {defn.GetFieldDefn(k).GetName(): defn.GetFieldDefn(k).GetType() for k in range(defn.GetFieldCount())}
    assert [types[n if n != "rank" else "src_rank"] for n, _ in FIELDS] == [t for _, t in FIELDS]


def test_reduce_releases_the_part_outside_the_hazard_region(tmp_path):
    p = bumps(60, 80, BLOBS)
    grid = write_grid(tmp_path / "g.tif", p, GT)
    shapes, _, layer = given_polygons(tmp_path)
    r, result, gpkg = run_areas(grid, tmp_path, "--polygons", layer, "--reduce", "--min-area", "0.3")
    assert r.returncode == 0, r.stderr
    # The hazard region: what the same options delineate without --polygons.
    r2, plain, plain_gpkg = run_areas(grid, tmp_path, "--min-area", "0.3", name="plain")
    assert r2.returncode == 0, r2.stderr
    hazard = unary_union([f["geom"] for f in features(plain_gpkg)])
    releases = {f["area_id"]: f for f in features(gpkg, "releases")}
    table = {row["id"]: row for row in result["table"]}
    pd = p.astype(np.float64)
    total_ha = 0.0
    for i, shape in enumerate(shapes, start=1):
        outside = shape.difference(hazard)
        parts = [g for g in getattr(outside, "geoms", [outside]) if g.area / 1e4 >= 0.3]
        want = unary_union(parts) if parts else None
        if want is None or want.is_empty:
            assert i not in releases and table[i]["release_ha"] == 0, i
            continue
        got = releases[i]["geom"]
        assert got.symmetric_difference(want).area < 1e-6 * shape.area + 1e-3, i
        mask = inside(got, GT, p.shape)
        assert table[i]["release_ha"] == approx_rel(mask.sum() * 100 / 1e4) == releases[i]["release_ha"]
        assert table[i]["release_expected_ha"] == approx_rel((pd[mask] * 100).sum() / 1e4), i
        total_ha += mask.sum() * 100 / 1e4
    assert len(releases) >= 2
    assert result["releases"]["ha"] == approx_rel(total_ha)


def test_given_polygons_in_another_crs_are_reprojected(tmp_path):
    p = bumps(60, 80, BLOBS)
    grid = write_grid(tmp_path / "g.tif", p, GT)
    to_geo = pyproj.Transformer.from_crs(32638, 4326, always_xy=True).transform
    to_utm = pyproj.Transformer.from_crs(4326, 32638, always_xy=True).transform
    utm = Polygon([(X0 + 103.3, Y0 - 97.1), (X0 + 461.7, Y0 - 120.2), (X0 + 311.7, Y0 - 388.2)])
    geo = transform(to_geo, utm)
    layer = write_layer(tmp_path / "geo.gpkg", "h", ogr.wkbPolygon, [(geo, {})], epsg=4326)
    r, result, gpkg = run_areas(grid, tmp_path, "--polygons", layer, name="out")
    assert r.returncode == 0, r.stderr
    back = transform(to_utm, geo)
    mask = inside(back, GT, p.shape)
    row = result["table"][0]
    assert row["cells"] == mask.sum() > 100
    assert row["expected_ha"] == approx_rel((p.astype(np.float64)[mask] * 100).sum() / 1e4)
    assert features(gpkg)[0]["geom"].symmetric_difference(back).area < 1e-6 * back.area


def test_a_self_intersecting_given_polygon_is_made_valid_and_scored(tmp_path):
    p = bumps(60, 80, BLOBS)
    grid = write_grid(tmp_path / "g.tif", p, GT)
    bowtie = Polygon([(X0 + 103.3, Y0 - 97.1), (X0 + 311.7, Y0 - 288.2), (X0 + 311.7, Y0 - 97.1),
                      (X0 + 103.3, Y0 - 288.2)])
    assert not bowtie.is_valid
    layer = write_layer(tmp_path / "bow.gpkg", "h", ogr.wkbPolygon, [(bowtie, {})])
    r, result, gpkg = run_areas(grid, tmp_path, "--polygons", layer)
    assert r.returncode == 0, r.stderr
    fixed = make_valid(bowtie)
    mask = inside(fixed, GT, p.shape)
    row = result["table"][0]
    assert row["cells"] == mask.sum() > 100
    assert row["expected_ha"] == approx_rel((p.astype(np.float64)[mask] * 100).sum() / 1e4)


@pytest.mark.parametrize("missing, says", [(None, "null"), (Polygon(), "an empty one")])
def test_a_given_polygon_without_a_geometry_is_refused(tmp_path, missing, says):
    """A hazard record without a geometry was dropped from the table without a word (every
    --polygons feature is a row the planner joins back on)."""
    grid = write_grid(tmp_path / "g.tif", bumps(60, 80, BLOBS), GT)
    square = Polygon([(X0 + 100, Y0 - 100), (X0 + 300, Y0 - 100), (X0 + 300, Y0 - 300), (X0 + 100, Y0 - 300)])
    layer = write_layer(tmp_path / "h.gpkg", "h", ogr.wkbPolygon, [(square, {}), (missing, {})])
    r, _, gpkg = run_areas(grid, tmp_path, "--polygons", layer)
    assert r.returncode == 2 and r.stderr.count("\n") == 1, r.stderr
    assert f"feature 2 has no geometry ({says}); draw it, or leave it out" in r.stderr and not gpkg.exists()
    r, result, _ = run_areas(grid, tmp_path, "--polygons", layer, "--where", "fid = 1")
    assert r.returncode == 0 and len(result["table"]) == 1, r.stderr


def test_a_layer_whose_features_all_lack_a_geometry_says_so(region, tmp_path):
    """The model's inputs skip a feature without a geometry; when none has one, the message says
    so rather than that the layer has no features."""
    write_layer(tmp_path / "finds.gpkg", "finds", ogr.wkbPoint, [(None, {"count": 1}), (None, {"count": 2})],
                fields=[("count", ogr.OFTInteger)])
    scenario = tmp_path / "s.toml"
    scenario.write_text(scenario_text(region).replace(f'path = "{region}/region.gpkg"\nlayer = "finds"',
                                                      f'path = "{tmp_path}/finds.gpkg"\nlayer = "finds"'))
    r = run_minerisk("run", scenario, "-o", tmp_path / "o.nc", "-q")
    assert r.returncode == 2, r.stderr
    assert "has no features with a geometry (2 without one)" in r.stderr


@pytest.mark.parametrize("epsg, origin, noted", [(32638, (X0, Y0), False), (3857, (5000000.0, 4865942.0), True)])
def test_a_grid_in_web_mercator_is_said_to_exaggerate_hectares(tmp_path, epsg, origin, noted):
    """Hectares are counted in the grid's plane: in Web Mercator at 40 degrees north that is 1.70
    times the true area (1 / cos^2 of the latitude), said in a note; in UTM nothing is said."""
    p = bumps(60, 80, BLOBS)
    grid = write_grid(tmp_path / "g.tif", p, (origin[0], 10.0, 0.0, origin[1], 0.0, -10.0), epsg=epsg)
    r = run_minerisk("areas", grid, "-o", tmp_path / "a.gpkg")  # not quiet: notes are shown
    assert r.returncode == 0, r.stderr
    if noted:
        assert "shows 1.7" in r.stderr and "times the true area; warp the grid to a local UTM zone" in r.stderr, r.stderr
    else:
        assert "note" not in r.stderr, r.stderr
