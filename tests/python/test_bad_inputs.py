"""Every input a user can get wrong: exit code 2, one line naming what is wrong and how to fix
it, and no output created or replaced."""
import os
import pathlib

from osgeo import gdal, ogr, osr

from conftest import run_minerisk, scenario_text

gdal.UseExceptions()
ogr.UseExceptions()

PREVIOUS = b"a previous good output that must survive"


def check_refused(scenario, folder, *expected, extra_args=()):
    """Runs with an existing output in place; checks the refusal and that nothing changed."""
    folder = pathlib.Path(folder)
    out = folder / "out.nc"
    out.write_bytes(PREVIOUS)
    before = sorted(os.listdir(folder))
    # --overwrite: the refusal under test is the input's, not the existing output's.
    result = run_minerisk("run", scenario, "-o", out, "--overwrite", *extra_args)
    assert result.returncode == 2, (result.returncode, result.stderr)
    message = result.stderr.strip()
    assert message.count("\n") == 0, f"not one line: {message!r}"
    assert message.startswith("minerisk: error: ")
    for text in expected:
        assert text in message, f"{text!r} not in {message!r}"
    assert out.read_bytes() == PREVIOUS
    assert sorted(os.listdir(folder)) == before, "a stray file was left behind"
    return message


def make_vector(path, layer_name, geom_type, wkts, srs_epsg=32638, fields=()):
    driver = "ESRI Shapefile" if str(path).endswith(".shp") else "GPKG"
    ds = ogr.GetDriverByName(driver).CreateDataSource(str(path))
    srs = None
    if srs_epsg:
        srs = osr.SpatialReference()
        srs.ImportFromEPSG(srs_epsg)
    layer = ds.CreateLayer(layer_name, srs, geom_type)
    for name, kind in fields:
        layer.CreateField(ogr.FieldDefn(name, kind))
    for wkt, attrs in wkts:
        f = ogr.Feature(layer.GetLayerDefn())
        f.SetGeometry(ogr.CreateGeometryFromWkt(wkt))
        for k, v in attrs.items():
            f.SetField(k, v)
        layer.CreateFeature(f)
    ds = None


def replace_section(text, section, new_body):
    """Replaces the body of [section] (up to the next blank line) in a scenario text."""
    start = text.index(f"[{section}]\n")
    end = text.index("\n\n", start)
    return text[:start] + f"[{section}]\n" + new_body.strip() + text[end:]


def test_missing_dem_file(region, tmp_path, write_scenario):
    s = write_scenario(scenario_text(region, dem=tmp_path / "nowhere.tif"))
    check_refused(s, tmp_path, "terrain.dem", "nowhere.tif", "not found")


def test_unreadable_dem_file(region, tmp_path, write_scenario):
    bad = tmp_path / "garbage.tif"
    bad.write_text("this is not a raster")
    s = write_scenario(scenario_text(region, dem=bad))
    check_refused(s, tmp_path, "terrain.dem", "garbage.tif", "cannot read")


def test_missing_vector_file(region, tmp_path, write_scenario):
    text = replace_section(scenario_text(region), "finds", f'path = "{tmp_path / "finds.gpkg"}"')
    check_refused(write_scenario(text), tmp_path, "finds", "finds.gpkg", "not found")


def test_raster_without_crs(region, tmp_path, write_scenario):
    src = gdal.Open(str(region / "dem.tif"))
    bare = tmp_path / "bare.tif"
    ds = gdal.GetDriverByName("GTiff").Create(str(bare), src.RasterXSize, src.RasterYSize, 1, gdal.GDT_Float32)
    ds.SetGeoTransform(src.GetGeoTransform())
    ds.GetRasterBand(1).WriteArray(src.ReadAsArray())
    ds = None
    s = write_scenario(scenario_text(region, dem=bare))
    check_refused(s, tmp_path, "terrain.dem", "has no CRS", "-a_srs")


def test_vector_layer_without_crs(region, tmp_path, write_scenario):
    shp = tmp_path / "lines.shp"
    make_vector(shp, "lines", ogr.wkbLineString, [("LINESTRING (641000 4415000, 642000 4419000)", {})], srs_epsg=None)
    text = replace_section(scenario_text(region), "front_lines", f'path = "{shp}"')
    check_refused(write_scenario(text), tmp_path, "front_lines", "lines.shp", "has no CRS", "ogr2ogr -a_srs")


def test_empty_layer(region, tmp_path, write_scenario):
    gpkg = tmp_path / "empty.gpkg"
    make_vector(gpkg, "finds", ogr.wkbPoint, [])
    text = replace_section(scenario_text(region), "finds", f'path = "{gpkg}"')
    check_refused(write_scenario(text), tmp_path, "finds", "empty.gpkg", "has no features")


def test_layer_of_the_wrong_geometry_type(region, tmp_path, write_scenario):
    text = replace_section(scenario_text(region), "finds", f'path = "{region / "region.gpkg"}"\nlayer = "front_lines"')
    check_refused(write_scenario(text), tmp_path, "finds", "front_lines", "Line String", "must be points")


