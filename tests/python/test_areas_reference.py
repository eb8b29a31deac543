"""Reference tests of `minerisk areas` on small GDAL grids: every figure recomputed by brute force
(numpy over the cells whose centre shapely finds inside each polygon), the budget against every
subset, and the edge cases (no-data, non-square cells, tiny grids, nothing above T1, a
geographic grid). Context figures (evidence, slope, truth, access, given polygons) are in
test_areas_reference_context.py."""
import csv
import itertools

import numpy as np
import pytest
from pyproj import Geod

from areas_helpers import (X0, Y0, approx_rel, bumps, check_areas_against_grid, features, inside,
                           projected_cell_area, run_areas, write_grid)

# Three blobs: a high one (clearance core inside survey), a middling one (survey only) and a
# small one that the minimum mapping unit must drop or keep whole.
BLOBS = [(20, 20, 0.9, 5.0), (40, 60, 0.4, 6.0), (50, 15, 0.3, 1.5)]


@pytest.mark.parametrize("dx,dy", [(10.0, -10.0), (10.0, -20.0), (25.0, -5.0)])
def test_figures_match_brute_force(tmp_path, dx, dy):
    # Square and non-square cells: the cell area is |dx * dy| whatever the aspect.
    p = bumps(60, 80, BLOBS)
    gt = (X0, dx, 0.0, Y0, 0.0, dy)
    grid = write_grid(tmp_path / "g.tif", p, gt)
    r, result, gpkg = run_areas(grid, tmp_path, "--csv", tmp_path / "a.csv")
    assert r.returncode == 0, r.stderr
    assert result["table"], "the blobs must give areas"
    # The CSV: the same table, by rank.
    with open(tmp_path / "a.csv", newline="") as f:
        rows = list(csv.DictReader(f))
    assert [int(c["id"]) for c in rows] == [row["id"] for row in result["table"]]
    for c, row in zip(rows, result["table"]):
        for key in ("area_ha", "expected_ha", "density", "cum_share", "priority"):
            assert float(c[key]) == pytest.approx(row[key], rel=1e-9)
        assert (c["class"], int(c["cells"]), int(c["rank"])) == (row["class"], row["cells"], row["rank"])
    assert {row["class"] for row in result["table"]} == {"clearance", "technical_survey"}
    check_areas_against_grid(result, gpkg, p.astype(np.float64), gt, projected_cell_area(gt, p.shape), 0.5)


@pytest.mark.parametrize("kind", ["float64", "scaled_uint8"])
def test_other_data_types(tmp_path, kind):
    # Any GDAL raster: a float64 grid, or bytes 0-100 with scale 0.01 and nodata 255 (read as
    # value x scale, in float32 as the engine holds probabilities).
    from osgeo import gdal
    p = bumps(60, 80, BLOBS).astype(np.float64)
    gt = (X0, 10.0, 0.0, Y0, 0.0, -10.0)
    if kind == "float64":
        grid = write_grid(tmp_path / "g.tif", p, gt, dtype=gdal.GDT_Float64)
    else:
        q = np.round(p * 100).astype(np.uint8)
        q[5:8, 5:9] = 255
        grid = write_grid(tmp_path / "g.tif", q, gt, nodata=255, dtype=gdal.GDT_Byte)
        ds = gdal.Open(str(grid), gdal.GA_Update)
        ds.GetRasterBand(1).SetScale(0.01)
        ds = None
        p = np.where(q == 255, np.nan, (q.astype(np.float32) * np.float32(0.01)).astype(np.float64))
    r, result, gpkg = run_areas(grid, tmp_path)
    assert r.returncode == 0, r.stderr
    assert result["table"]
    check_areas_against_grid(result, gpkg, p, gt, projected_cell_area(gt, p.shape), 0.5)


@pytest.mark.parametrize("min_area", [0.0, 0.3, 2.0])
@pytest.mark.parametrize("smooth", ["0", "15"])
def test_minimum_mapping_unit_and_smoothing(tmp_path, min_area, smooth):
    p = bumps(60, 80, BLOBS)
    gt = (X0, 10.0, 0.0, Y0, 0.0, -10.0)
    grid = write_grid(tmp_path / "g.tif", p, gt)
    r, result, gpkg = run_areas(grid, tmp_path, "--min-area", min_area, "--smooth", smooth)
    assert r.returncode == 0, r.stderr
    assert result["table"]
    check_areas_against_grid(result, gpkg, p.astype(np.float64), gt, projected_cell_area(gt, p.shape), min_area)


