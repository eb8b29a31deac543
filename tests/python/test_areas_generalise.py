"""What generalising must never do to hazard land, from the newcomer review of `minerisk areas`:
drop a hazard cluster of at least the minimum mapping unit because its classes are each under
it, erase a long narrow belt (a minefield along a front line), or let land at or above T1
vanish without the summary saying how much. And existing polygons keep their identity: the
feature id, a class of no_data where the grid has none, their own field names in Python."""
import numpy as np
import pytest
from osgeo import ogr, osr

from areas_helpers import X0, Y0, features, run_areas, srs_wkt, write_grid
from conftest import run_minerisk


def test_a_cluster_over_the_unit_stays_hazard_though_each_class_is_under_it(tmp_path):
    # A clearance core of 30 cells inside a survey ring of about 30 cells, with a unit of 50
    # cells (0.5 ha of 10 m cells): 60 cells of hazard, so it must stay.
    p = np.full((40, 40), 0.001, np.float32)
    p[16:24, 16:24] = 0.2           # 64 cells of survey land ...
    p[17:23, 17:22] = 0.8           # ... 30 of them clearance land
    r, result, gpkg = run_areas(write_grid(tmp_path / "g.tif", p), tmp_path, "--smooth", "0")
    assert r.returncode == 0, r.stderr
    assert result["areas"] >= 1
    assert result["areas_ha"] == pytest.approx(0.64, abs=0.05)
    assert result["rest_above_t1_ha"] < 0.05


def test_a_long_narrow_belt_survives_the_default_smoothing(tmp_path):
    # A belt 4 cells (40 m) wide and 1.6 km long at p = 0.3: 6.4 ha of survey land.
    p = np.full((60, 200), 0.001, np.float32)
    p[28:32, 20:180] = 0.3
    r, result, gpkg = run_areas(write_grid(tmp_path / "g.tif", p), tmp_path)
    assert r.returncode == 0, r.stderr
    assert result["areas_ha"] == pytest.approx(6.4, rel=0.05)
    assert result["rest_above_t1_ha"] == pytest.approx(6.4 - result["areas_ha"], abs=1e-9)


def test_land_left_out_by_generalising_is_reported(tmp_path):
    # A strip 1 cell wide is narrower than the smoothing: it goes, and the summary says so.
    p = np.full((40, 120), 0.001, np.float32)
    p[20, 10:110] = 0.3
    r, result, _ = run_areas(write_grid(tmp_path / "g.tif", p), tmp_path, "--min-area", "0.1")
    assert r.returncode == 0, r.stderr
    assert result["areas"] == 0
    assert result["rest_above_t1_ha"] == pytest.approx(1.0)
    assert result["rest_above_t1_expected_ha"] == pytest.approx(0.3, rel=1e-6)
    text = run_minerisk("areas", tmp_path / "g.tif", "-o", tmp_path / "t.gpkg", "--min-area", "0.1").stdout
    assert "of it at or above T1 (generalised)" in text and " 1.00 " in text


def square(x, y, size):
    return ogr.CreateGeometryFromWkt(f"POLYGON(({x} {y},{x + size} {y},{x + size} {y - size},{x} {y - size},{x} {y}))")


def write_shas(path, squares):
    """A layer `sha` of 100 m squares, each (fid, x of its west side), with a field `id`."""
    ds = ogr.GetDriverByName("GPKG").CreateDataSource(str(path))
    layer = ds.CreateLayer("sha", osr.SpatialReference(wkt=srs_wkt(32638)), ogr.wkbPolygon)
    layer.CreateField(ogr.FieldDefn("id", ogr.OFTString))
    for fid, x in squares:
        f = ogr.Feature(layer.GetLayerDefn())
        f.SetFID(fid)
        f.SetField("id", f"SHA-{fid}")
        f.SetGeometry(square(x, Y0 - 50, 100))
        layer.CreateFeature(f)
    ds = None
    return path