def test_a_filter_a_geopackage_rejects_is_named_as_the_filter(region, tmp_path, write_scenario):
    """GeoPackage checks a filter only when it reads: that SQL error is the filter's, not a
    damaged file's."""
    text = scenario_text(region, finds_extra='where = "cnt ==== 0"')
    check_refused(write_scenario(text), tmp_path, "finds", 'the filter where = "cnt ==== 0" is not valid OGR SQL',
                  "check its field names")


def test_a_filter_with_a_second_statement_is_refused(region, tmp_path, write_scenario):
    """A GeoPackage's SQLite ran the part before a ';' and dropped the rest without a word."""
    text = scenario_text(region, finds_extra="where = \"item = 'AP'; garbage here\"")
    check_refused(write_scenario(text), tmp_path, "finds", "a ';' ends the expression before its end")
    # In a quoted text a ';' is a character: the filter is read, and selects nothing here.
    text = scenario_text(region, finds_extra="where = \"item = 'a;b'\"")
    check_refused(write_scenario(text, name="quoted.toml"), tmp_path, "finds", "has no features")
    # A ';' at the very end ends nothing early: SQLite reads the whole filter.
    text = scenario_text(region, finds_extra="where = \"count >= 1 ; \"")
    assert run_minerisk("run", write_scenario(text, name="trailing.toml"), "-o", tmp_path / "t.nc", "-q").returncode == 0


def test_unknown_layer_name_suggests(region, tmp_path, write_scenario):
    text = replace_section(scenario_text(region), "finds", f'path = "{region / "region.gpkg"}"\nlayer = "find"')
    check_refused(write_scenario(text), tmp_path, "finds", "has no layer 'find'", "did you mean 'finds'")


def test_dem_that_does_not_overlap_the_grid(region, tmp_path, write_scenario):
    grid = '[grid]\ncrs = "EPSG:32638"\nresolution = 10\nbounds = [100000, 100000, 102000, 102000]\n'
    check_refused(write_scenario(scenario_text(region, grid=grid)), tmp_path, "terrain.dem", "does not overlap the grid")


def test_vector_layer_far_outside_the_grid(region, tmp_path, write_scenario):
    gpkg = tmp_path / "far.gpkg"
    # Coordinates given in the wrong CRS: the points land thousands of kilometres away.
    make_vector(gpkg, "finds", ogr.wkbPoint, [("POINT (46.8 39.8)", {})])
    text = replace_section(scenario_text(region), "finds", f'path = "{gpkg}"')
    check_refused(write_scenario(text), tmp_path, "finds", "far.gpkg", "far outside the grid", "CRS")


def test_unknown_scenario_key_suggests_the_nearest(region, tmp_path, write_scenario):
    text = scenario_text(region).replace("bandwidth = 250.0", "bandwith = 250.0")
    check_refused(write_scenario(text), tmp_path, "model.evidence.finds.bandwith", "did you mean 'bandwidth'")


def test_unknown_section_suggests_the_nearest(region, tmp_path, write_scenario):
    text = scenario_text(region).replace("[cleared]", "[cleard]")
    check_refused(write_scenario(text), tmp_path, "'cleard'", "did you mean 'cleared'")


def test_missing_required_key(region, tmp_path, write_scenario):
    text = scenario_text(region).replace("intercept = -5.0", "")
    check_refused(write_scenario(text), tmp_path, "model.intercept", "is missing")


def test_pod_outside_zero_one_in_the_scenario(region, tmp_path, write_scenario):
    text = scenario_text(region, cleared_extra="pod = 1.5")
    check_refused(write_scenario(text), tmp_path, "cleared.pod", "[0, 1]")


def test_pod_outside_zero_one_in_the_data(region, tmp_path, write_scenario):
    gpkg = tmp_path / "cleared.gpkg"
    make_vector(gpkg, "cleared", ogr.wkbPolygon,
                [("POLYGON ((641000 4415000, 641500 4415000, 641500 4415500, 641000 4415000))", {"pod": 1.2})],
                fields=[("pod", ogr.OFTReal)])
    text = replace_section(scenario_text(region), "cleared", f'path = "{gpkg}"\npod_field = "pod"')
    check_refused(write_scenario(text), tmp_path, "cleared", "cleared.gpkg", "pod = 1.2", "[0, 1]")


def test_negative_bandwidth(region, tmp_path, write_scenario):
    text = scenario_text(region).replace("bandwidth = 250.0", "bandwidth = -250.0")
    check_refused(write_scenario(text), tmp_path, "model.evidence.finds.bandwidth", "positive")


def test_zero_resolution(region, tmp_path, write_scenario):
    grid = '[grid]\ncrs = "EPSG:32638"\nresolution = 0\nbounds = [640000, 4414000, 646000, 4420000]\n'
    check_refused(write_scenario(scenario_text(region, grid=grid)), tmp_path, "grid.resolution", "positive")