def test_unsmoothed_unsieved_areas_follow_the_thresholds_within_one_cell(tmp_path):
    # With no unit and no smoothing, the hazard land is the cells at or above T1 and clearance
    # those at or above T2, but for the stair steps simplified out (within one cell): a cell
    # classed otherwise must touch (8-neighbours) a cell of the other side of the threshold.
    p = bumps(40, 50, [(12, 12, 0.9, 4.0), (28, 36, 0.3, 3.0)])
    gt = (X0, 10.0, 0.0, Y0, 0.0, -10.0)
    grid = write_grid(tmp_path / "g.tif", p, gt)
    r, result, gpkg = run_areas(grid, tmp_path, "--min-area", "0", "--smooth", "0", "--t1", "0.1", "--t2", "0.6")
    assert r.returncode == 0, r.stderr
    feats = {f["id"]: f for f in features(gpkg)}
    hazard = np.zeros(p.shape, bool)
    clearance = np.zeros(p.shape, bool)
    for row in result["table"]:
        m = inside(feats[row["id"]]["geom"], gt, p.shape)
        hazard |= m
        if row["class"] == "clearance":
            clearance |= m
    for got, want in ((hazard, p >= np.float32(0.1)), (clearance, p >= np.float32(0.6))):
        padded = np.pad(want, 1, mode="edge")
        shifts = [padded[1 + di:1 + di + p.shape[0], 1 + dj:1 + dj + p.shape[1]]
                  for di in (-1, 0, 1) for dj in (-1, 0, 1)]
        edge = np.any([s != want for s in shifts], axis=0)
        assert want.sum() > 20
        assert not (got != want)[~edge].any(), np.argwhere((got != want) & ~edge)[:5]
        assert (got != want).sum() <= 0.2 * want.sum()


@pytest.mark.parametrize("nodata", [None, -9999.0])
def test_no_data_cells_inside_an_area_are_not_counted(tmp_path, nodata):
    # Holes of no-data (NaN, or a declared nodata value) in the middle of the blobs: the area
    # keeps its shape (smoothing closes small holes) but its figures skip those cells.
    p = bumps(60, 80, BLOBS)
    p[18:22, 18:21] = np.nan
    p[38:40, 58:63] = np.nan
    p[0:3, :] = np.nan
    stored = p.copy() if nodata is None else np.where(np.isnan(p), np.float32(nodata), p)
    gt = (X0, 10.0, 0.0, Y0, 0.0, -10.0)
    grid = write_grid(tmp_path / "g.tif", stored, gt, nodata=nodata)
    r, result, gpkg = run_areas(grid, tmp_path)
    assert r.returncode == 0, r.stderr
    feats = check_areas_against_grid(result, gpkg, p.astype(np.float64), gt, projected_cell_area(gt, p.shape), 0.5)
    # The holes do lie inside some area's polygon, so the test does test the skipping.
    holes = np.isnan(p)
    holes[0:3, :] = False
    in_polygons = sum(inside(f["geom"], gt, p.shape) for f in feats.values()).astype(bool)
    assert (in_polygons & holes).sum() > 0


def test_all_cells_below_t1_give_no_areas_and_the_rest_holds_everything(tmp_path):
    p = bumps(30, 40, [(15, 20, 0.03, 5.0)], base=0.001)
    assert p.max() < 0.05
    gt = (X0, 10.0, 0.0, Y0, 0.0, -10.0)
    grid = write_grid(tmp_path / "g.tif", p, gt)
    r, result, gpkg = run_areas(grid, tmp_path)
    assert r.returncode == 0, r.stderr
    total = float((p.astype(np.float64) * 100.0).sum() / 1e4)
    assert result["areas"] == 0 and result["table"] == [] and features(gpkg) == []
    assert result["areas_ha"] == 0 and result["areas_expected_ha"] == 0
    assert result["rest_expected_ha"] == approx_rel(total) and result["expected_ha"] == approx_rel(total)
    assert result["rest_ha"] == approx_rel(p.size * 100.0 / 1e4) == result["land_ha"]


