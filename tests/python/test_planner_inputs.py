"""The planner's commands check that what they are given belongs to the grid: `map --areas` and
`report --areas` refuse another grid's hazard areas (the report listed 21 ranked areas of a
place 2,000 km away, and the map drew none, both silently), `report --evaluation` refuses the
evaluation of another file when the grid has no run_id; `explain` takes an infinite value for
no data; `areas --reduce` always writes its `releases` layer; `--json` types the polygons'
own fields as the GeoPackage does."""
import json
import shutil

import numpy as np
from osgeo import gdal, ogr

from areas_helpers import X0, Y0, bumps, features, run_areas, write_grid
from conftest import run_minerisk, scenario_text


def made_grid(tmp_path, region, write_scenario, name):
    out = tmp_path / f"{name}.nc"
    r = run_minerisk("run", write_scenario(scenario_text(region), name=f"{name}.toml"), "-o", out, "-q")
    assert r.returncode == 0, r.stderr
    return out


def test_map_and_report_refuse_the_areas_of_another_run(region, tmp_path, write_scenario):
    today, other = made_grid(tmp_path, region, write_scenario, "today"), made_grid(tmp_path, region, write_scenario, "other")
    assert run_minerisk("areas", today, "-o", tmp_path / "today.gpkg", "-q").returncode == 0
    assert run_minerisk("areas", other, "-o", tmp_path / "other.gpkg", "-q").returncode == 0
    md = ogr.Open(str(tmp_path / "today.gpkg")).GetMetadata()
    assert md["MINERISK_GRID_VARIABLE"] == "probability" and len(md["MINERISK_GRID_RUN_ID"]) == 32
    for command, out in [("report", "r.html"), ("map", "m.png")]:
        r = run_minerisk(command, today, "-o", tmp_path / out, "--areas", tmp_path / "other.gpkg")
        assert r.returncode == 2 and r.stderr.count("\n") == 1, r.stderr
        assert "holds the areas of another grid (run_id" in r.stderr and "minerisk areas GRID" in r.stderr
        assert not (tmp_path / out).exists()
        r = run_minerisk(command, today, "-o", tmp_path / out, "--areas", tmp_path / "today.gpkg", "-q")
        assert r.returncode == 0, r.stderr


def test_areas_of_a_grid_without_run_id_are_checked_by_place(tmp_path):
    p = bumps(60, 80, [(20, 20, 0.9, 4), (40, 60, 0.8, 5)])
    here = write_grid(tmp_path / "here.tif", p)
    far = write_grid(tmp_path / "far.tif", p, gt=(X0 + 50000, 10.0, 0.0, Y0, 0.0, -10.0))
    assert run_areas(far, tmp_path, name="far")[0].returncode == 0
    assert run_areas(here, tmp_path, name="here")[0].returncode == 0
    r = run_minerisk("report", here, "-o", tmp_path / "r.html", "--areas", tmp_path / "far.gpkg")
    assert r.returncode == 2 and "lie wholly outside the grid" in r.stderr, r.stderr
    r = run_minerisk("report", here, "-o", tmp_path / "r.html", "--areas", tmp_path / "here.gpkg", "-q")
    assert r.returncode == 0, r.stderr