def test_unknown_value_field_suggests(region, tmp_path, write_scenario):
    text = scenario_text(region).replace('count_field = "count"', 'count_field = "cnt"')
    check_refused(write_scenario(text), tmp_path, "finds", "no field 'cnt'", "did you mean 'count'")


def test_output_folder_that_does_not_exist(region, tmp_path):
    result = run_minerisk("run", region / "scenario.toml", "-o", tmp_path / "missing" / "out.nc")
    assert result.returncode == 2
    assert "output" in result.stderr and "does not exist" in result.stderr
    assert not (tmp_path / "missing").exists()


def test_output_folder_that_cannot_be_written(region, tmp_path):
    # /proc refuses new files even to root, unlike a chmod-ed folder.
    result = run_minerisk("run", region / "scenario.toml", "-o", "/proc/minerisk_out.nc")
    assert result.returncode == 2, result.stderr
    assert "cannot write in folder '/proc'" in result.stderr
    assert result.stderr.strip().count("\n") == 0


def test_a_good_run_replaces_the_previous_output_only_with_overwrite(region, tmp_path):
    out = tmp_path / "out.nc"
    out.write_bytes(PREVIOUS)
    refused = run_minerisk("run", region / "scenario.toml", "-o", out, "--quiet")
    assert refused.returncode == 2
    assert "exists; give --overwrite" in refused.stderr and refused.stderr.count("\n") == 1
    assert out.read_bytes() == PREVIOUS
    assert sorted(os.listdir(tmp_path)) == ["out.nc"]
    result = run_minerisk("run", region / "scenario.toml", "-o", out, "--quiet", "--overwrite")
    assert result.returncode == 0, result.stderr
    assert out.read_bytes()[:8] == b"\x89HDF\r\n\x1a\n"
    assert sorted(os.listdir(tmp_path)) == ["out.nc", "out.png", "out_evidence.nc"]


def test_an_existing_picture_is_refused_without_overwrite(region, tmp_path):
    (tmp_path / "out.png").write_bytes(PREVIOUS)
    result = run_minerisk("run", region / "scenario.toml", "-o", tmp_path / "out.nc", "--quiet")
    assert result.returncode == 2 and "out.png' exists" in result.stderr
    assert sorted(os.listdir(tmp_path)) == ["out.png"]


def test_transform_keys_of_another_type_are_refused(region, tmp_path, write_scenario):
    text = scenario_text(region).replace('transform = { type = "exp_decay", length = 400.0 }',
                                         'transform = { type = "exp_decay", length = 400.0, x = [1, 2] }')
    check_refused(write_scenario(text), tmp_path, "transform.x", "piecewise")


def test_a_grid_named_as_its_picture_is_refused(region, tmp_path):
    out = tmp_path / "grid.png"  # the quick-look picture would be grid.png too
    result = run_minerisk("run", region / "scenario.toml", "-o", out)
    assert result.returncode == 2
    assert "is not a netCDF name" in result.stderr and "grid.nc" in result.stderr
    assert not out.exists()


def test_two_outputs_of_the_same_name_are_refused(region, tmp_path):
    out = tmp_path / "same.tif"
    result = run_minerisk("proximity", region / "dem.tif", out, "--nearest-value", out, "-q")
    assert result.returncode == 2
    assert "written twice" in result.stderr
    assert not out.exists()


def test_a_base_scenario_name_too_long_to_look_up_is_one_line(tmp_path):
    """Found by fuzz_sweep: a name the system refuses to look up (over 255 bytes) was an uncaught
    exception; it is a refusal naming the sweep file's base."""
    sweep = tmp_path / "sweep.toml"
    sweep.write_text('base = "' + "n" * 300 + '.toml"\nsamples = 2\n')
    result = run_minerisk("sweep", sweep, "-o", tmp_path / "out.nc", "-q")
    assert result.returncode == 2, result.stderr
    assert result.stderr.count("\n") == 1 and "File name too long" in result.stderr


def test_a_layer_kilometres_off_a_small_grid_is_used(region, tmp_path, write_scenario):
    """A front line 5 km from a 1 km grid was refused as 'far outside the grid; check the
    layer's CRS': the reach was the grid's own size. A small survey area's nearest front line
    or road is often that far; only a layer beyond 100 km (a wrong CRS) is refused."""
    grid = '[grid]\ncrs = "EPSG:32638"\nresolution = 10\nbounds = [641000, 4415000, 642000, 4416000]\n'
    for km, used in ((5, True), (150, False)):
        gpkg = tmp_path / f"lines_{km}km.gpkg"
        make_vector(gpkg, "front_lines", ogr.wkbLineString,
                    [(f"LINESTRING (640000 {4416000 + km * 1000}, 643000 {4416000 + km * 1000})", {})])
        text = replace_section(scenario_text(region, grid=grid), "front_lines", f'path = "{gpkg}"\nlayer = "front_lines"')
        if used:
            r = run_minerisk("run", write_scenario(text), "-o", tmp_path / "near.nc", "-q")
            assert r.returncode == 0, r.stderr
        else:
            check_refused(write_scenario(text), tmp_path, "front_lines", "far outside the grid", "CRS")