@pytest.mark.parametrize("h,w,blob", [(8, 8, (3, 4, 0.8, 1.5)), (1, 40, (0, 20, 0.9, 4.0)),
                                      (40, 1, (20, 0, 0.9, 4.0)), (1, 1, (0, 0, 0.9, 1.0)),
                                      (2, 3, (1, 1, 0.9, 1.0))])
@pytest.mark.parametrize("args", [(), ("--min-area", "0"), ("--min-area", "0", "--smooth", "0")])
def test_tiny_grids_give_areas_or_none_never_a_crash(tmp_path, h, w, blob, args):
    p = bumps(h, w, [blob])
    gt = (X0, 10.0, 0.0, Y0, 0.0, -10.0)
    grid = write_grid(tmp_path / "g.tif", p, gt)
    r, result, gpkg = run_areas(grid, tmp_path, *args)
    assert r.returncode == 0, (r.returncode, r.stderr)
    min_area = 0.0 if args else 0.5
    check_areas_against_grid(result, gpkg, p.astype(np.float64), gt, projected_cell_area(gt, p.shape), min_area)
    if args == ("--min-area", "0", "--smooth", "0"):
        # No unit, no smoothing and cells above T2: hazard land of both classes.
        assert {row["class"] for row in result["table"]} == {"clearance"} | (
            {"technical_survey"} if ((p >= 0.05) & (p < 0.5)).any() else set()), result["table"]
    elif h * w * 100 / 1e4 < 0.5:
        assert result["areas"] == 0  # the grid is smaller than the unit


def test_budget_is_the_best_subset(tmp_path):
    # Seven blobs of different sizes and heights: few enough areas for every subset.
    blobs = [(10, 10, 0.9, 3.0), (12, 40, 0.35, 4.5), (30, 25, 0.7, 2.5), (35, 60, 0.2, 5.0),
             (50, 10, 0.6, 3.5), (52, 45, 0.15, 3.0), (25, 70, 0.95, 2.0)]
    p = bumps(64, 84, blobs)
    gt = (X0, 10.0, 0.0, Y0, 0.0, -10.0)
    grid = write_grid(tmp_path / "g.tif", p, gt)
    for budget in (0.0, 3.0, 7.5, 15.0, 1e9):
        r, result, gpkg = run_areas(grid, tmp_path, "--budget-ha", budget, "--smooth", "0", "--min-area", "0.3",
                                    name=f"b{budget}")
        assert r.returncode == 0, r.stderr
        table = result["table"]
        assert 3 <= len(table) <= 12, len(table)
        assert len({round(row["density"], 12) for row in table}) == len(table)  # one best subset order
        check_areas_against_grid(result, gpkg, p.astype(np.float64), gt, projected_cell_area(gt, p.shape), 0.3)
        best, best_set = -1.0, None
        for k in range(len(table) + 1):
            for subset in itertools.combinations(range(len(table)), k):
                if sum(table[i]["area_ha"] for i in subset) <= budget + 1e-9:
                    value = sum(max(table[i]["priority"], 0) * table[i]["area_ha"] for i in subset)
                    if value > best + 1e-12:
                        best, best_set = value, set(subset)
        chosen = {i for i, row in enumerate(table) if row["selected"]}
        value = sum(table[i]["priority"] * table[i]["area_ha"] for i in chosen)
        assert sum(table[i]["area_ha"] for i in chosen) <= budget + 1e-9
        assert value == pytest.approx(best, rel=1e-9), (budget, chosen, best_set)
        b = result["budget"]
        assert b["optimal"] is True and b["unit"] == "ha" and b["budget"] == budget
        assert b["used"] == approx_rel(sum(table[i]["area_ha"] for i in chosen))
        assert b["share"] == approx_rel(sum(table[i]["expected_ha"] for i in chosen) / result["expected_ha"])
        gp = {f["id"]: f for f in features(gpkg)}
        assert {row["id"] for row in table if row["selected"]} == {i for i, f in gp.items() if f["selected"]}