def test_report_refuses_the_evaluation_of_another_file(region, tmp_path, write_scenario):
    grid = made_grid(tmp_path, region, write_scenario, "run")
    truth = [f"{region / 'region.gpkg'}", "--layer", "finds"]
    assert run_minerisk("evaluate", grid, "--truth", *truth, "-o", tmp_path / "e.json", "-q").returncode == 0
    assert json.loads((tmp_path / "e.json").read_text())["grid_file"] == str(grid)
    # Its GeoTIFF copy has no run_id: the evaluated bytes tell them apart.
    tif = tmp_path / "copy.tif"
    gdal.Translate(str(tif), f'NETCDF:"{grid}":probability')
    r = run_minerisk("report", tif, "-o", tmp_path / "r.html", "--evaluation", tmp_path / "e.json")
    assert r.returncode == 2 and "scores other values than this grid's" in r.stderr, r.stderr
    assert not (tmp_path / "r.html").exists()
    assert run_minerisk("evaluate", tif, "--truth", *truth, "-o", tmp_path / "own.json", "-q").returncode == 0
    r = run_minerisk("report", tif, "-o", tmp_path / "r.html", "--evaluation", tmp_path / "own.json", "-q")
    assert r.returncode == 0, r.stderr
    # A copy of the grid in a briefing folder is the same grid; the grid written again is not.
    briefing = tmp_path / "briefing"
    briefing.mkdir()
    shutil.copy(tif, briefing / "copy.tif")
    r = run_minerisk("report", briefing / "copy.tif", "-o", briefing / "r.html", "--evaluation", tmp_path / "own.json",
                     "-q")
    assert r.returncode == 0, r.stderr
    ds = gdal.Open(str(tif), gdal.GA_Update)
    ds.GetRasterBand(1).WriteArray(ds.GetRasterBand(1).ReadAsArray() * 0.5)
    ds = None
    r = run_minerisk("report", tif, "-o", tmp_path / "again.html", "--evaluation", tmp_path / "own.json")
    assert r.returncode == 2 and "written again" in r.stderr, r.stderr


def test_a_sweep_has_a_run_id_and_its_variables_are_told_apart(region, tmp_path, write_scenario):
    """A sweep wrote no run_id, so its p95's evaluation and hazard areas passed for the mean's."""
    write_scenario(scenario_text(region), name="base.toml")
    sweep = write_scenario('base = "base.toml"\nseed = 1\nsamples = 4\nthresholds = [0.5]\n'
                           '[[axis]]\nparameter = "model.intercept"\nlhs = [-6.0, -4.5]\n', name="sweep.toml")
    grid = tmp_path / "sweep.nc"
    assert run_minerisk("sweep", sweep, "-o", grid, "-q").returncode == 0
    assert len(gdal.Open(f'NETCDF:"{grid}":mean').GetMetadataItem("NC_GLOBAL#run_id")) == 32
    truth = [f"{region / 'region.gpkg'}", "--layer", "finds"]
    assert run_minerisk("evaluate", f'NETCDF:"{grid}":p95', "--truth", *truth, "-o", tmp_path / "p95.json",
                        "-q").returncode == 0
    r = run_minerisk("report", grid, "-o", tmp_path / "r.html", "--evaluation", tmp_path / "p95.json")
    assert r.returncode == 2 and "scores the variable 'p95'" in r.stderr, r.stderr
    assert run_minerisk("areas", grid, "--variable", "p95", "-o", tmp_path / "p95.gpkg", "-q").returncode == 0
    r = run_minerisk("map", grid, "-o", tmp_path / "m.png", "--areas", tmp_path / "p95.gpkg")
    assert r.returncode == 2 and "holds the areas of the variable 'p95', and this shows 'mean'" in r.stderr, r.stderr
    r = run_minerisk("map", grid, "--variable", "p95", "-o", tmp_path / "m.png", "--areas", tmp_path / "p95.gpkg", "-q")
    assert r.returncode == 0, r.stderr


def test_areas_reprojected_across_the_antimeridian_are_the_grid_s_own(tmp_path):
    """A geographic grid at 179.9 to 180.3 degrees: its areas reprojected (EPSG:3832, the
    Pacific's Mercator) come back at -179.9; a whole turn apart is one place."""
    p = bumps(40, 40, [(20, 30, 0.9, 4)])
    grid = write_grid(tmp_path / "geo.tif", p, gt=(179.9, 0.01, 0.0, -17.0, 0.0, -0.01), epsg=4326)
    assert run_areas(grid, tmp_path, name="own")[0].returncode == 0
    gdal.VectorTranslate(str(tmp_path / "pacific.gpkg"), str(tmp_path / "own.gpkg"), dstSRS="EPSG:3832",
                         layers=["areas"])
    for command, out in [("map", "m.png"), ("report", "r.html")]:
        r = run_minerisk(command, grid, "-o", tmp_path / out, "--areas", tmp_path / "pacific.gpkg", "-q")
        assert r.returncode == 0, r.stderr
    far = write_grid(tmp_path / "far.tif", p, gt=(170.0, 0.01, 0.0, -17.0, 0.0, -0.01), epsg=4326)
    r = run_minerisk("map", far, "-o", tmp_path / "far.png", "--areas", tmp_path / "pacific.gpkg")
    assert r.returncode == 2 and "lie wholly outside the grid" in r.stderr, r.stderr