def test_given_polygons_keep_their_feature_id_and_get_no_class_off_the_grid(tmp_path):
    grid = write_grid(tmp_path / "g.tif", np.full((40, 40), 0.3, np.float32))
    # The second square lies just east of the grid's 400 m.
    path = write_shas(tmp_path / "sha.gpkg", [(7, X0 + 50), (12, X0 + 410)])
    r, result, gpkg = run_areas(grid, tmp_path, "--polygons", f"{path}:sha")
    assert r.returncode == 0, r.stderr
    rows = {row["src_fid"]: row for row in features(gpkg)}
    assert set(rows) == {7, 12}
    assert rows[7]["class"] == "technical_survey" and rows[7]["src_id"] == "SHA-7"
    assert rows[12]["class"] == "no_data" and rows[12]["cells"] == 0


def test_python_names_a_given_field_as_the_geopackage_does(tmp_path):
    import minerisk
    grid = write_grid(tmp_path / "g.tif", np.full((40, 40), 0.3, np.float32))
    path = write_shas(tmp_path / "sha.gpkg", [(1, X0 + 50)])
    table = minerisk.areas(grid, polygons=f"{path}:sha")
    assert list(table["id"]) == [1] and list(table["src_id"]) == ["SHA-1"]
    assert list(table["action"]) == ["technical survey"]


def test_fields_named_like_figures_keep_their_values_and_reals_their_bits(tmp_path):
    """Fields area_ha and src_area_ha become src_area_ha and src_src_area_ha: Python mapped the
    names twice and lost area_ha's value; a real went through OGR's 15-digit text."""
    import minerisk
    grid = write_grid(tmp_path / "g.tif", np.full((40, 40), 0.3, np.float32))
    path = tmp_path / "sha.gpkg"
    ds = ogr.GetDriverByName("GPKG").CreateDataSource(str(path))
    layer = ds.CreateLayer("sha", osr.SpatialReference(wkt=srs_wkt(32638)), ogr.wkbPolygon)
    for name in ("area_ha", "src_area_ha"):
        layer.CreateField(ogr.FieldDefn(name, ogr.OFTReal))
    f = ogr.Feature(layer.GetLayerDefn())
    f.SetField("area_ha", 0.30000000000000004)
    f.SetField("src_area_ha", 1.7976931348623157e308)
    f.SetGeometry(square(X0 + 50, Y0 - 50, 100))
    layer.CreateFeature(f)
    ds = None
    r, result, gpkg = run_areas(grid, tmp_path, "--polygons", f"{path}:sha")
    assert r.returncode == 0, r.stderr
    [row] = features(gpkg)
    assert row["src_area_ha"] == 0.30000000000000004 and row["src_src_area_ha"] == 1.7976931348623157e308
    attributes = result["table"][0]["attributes"]
    assert attributes["src_area_ha"] == 0.30000000000000004 and attributes["src_src_area_ha"] == 1.7976931348623157e308
    table = minerisk.areas(grid, polygons=f"{path}:sha")
    assert table["src_area_ha"].tolist() == [0.30000000000000004]
    assert table["src_src_area_ha"].tolist() == [1.7976931348623157e308]
    assert table["area_ha"].tolist() != [0.30000000000000004]  # the figure, not the field


def test_no_area_without_a_cell(tmp_path):
    """With --min-area 0 --smooth 0, a 2 x 2 grid gave a 'technical survey' area of no cell: a
    sliver the simplification left over the cell of p = 0, ranked in the tasking list."""
    p = np.array([[0.05, 0.5], [1.0, 0.0]], np.float32)
    r, result, gpkg = run_areas(write_grid(tmp_path / "g.tif", p), tmp_path, "--min-area", "0", "--smooth", "0")
    assert r.returncode == 0, r.stderr
    assert result["table"] and all(row["cells"] > 0 for row in result["table"]), result["table"]
    assert sum(row["cells"] for row in result["table"]) == 3  # every cell at or above T1, in one area each
