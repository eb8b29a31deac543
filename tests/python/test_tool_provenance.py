"""The raster tools record what they read (the `minerisk_inputs` metadata item of a GeoTIFF or
COG, the global attribute of that name in netCDF-4), and fit refuses a raster layer whose
record names the finds, the cleared land or the label raster: a `minerisk density` of the
finds saw every label, the training cells' own included (a probe measured CV ROC-AUC 0.558
with it, against 0.479 cross-fitted), and a raster cannot be rebuilt out of fold."""
import hashlib
import json
import re
import shutil
import subprocess

import numpy as np
import pytest
import xarray
from osgeo import gdal

from conftest import run_minerisk, scenario_text

LAYER = """
[model.evidence.slope]
feature = "slope"
weight = -0.04

[model.evidence.tool]
feature = "raster"
path = '{raster}'
weight = 1.0
transform = "log1p"
"""


def record_of(path):
    ds = gdal.Open(str(path))
    text = ds.GetMetadataItem("minerisk_inputs") or ds.GetMetadataItem("NC_GLOBAL#minerisk_inputs")
    assert text, f"{path} has no record of its inputs"
    return json.loads(text)


def label_raster(region, path):
    """Labels on the region's grid: 1 and 0 in a checkerboard of 400 m squares."""
    dem = gdal.Open(str(region / "dem.tif"))
    ds = gdal.GetDriverByName("GTiff").Create(str(path), dem.RasterXSize, dem.RasterYSize, 1, gdal.GDT_Float32)
    ds.SetGeoTransform(dem.GetGeoTransform())
    ds.SetProjection(dem.GetProjection())
    rows, cols = np.mgrid[0:dem.RasterYSize, 0:dem.RasterXSize]
    ds.GetRasterBand(1).WriteArray(((rows // 40 + cols // 40) % 2).astype(np.float32))
    ds = None
    return path


def fit_with(region, tmp_path, write_scenario, raster, name="scenario.toml", fit_table=""):
    s = write_scenario(scenario_text(region, evidence=LAYER.format(raster=raster)) + fit_table, name=name)
    return run_minerisk("fit", s, "-o", tmp_path / "fitted.toml", "--block-size", "1000", "--overwrite")


def test_a_density_of_the_finds_records_its_inputs(region, tmp_path):
    gpkg = region / "region.gpkg"
    for name, extra in [("d.tif", []), ("d_cog.tif", ["-of", "COG"]), ("d.nc", [])]:
        r = run_minerisk("density", gpkg, tmp_path / name, "--layer", "finds", "--like", region / "dem.tif",
                         "--bandwidth", "300", "-q", *extra)
        assert r.returncode == 0, r.stderr
        finds, like = record_of(tmp_path / name)
        assert finds["role"] == "input" and finds["layer"] == "finds" and finds["file"] == str(gpkg)
        assert finds["sha256"] == hashlib.sha256(gpkg.read_bytes()).hexdigest()
        # A raster input is named and sized, not hashed (a DEM of gigabytes would cost more than the tool).
        assert like["role"] == "--like" and like["size"] == (region / "dem.tif").stat().st_size and "sha256" not in like
    # netCDF keeps it as a text attribute that ncdump and xarray read as they read any other.
    header = subprocess.run(["ncdump", "-h", tmp_path / "d.nc"], capture_output=True, text=True, check=True).stdout
    assert ":minerisk_inputs = " in header
    with xarray.open_dataset(tmp_path / "d.nc") as ds:
        assert json.loads(ds.attrs["minerisk_inputs"])[0]["layer"] == "finds"


def test_fit_refuses_a_tool_raster_of_the_finds_and_run_takes_it(region, tmp_path, write_scenario):
    density = tmp_path / "density.nc"
    assert run_minerisk("density", region / "region.gpkg", density, "--layer", "finds", "--like", region / "dem.tif",
                        "--bandwidth", "300", "-q").returncode == 0
    r = fit_with(region, tmp_path, write_scenario, density)
    assert r.returncode == 2 and r.stderr.count("\n") == 1, r.stderr
    assert "layer 'model.evidence.tool' reads a raster computed by minerisk from" in r.stderr
    assert "(layer 'finds')" in r.stderr and "the scenario's finds" in r.stderr and "find_density" in r.stderr
    assert not (tmp_path / "fitted.toml").exists()
    s = write_scenario(scenario_text(region, evidence=LAYER.format(raster=density)), name="run.toml")
    assert run_minerisk("run", s, "-o", tmp_path / "out.nc", "-q").returncode == 0
    # Through another tool: a focal mean of the density still saw the finds.
    smoothed = tmp_path / "smoothed.tif"
    assert run_minerisk("focal", density, smoothed, "--radius", "50", "-q").returncode == 0
    assert any(e.get("via") == str(density) and e.get("layer") == "finds" for e in record_of(smoothed))
    r = fit_with(region, tmp_path, write_scenario, smoothed)
    assert r.returncode == 2 and f"through {density}" in r.stderr, r.stderr
    # GDAL's own copy keeps the record (gdal_translate copies the metadata).
    copied = tmp_path / "copied.tif"
    gdal.Translate(str(copied), str(smoothed))
    assert fit_with(region, tmp_path, write_scenario, copied).returncode == 2


def test_a_distance_to_the_front_lines_of_the_same_file_is_taken(region, tmp_path, write_scenario):
    """The finds' GeoPackage often holds the front lines too: a layer read from it that is not
    the finds saw no label."""
    lines = tmp_path / "lines.tif"
    assert run_minerisk("proximity", region / "region.gpkg", lines, "--layer", "front_lines", "--like",
                        region / "dem.tif", "-q").returncode == 0
    r = fit_with(region, tmp_path, write_scenario, lines)
    assert r.returncode == 0, r.stderr


@pytest.mark.parametrize("layer", ["finds", "FINDS"])
def test_a_distance_to_a_copy_of_the_finds_is_refused(region, tmp_path, write_scenario, layer):
    """Made from a copy of the file elsewhere: the same bytes, the same layer in any case."""
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    shutil.copy(region / "region.gpkg", elsewhere / "copy.gpkg")
    distance = tmp_path / "distance.tif"
    assert run_minerisk("proximity", elsewhere / "copy.gpkg", distance, "--layer", layer, "--like",
                        region / "dem.tif", "-q").returncode == 0
    r = fit_with(region, tmp_path, write_scenario, distance)
    assert r.returncode == 2 and "copy.gpkg (layer '" + layer + "')" in r.stderr, r.stderr


def test_a_raster_of_the_label_raster_is_refused(region, tmp_path, write_scenario):
    labels = label_raster(region, tmp_path / "labels.tif")
    distance = tmp_path / "to_labels.tif"
    assert run_minerisk("proximity", labels, distance, "--values", "1", "-q").returncode == 0
    r = fit_with(region, tmp_path, write_scenario, distance, fit_table=f'\n[fit]\nlabels = "{labels}"\n')
    assert r.returncode == 2 and "from the label raster" in r.stderr, r.stderr


def test_the_label_raster_under_another_name_is_refused(region, tmp_path, write_scenario):
    """A copy of the label raster, a VRT over it, and a tool's output of either were taken: fit
    reported a cross-validated ROC-AUC of 1.0 with only the separation warning (a probe)."""
    labels = label_raster(region, tmp_path / "labels.tif")
    shutil.copy(labels, tmp_path / "copy.tif")
    gdal.BuildVRT(str(tmp_path / "over.vrt"), [str(labels)])
    for source, out in (("over.vrt", "focal_of_vrt.tif"), ("copy.tif", "focal_of_copy.tif")):
        r = run_minerisk("focal", tmp_path / source, tmp_path / out, "--statistic", "max", "--radius", "0", "-q")
        assert r.returncode == 0, r.stderr
    fit_table = f'\n[fit]\nlabels = "{labels}"\n'
    for layer, says in (("copy.tif", f"reads {tmp_path / 'copy.tif'}, a copy of the label raster {labels}"),
                        ("over.vrt", f"reads the label raster {labels} (through {tmp_path / 'over.vrt'})"),
                        ("focal_of_vrt.tif", f"reads the label raster {labels} (through "),
                        ("focal_of_copy.tif", f"a copy of the label raster {labels} (through ")):
        r = fit_with(region, tmp_path, write_scenario, tmp_path / layer, fit_table=fit_table)
        assert r.returncode == 2 and says in r.stderr and r.stderr.count("\n") == 1, (layer, r.stderr)
    # A raster of the same size and other bytes is no copy: taken.
    other = label_raster(region, tmp_path / "other.tif")
    ds = gdal.Open(str(other), gdal.GA_Update)
    ds.GetRasterBand(1).WriteArray(1 - ds.GetRasterBand(1).ReadAsArray())
    ds = None
    assert (tmp_path / "other.tif").stat().st_size == labels.stat().st_size
    r = fit_with(region, tmp_path, write_scenario, other, fit_table=fit_table)
    assert r.returncode == 0, r.stderr
    # Labels given as a VRT: matched by the file behind it, never by the VRT's bytes, which name
    # their source relative to themselves (the same text in another folder reads another file).
    # Also a VRT that opens with an XML declaration, as GDAL takes it: it was matched by its bytes.
    gdal.BuildVRT(str(tmp_path / "template.vrt"), [str(labels)])
    template = re.sub(r"<SourceFilename[^>]*>[^<]*</SourceFilename>",
                      '<SourceFilename relativeToVRT="1">data.tif</SourceFilename>', (tmp_path / "template.vrt").read_text())
    for declaration in ("", '<?xml version="1.0" encoding="UTF-8"?>\n'):
        a, b = tmp_path / f"a{len(declaration)}", tmp_path / f"b{len(declaration)}"
        for folder, source in ((a, labels), (b, other)):
            folder.mkdir()
            shutil.copy(source, folder / "data.tif")
            (folder / "m.vrt").write_text(declaration + template)
        assert (a / "m.vrt").read_bytes() == (b / "m.vrt").read_bytes()
        vrt_labels = f'\n[fit]\nlabels = "{a / "m.vrt"}"\n'
        r = fit_with(region, tmp_path, write_scenario, b / "m.vrt", fit_table=vrt_labels)
        assert r.returncode == 0, (declaration, r.stderr)
    r = fit_with(region, tmp_path, write_scenario, a / "data.tif", fit_table=vrt_labels)
    assert r.returncode == 2 and f"reads the label raster {a / 'm.vrt'}" not in r.stderr, r.stderr
    assert "the label raster" in r.stderr, r.stderr


def test_a_raster_without_a_record_is_taken(region, tmp_path, write_scenario):
    """Another program's raster cannot be told apart from any other (the README says so)."""
    density = tmp_path / "density.tif"
    assert run_minerisk("density", region / "region.gpkg", density, "--layer", "finds", "--like", region / "dem.tif",
                        "--bandwidth", "300", "-q").returncode == 0
    bare = tmp_path / "bare.tif"
    gdal.Translate(str(bare), str(density))
    ds = gdal.Open(str(bare), gdal.GA_Update)
    ds.SetMetadata({})
    ds = None
    assert gdal.Open(str(bare)).GetMetadataItem("minerisk_inputs") is None
    r = fit_with(region, tmp_path, write_scenario, bare)
    assert r.returncode == 0, r.stderr


def test_a_template_gives_its_grid_only(region, tmp_path, write_scenario):
    """--like a density of the finds: the distance to the front lines took the grid from it, not
    its values, and is taken (it was refused for the density's record)."""
    density = tmp_path / "density.tif"
    assert run_minerisk("density", region / "region.gpkg", density, "--layer", "finds", "--like", region / "dem.tif",
                        "--bandwidth", "300", "-q").returncode == 0
    lines = tmp_path / "lines.tif"
    assert run_minerisk("proximity", region / "region.gpkg", lines, "--layer", "front_lines", "--like", density,
                        "-q").returncode == 0
    assert [e["role"] for e in record_of(lines)] == ["input", "--like"]
    assert fit_with(region, tmp_path, write_scenario, lines).returncode == 0


def test_the_trace_goes_through_a_grid_and_the_hazard_areas(region, tmp_path, write_scenario):
    """A grid whose raster layer is a density of the finds, and the hazard areas of a grid run
    with the finds: both saw every label, however many files lie between."""
    density = tmp_path / "density.tif"
    assert run_minerisk("density", region / "region.gpkg", density, "--layer", "finds", "--like", region / "dem.tif",
                        "--bandwidth", "300", "-q").returncode == 0
    # A scenario with no labels at all, whose only label-made layer is that raster.
    prior = scenario_text(region, evidence=LAYER.format(raster=density))
    prior = prior[:prior.index("[finds]")] + prior[prior.index("[records]"):]
    grid = tmp_path / "prior.nc"
    assert run_minerisk("run", write_scenario(prior, name="prior.toml"), "-o", grid, "-q").returncode == 0
    r = fit_with(region, tmp_path, write_scenario, f'NETCDF:"{grid}":probability')
    assert r.returncode == 2 and f"through {density}" in r.stderr, r.stderr
    # The hazard areas of a run that read the finds, as a vector_distance or a tool's distance.
    full = tmp_path / "full.nc"
    assert run_minerisk("run", write_scenario(scenario_text(region), name="full.toml"), "-o", full, "-q").returncode == 0
    areas = tmp_path / "areas.gpkg"
    assert run_minerisk("areas", full, "-o", areas, "-q").returncode == 0
    evidence = f"""
[model.evidence.to_areas]
feature = "vector_distance"
path = "{areas}"
layer = "areas"
weight = -1.0
transform = "log1p"
"""
    s = write_scenario(scenario_text(region, evidence=evidence), name="to_areas.toml")
    r = run_minerisk("fit", s, "-o", tmp_path / "fitted.toml", "--block-size", "1000")
    assert r.returncode == 2 and "reads a vector file made by minerisk from" in r.stderr, r.stderr
    assert f"through {full}" in r.stderr
    distance = tmp_path / "to_areas.tif"
    assert run_minerisk("proximity", areas, distance, "--layer", "areas", "--like", region / "dem.tif",
                        "-q").returncode == 0
    assert fit_with(region, tmp_path, write_scenario, distance).returncode == 2


def test_records_stay_small_and_any_file_name_is_taken(region, tmp_path):
    """A grid diffed with its copy, again and again, doubled the record at every step (60 MB after
    16); each entry is kept once now. A file name that is not UTF-8 ended every tool with an
    internal error (exit 1): JSON holds UTF-8 only."""
    latin1 = str(tmp_path / bytes([0x64, 0xE9, 0x6D]).decode("utf-8", "surrogateescape")) + ".tif"  # "dém" in Latin-1
    shutil.copy(region / "dem.tif", latin1)
    assert run_minerisk("slope", latin1, tmp_path / "slope.tif", "-q").returncode == 0
    # A probability (diff takes nothing else), smoothed by a tool so that it has a record.
    p = tmp_path / "p.tif"
    gdal.Translate(str(p), str(region / "dem.tif"), scaleParams=[[]], outputType=gdal.GDT_Float32)
    ds = gdal.Open(str(p), gdal.GA_Update)
    band = ds.GetRasterBand(1)
    values = band.ReadAsArray()
    band.WriteArray((values - values.min()) / (values.max() - values.min()))
    ds = None
    r = run_minerisk("focal", p, tmp_path / "g0.tif", "--radius", "30", "-q")
    assert r.returncode == 0, r.stderr
    sizes = []
    for i in range(6):
        shutil.copy(tmp_path / f"g{i}.tif", tmp_path / f"g{i}b.tif")
        assert run_minerisk("diff", tmp_path / f"g{i}.tif", tmp_path / f"g{i}b.tif", "-o", tmp_path / f"g{i + 1}.tif",
                            "-q").returncode == 0
        sizes.append(len(record_of(tmp_path / f"g{i + 1}.tif")))
    assert sizes == [3 + 2 * i for i in range(6)], sizes  # two new entries a step, not twice as many


def test_the_label_raster_as_a_template_gives_its_grid_only(region, tmp_path, write_scenario):
    labels = label_raster(region, tmp_path / "labels.tif")
    lines = tmp_path / "lines.tif"
    assert run_minerisk("proximity", region / "region.gpkg", lines, "--layer", "front_lines", "--like", labels,
                        "-q").returncode == 0
    r = fit_with(region, tmp_path, write_scenario, lines, fit_table=f'\n[fit]\nlabels = "{labels}"\n')
    assert r.returncode == 0, r.stderr


def test_a_long_record_keeps_the_labels_first(region, tmp_path, write_scenario):
    """A record near the 1 MiB a tool writes: the next tool's record had to drop entries, and
    dropped the finds (then fit took its output); vector reads go first now."""
    density = tmp_path / "density.tif"
    assert run_minerisk("density", region / "region.gpkg", density, "--layer", "finds", "--like", region / "dem.tif",
                        "--bandwidth", "300", "-q").returncode == 0
    finds = [e for e in record_of(density) if e["role"] == "input"]
    filler = [{"role": "input", "path": f"/data/{'x' * 1000}/{i}.tif", "file": f"/data/{'x' * 1000}/{i}.tif"}
              for i in range(950)]
    ds = gdal.Open(str(density), gdal.GA_Update)
    ds.SetMetadataItem("minerisk_inputs", json.dumps(filler + finds))
    ds = None
    smoothed = tmp_path / "smoothed.tif"
    assert run_minerisk("focal", density, smoothed, "--radius", "50", "-q").returncode == 0
    kept = record_of(smoothed)
    assert len(json.dumps(kept, separators=(",", ":"))) <= 1 << 20 and len(kept) < 951
    assert any(e.get("layer") == "finds" for e in kept)
    r = fit_with(region, tmp_path, write_scenario, smoothed)
    assert r.returncode == 2 and "(layer 'finds')" in r.stderr, r.stderr


def test_a_vrt_of_a_tool_output_is_traced_to_its_source(region, tmp_path, write_scenario):
    """gdalbuildvrt of a density of the finds records nothing itself, and was taken."""
    density = tmp_path / "density.tif"
    assert run_minerisk("density", region / "region.gpkg", density, "--layer", "finds", "--like", region / "dem.tif",
                        "--bandwidth", "300", "-q").returncode == 0
    vrt = tmp_path / "density.vrt"
    gdal.BuildVRT(str(vrt), [str(density)])
    r = fit_with(region, tmp_path, write_scenario, vrt)
    assert r.returncode == 2 and f"through {density}," in r.stderr, r.stderr


def test_a_trace_cut_short_by_its_cap_is_said(region, tmp_path, write_scenario):
    """A mosaic of more tiles than a trace opens (64): the density of the finds as its last tile
    is not looked for, and fit says that its trace was cut short instead of keeping silent."""
    density = tmp_path / "density.tif"
    assert run_minerisk("density", region / "region.gpkg", density, "--layer", "finds", "--like", region / "dem.tif",
                        "--bandwidth", "300", "-q").returncode == 0
    gdal.Translate(str(tmp_path / "plain.tif"), str(region / "dem.tif"))
    tiles = []
    for k in range(70):
        tiles.append(tmp_path / f"tile{k:02d}.tif")
        shutil.copyfile(tmp_path / "plain.tif", tiles[-1])
    few, many = tmp_path / "few.vrt", tmp_path / "many.vrt"
    gdal.BuildVRT(str(few), [str(t) for t in tiles[:10]] + [str(density)])
    gdal.BuildVRT(str(many), [str(t) for t in tiles] + [str(density)])
    r = fit_with(region, tmp_path, write_scenario, few)
    assert r.returncode == 2 and f"through {density}," in r.stderr, r.stderr
    r = fit_with(region, tmp_path, write_scenario, many, fit_table="\n[fit]\ncross_validate = false\n")
    assert r.returncode == 0, r.stderr
    note = "layer 'model.evidence.tool': the record of what " + str(many) + " was computed from was traced through"
    assert note in r.stdout + r.stderr
    r = fit_with(region, tmp_path, write_scenario, few.with_name("plain.tif"))
    assert r.returncode == 0 and "was traced through" not in r.stdout + r.stderr, r.stderr
    # A tile's side files are no datasets: neither opened nor counted (30 tiles with three each
    # reached the cap, and fit said the trace was cut short).
    for tile in tiles[:30]:
        for side in (".tif.aux.xml", ".tfw", ".prj"):
            tile.with_name(tile.stem + side).write_text("<PAMDataset/>" if side.endswith("xml") else "")
    sided = tmp_path / "sided.vrt"
    gdal.BuildVRT(str(sided), [str(t) for t in tiles[:30]])
    r = fit_with(region, tmp_path, write_scenario, sided, fit_table="\n[fit]\ncross_validate = false\n")
    assert r.returncode == 0 and "was traced through" not in r.stdout + r.stderr, r.stderr


def test_an_ogr_vrt_over_the_finds_is_the_finds(region, tmp_path, write_scenario):
    """An OGR VRT over the finds layer was another file: a density of it was taken (a
    cross-validated ROC-AUC of 0.96 against 0.84), and a distance to it was not cross-fitted
    (0.998), with no warning (a probe)."""
    vrt = tmp_path / "finds.vrt"
    vrt.write_text(f'<OGRVRTDataSource><OGRVRTLayer name="sites"><SrcDataSource>{region / "region.gpkg"}'
                   '</SrcDataSource><SrcLayer>finds</SrcLayer></OGRVRTLayer></OGRVRTDataSource>\n')
    density = tmp_path / "density.tif"
    assert run_minerisk("density", vrt, density, "--layer", "sites", "--like", region / "dem.tif", "--bandwidth", "300",
                        "-q").returncode == 0
    r = fit_with(region, tmp_path, write_scenario, density)
    assert r.returncode == 2 and r.stderr.count("\n") == 1, r.stderr
    assert f"from {region / 'region.gpkg'} (layer 'finds') through {vrt}" in r.stderr and "the scenario's finds" in r.stderr
    # A distance to it is a distance to the finds: rebuilt out of fold, as the finds' own.
    distance = f"""
[model.evidence.slope]
feature = "slope"
weight = -0.04

[model.evidence.near]
feature = "vector_distance"
path = "{vrt}"
layer = "sites"
weight = -1.0
transform = "log1p"
"""
    s = write_scenario(scenario_text(region, evidence=distance), name="distance.toml")
    r = run_minerisk("fit", s, "-o", tmp_path / "fitted.toml", "--report", tmp_path / "fit.json", "--block-size", "1000",
                     "--overwrite")
    assert r.returncode == 0, r.stderr
    assert "near" in json.loads((tmp_path / "fit.json").read_text())["cross_fitted_layers"]
    # The finds read through the VRT, and a distance to their GeoPackage: the same finds.
    direct = distance.replace(f'path = "{vrt}"\nlayer = "sites"', f'path = "{region / "region.gpkg"}"\nlayer = "finds"')
    text = scenario_text(region, evidence=direct).replace(f'path = "{region / "region.gpkg"}"\nlayer = "finds"',
                                                          f'path = "{vrt}"\nlayer = "sites"', 1)
    assert text.count(str(vrt)) == 1
    s = write_scenario(text, name="finds_through_vrt.toml")
    r = run_minerisk("fit", s, "-o", tmp_path / "fitted.toml", "--report", tmp_path / "fit.json", "--block-size", "1000",
                     "--overwrite")
    assert r.returncode == 0, r.stderr
    assert "near" in json.loads((tmp_path / "fit.json").read_text())["cross_fitted_layers"]