def test_explain_takes_an_infinite_value_for_no_data(tmp_path):
    p = bumps(20, 20, [(10, 10, 0.9, 3)])
    p[0, 0], p[0, 1], p[0, 2] = np.inf, -np.inf, np.nan
    grid = write_grid(tmp_path / "g.tif", p)
    finite = p[np.isfinite(p)]
    for col in range(3):
        r = run_minerisk("explain", grid, str(X0 + 5 + 10 * col), str(Y0 - 5), "--json")
        assert r.returncode == 0, r.stderr
        j = json.loads(r.stdout)
        assert j["probability"] is None and j["probability_rank"] is None
        table = run_minerisk("explain", grid, str(X0 + 5 + 10 * col), str(Y0 - 5)).stdout
        assert table.splitlines()[-1].split()[1:] == ["no", "data", "no", "data"], table
    # A cell with data ranks among the 397 finite cells only.
    j = json.loads(run_minerisk("explain", grid, str(X0 + 105), str(Y0 - 105), "--json").stdout)
    assert j["probability_rank"] == np.count_nonzero(finite < p[10, 10]) / finite.size


def test_reduce_writes_an_empty_releases_layer_and_json_types_the_given_fields(tmp_path):
    p = bumps(60, 80, [(20, 20, 0.9, 4), (40, 60, 0.8, 5)])
    grid = write_grid(tmp_path / "g.tif", p)
    r, _, areas = run_areas(grid, tmp_path, name="made")
    assert r.returncode == 0, r.stderr
    # The areas themselves as given polygons: each lies on land above T1, so nothing is released.
    r, js, gpkg = run_areas(grid, tmp_path, "--polygons", f"{areas}:areas", "--reduce", name="given")
    assert r.returncode == 0, r.stderr
    ds = ogr.Open(str(gpkg))
    assert ds.GetLayerByName("releases") is not None and ds.GetLayerByName("releases").GetFeatureCount() == 0
    rows = features(gpkg)
    for row in js["table"]:
        attributes = row["attributes"]
        stored = next(f for f in rows if f["id"] == row["id"])
        assert isinstance(attributes["src_cells"], int) and isinstance(attributes["src_area_ha"], float)
        assert isinstance(attributes["src_class"], str) and attributes["src_dominant"] is None
        for column in ("src_cells", "src_area_ha", "src_class", "src_rank"):
            assert attributes[column] == stored[column], column
        assert "area_ha" not in attributes and "cells" not in attributes


def test_the_legend_names_every_kind_of_outline_drawn(tmp_path):
    """A given polygon the model would cancel is drawn dotted, and the legend named only clearance
    and technical survey; it names the dotted outline when one is drawn, and only then."""
    from map_helpers import pdf_text
    p = bumps(60, 80, [(20, 20, 0.9, 4)], base=0.001)
    grid = write_grid(tmp_path / "g.tif", p)
    square = tmp_path / "low.geojson"
    xa, ya = X0 + 600, Y0 - 400  # a 100 m square where p is 0.001: cancellation
    square.write_text(json.dumps({"type": "FeatureCollection", "crs": {"type": "name", "properties": {
        "name": "urn:ogc:def:crs:EPSG::32638"}}, "features": [{"type": "Feature", "properties": {}, "geometry": {
            "type": "Polygon", "coordinates": [[[xa, ya], [xa + 100, ya], [xa + 100, ya - 100], [xa, ya - 100], [xa, ya]]]}}]}))
    assert run_areas(grid, tmp_path, "--polygons", square, name="given")[0].returncode == 0
    assert features(tmp_path / "given.gpkg")[0]["class"] == "cancellation"
    assert run_areas(grid, tmp_path, name="made")[0].returncode == 0
    for name, named in (("given", True), ("made", False)):
        r = run_minerisk("map", grid, "-o", tmp_path / f"{name}.pdf", "--areas", tmp_path / f"{name}.gpkg", "-q")
        assert r.returncode == 0, r.stderr
        assert ("Hazard area: cancellation or no data" in pdf_text(tmp_path / f"{name}.pdf")) == named