def test_geographic_grid_area_from_the_ellipsoid(tmp_path):
    # 0.0005 degrees cells near 40 N: the cell area varies with the row; each is the
    # ellipsoidal area of its quadrilateral (WGS 84).
    h, w = 50, 60
    p = bumps(h, w, [(15, 20, 0.9, 4.0), (35, 45, 0.4, 5.0)])
    d = 0.0005
    gt = (44.0, d, 0.0, 40.0, 0.0, -d)
    grid = write_grid(tmp_path / "g.tif", p, gt, epsg=4326)
    r, result, gpkg = run_areas(grid, tmp_path, "--min-area", "0.5")
    assert r.returncode == 0, r.stderr
    geod = Geod(ellps="WGS84")
    row_area = []
    for i in range(h):
        top, bottom = gt[3] + i * gt[5], gt[3] + (i + 1) * gt[5]
        a, _ = geod.polygon_area_perimeter([gt[0], gt[0] + d, gt[0] + d, gt[0]], [bottom, bottom, top, top])
        row_area.append(abs(a))
    cell_m2 = np.repeat(np.array(row_area)[:, None], w, axis=1)
    assert result["table"]
    assert result["land_ha"] == approx_rel(cell_m2.sum() / 1e4, 1e-6)
    feats = {f["id"]: f for f in features(gpkg)}
    pd = p.astype(np.float64)
    for row in result["table"]:
        mask = inside(feats[row["id"]]["geom"], gt, p.shape)
        assert row["cells"] == int(mask.sum())
        assert row["area_ha"] == approx_rel(cell_m2[mask].sum() / 1e4, 1e-6), row["id"]
        assert row["expected_ha"] == approx_rel((pd[mask] * cell_m2[mask]).sum() / 1e4, 1e-6), row["id"]
        assert row["area_ha"] >= 0.5
        # The polygon's own area on the ellipsoid (the engine scales at its centroid).
        shape_m2 = abs(geod.geometry_area_perimeter(feats[row["id"]]["geom"])[0])
        assert row["shape_ha"] >= 0.5 and row["shape_ha"] == pytest.approx(shape_m2 / 1e4, rel=1e-4), row["id"]
    assert result["areas_expected_ha"] + result["rest_expected_ha"] == approx_rel(result["expected_ha"], 1e-9)


@pytest.mark.parametrize("share", [0.3, 0.8])
def test_capture_threshold_holds_the_share(tmp_path, share):
    # --capture-t1 S: T1 is the largest threshold whose cells (p >= T1) hold at least S of the
    # grid's expected contamination; the next float up holds less.
    p = bumps(60, 80, BLOBS)
    grid = write_grid(tmp_path / "g.tif", p, (X0, 10.0, 0.0, Y0, 0.0, -10.0))
    r, result, gpkg = run_areas(grid, tmp_path, "--capture-t1", share, "--t2", "0.95")
    assert r.returncode == 0, r.stderr
    t1 = np.float32(result["t1"])
    pd = p.astype(np.float64)
    held = lambda t: pd[p >= t].sum() / pd.sum()  # noqa: E731
    assert held(t1) >= share - 1e-12
    assert held(np.nextafter(t1, np.float32(1))) < share
    check_areas_against_grid(result, gpkg, pd, (X0, 10.0, 0.0, Y0, 0.0, -10.0), projected_cell_area(
        (X0, 10.0, 0.0, Y0, 0.0, -10.0), p.shape), 0.5)


def test_weighted_priority(tmp_path):
    # priority = density / max density - w_area * area_ha / max area_ha; rank by it.
    p = bumps(60, 80, BLOBS)
    grid = write_grid(tmp_path / "g.tif", p, (X0, 10.0, 0.0, Y0, 0.0, -10.0))
    r, result, _ = run_areas(grid, tmp_path, "--area-weight", "0.7")
    assert r.returncode == 0, r.stderr
    table = result["table"]
    dmax, amax = max(t["density"] for t in table), max(t["area_ha"] for t in table)
    for k, row in enumerate(table):
        assert row["priority"] == pytest.approx(row["density"] / dmax - 0.7 * row["area_ha"] / amax, rel=1e-9)
        assert row["rank"] == k + 1 and (k == 0 or row["priority"] <= table[k - 1]["priority"])


def test_quiet_prints_nothing(tmp_path):
    grid = write_grid(tmp_path / "g.tif", bumps(60, 80, BLOBS))
    r, result, _ = run_areas(grid, tmp_path)  # run_areas passes -q
    assert r.returncode == 0 and result["areas"] >= 1
    assert (r.stdout, r.stderr) == ("", "")