def test_a_disclaimer_longer_than_the_page_holds_is_refused(tmp_path):
    """A long --disclaimer ran off the bottom of the page, cut without a word: the one text a map
    may not lose the end of. Refused, nothing written; one that fits is drawn whole."""
    from map_helpers import pdf_text
    grid = write_grid(tmp_path / "g.tif", bumps(60, 80, [(20, 20, 0.9, 4)]))
    text = "Only survey and clearance to national standards release land. " * 40  # 2,520 characters
    out = tmp_path / "m.pdf"
    r = run_minerisk("map", grid, "-o", out, "--size", "A5", "--disclaimer", text, "-q")
    assert r.returncode == 2 and "--disclaimer: with the provenance beneath the map, it runs past the bottom" in r.stderr, r.stderr
    assert r.stderr.count("\n") == 1 and not out.exists()
    shorter = "Only survey and clearance to national standards release land. " * 9  # 567 characters
    r = run_minerisk("map", grid, "-o", out, "--size", "A5", "--disclaimer", shorter, "-q")
    assert r.returncode == 0, r.stderr
    assert " ".join(pdf_text(out).split()).count("Only survey and clearance to national standards release land.") == 9


def test_the_standard_disclaimer_fits_every_page(tmp_path):
    """A tall narrow page has a large font and a narrow footer: the standard disclaimer was
    refused on 130x1000 mm. It is set smaller there; no page size refuses it."""
    from map_helpers import pdf_text
    grid = write_grid(tmp_path / "g.tif", bumps(60, 80, [(20, 20, 0.9, 4)]))
    for size in ("A0", "A1", "A2", "A3", "A4", "A5", "letter", "legal", "tabloid", "130x1000", "210x2000"):
        for orientation in ("portrait", "landscape"):
            out = tmp_path / f"{size}_{orientation}.pdf"
            r = run_minerisk("map", grid, "-o", out, "--size", size, "--orientation", orientation, "-q")
            if r.returncode == 2 and "leaves no room for the map" in r.stderr:
                continue  # a page too narrow for the map itself (1000 x 130 mm), refused as before
            assert r.returncode == 0, (size, orientation, r.stderr)
            assert "(IMAS 07.11)." in pdf_text(out), (size, orientation)


def test_a_grid_of_many_inputs_keeps_the_disclaimer_on_the_page(tmp_path):
    """The provenance lists every input: with 60 of them it pushed the disclaimer off the page.
    It is now cut with an ellipsis where the room ends, and the disclaimer stays whole above the
    page's edge (within half the 10 mm margin)."""
    import h5py
    import subprocess
    from map_helpers import pdf_words
    grid = tmp_path / "g.tif"
    write_grid(grid, bumps(60, 80, [(20, 20, 0.9, 4)]))
    nc = tmp_path / "many.nc"
    # A netCDF-4 grid with many inputs: any grid with an `inputs` attribute is mapped the same way.
    gdal.Translate(str(nc), str(grid), format="netCDF", creationOptions=["FORMAT=NC4"])
    with h5py.File(nc, "r+") as f:
        f.attrs["inputs"] = json.dumps([{"role": "raster", "path": f"/data/layer_{i:02d}_with_a_long_name.tif",
                                         "sha256": "ab" * 32} for i in range(60)])
    out = tmp_path / "m.pdf"
    r = run_minerisk("map", nc, "-o", out, "--size", "A5", "-q")
    assert r.returncode == 0, r.stderr
    info = subprocess.run(["pdfinfo", str(out)], capture_output=True, text=True, check=True).stdout
    height = float(info.split("Page size:")[1].split("x")[1].split()[0])
    last = [w for w in pdf_words(out) if w[0] == "07.11)."]
    assert last and last[0][4] <= height - 14, (last, height)
