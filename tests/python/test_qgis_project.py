"""The QGIS project beside the outputs as a planner meets it: opened by PyQGIS headless
(QgsProject.read, what a double-click does), every layer valid, the probability in the map's
land-release classes, the evidence layers grouped and hidden, the hazard areas categorized by
class, the paths still resolving once the folder is copied elsewhere, and the project's visible
layers rendered to a PNG that shows the classes' colours. The XML itself (escaping, relative
paths, one shader item per class) is tests/cpp/test_qgis_project.cpp."""
import json
import os
import shutil
import subprocess

import pytest

from conftest import run_minerisk

PYTHON = "/usr/bin/python3"

# The log classes of T1 = 0.05 and T2 = 0.5 (engine/render/colour_classes.cpp), as the map's
# legend colours them; the project must use exactly these.
CLASS_BREAKS = [0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.2, 0.5, float("inf")]

QGIS_SCRIPT = r"""
import json, os, sys
from qgis.core import (QgsApplication, QgsProject, QgsMapSettings, QgsMapRendererSequentialJob,
                       QgsRasterLayer, QgsVectorLayer, QgsColorRampShader)
from qgis.PyQt.QtCore import QSize
from qgis.PyQt.QtGui import QColor
app = QgsApplication([], False)
app.initQgis()
project = QgsProject.instance()
out = {"read": project.read(sys.argv[1]), "title": project.title(), "layers": []}
root = project.layerTreeRoot()
for node in root.findLayers():
    layer = node.layer()
    info = {"name": node.name(), "valid": bool(layer and layer.isValid()), "visible": node.isVisible(),
            "source": layer.source() if layer else "", "parent": node.parent().name()}
    if isinstance(layer, QgsRasterLayer):
        renderer = layer.renderer()
        info["renderer"] = renderer.type()
        if renderer.type() == "singlebandpseudocolor":
            shader = renderer.shader().rasterShaderFunction()
            info["discrete"] = shader.colorRampType() == QgsColorRampShader.Discrete
            info["items"] = [[i.value, i.color.name(), i.label] for i in shader.colorRampItemList()]
            # The colour QGIS gives a cell of exactly a break, and of the float32 just below it.
            info["shade"] = {repr(v): QColor(*shader.shade(v)[1:4]).name()
                             for v in (0.5, 0.49999997019767761, 0.05000000074505806, 0.049999997019767761)}
    elif isinstance(layer, QgsVectorLayer):
        info["renderer"] = layer.renderer().type()
        info["features"] = layer.featureCount()
        if layer.renderer().type() == "categorizedSymbol":
            info["field"] = layer.renderer().classAttribute()
            info["categories"] = [c.value() for c in layer.renderer().categories()]
        info["labels"] = layer.labelsEnabled()
    out["layers"].append(info)
out["crs"] = project.crs().authid() if project.crs().isValid() else None
group = root.findGroup("Evidence layers")
out["group"] = None if group is None else {"checked": group.itemVisibilityChecked(), "visible": group.isVisible()}

def render(layers, path):
    settings = QgsMapSettings()
    settings.setLayers(layers)
    settings.setDestinationCrs(project.crs())
    settings.setExtent(project.mapLayersByName("Probability")[0].extent())
    settings.setOutputSize(QSize(600, 600))
    settings.setBackgroundColor(QColor(255, 255, 255))
    job = QgsMapRendererSequentialJob(settings)
    job.start()
    job.waitForFinished()
    image = job.renderedImage()
    image.save(path)
    colours = {}
    for y in range(0, image.height(), 3):
        for x in range(0, image.width(), 3):
            c = QColor(image.pixel(x, y)).name()
            colours[c] = colours.get(c, 0) + 1
    return colours

visible = [n.layer() for n in root.findLayers() if n.isVisible()]
out["all_colours"] = render(visible, sys.argv[2])
out["probability_colours"] = render(project.mapLayersByName("Probability"), sys.argv[3])
# One evidence layer alone, on its ramp: the range fits the values (QGIS unpacks the int16s).
out["evidence_colours"] = render(project.mapLayersByName("front_lines"), sys.argv[3] + ".evidence.png")
# Each vector layer alone, in the project's CRS over the probability's extent: drawn where it lies.
out["vector_colours"] = {n.name(): render([n.layer()], sys.argv[3] + ".vector.png")
                         for n in root.findLayers() if isinstance(n.layer(), QgsVectorLayer)}
print(json.dumps(out), flush=True)
os._exit(0)  # QGIS 3.22 may crash while tearing down offscreen; the answer is printed
"""


def open_in_qgis(project, tmp_path):
    script = tmp_path / "qgis_project.py"
    script.write_text(QGIS_SCRIPT)
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen", "XDG_RUNTIME_DIR": str(tmp_path)}
    env.pop("LD_PRELOAD", None)  # QGIS only reads the files (see test_gis_clients.py)
    r = subprocess.run([PYTHON, str(script), str(project), str(tmp_path / "all.png"), str(tmp_path / "probability.png")],
                       capture_output=True, text=True, env=env, timeout=300)
    assert r.returncode == 0, r.stderr[-3000:]
    return json.loads(r.stdout.strip().splitlines()[-1])


@pytest.fixture(scope="module")
def project(demo_folder):
    """The demo's grid with its hazard areas, and the QGIS project of its map beside them."""
    folder = demo_folder
    grid, areas, project = folder / "sample.nc", folder / "qgis_areas.gpkg", folder / "sample.qgs"
    r = run_minerisk("areas", grid, "-o", areas, "--overwrite", "-q")
    assert r.returncode == 0, r.stderr
    r = run_minerisk("map", grid, "--qgis-project", project, "--areas", areas, "--overwrite")
    assert r.returncode == 0, r.stderr
    # No warning (every vector of the scenario found): the progress lines are all stderr holds.
    assert all(" tiles" in line for line in r.stderr.splitlines()), r.stderr
    assert r.stdout == f"map: wrote the QGIS project {project}\n"  # and no picture: none was asked for
    return folder, project


def test_every_layer_is_valid_and_in_place(project, tmp_path):
    folder, path = project
    result = open_in_qgis(path, tmp_path)
    assert result["read"]
    assert result["title"].startswith("minerisk synthetic region")
    layers = {layer["name"]: layer for layer in result["layers"]}
    assert all(layer["valid"] for layer in result["layers"]), [n for n, x in layers.items() if not x["valid"]]
    # Points over lines over outlines, then the areas over the probability.
    assert ["Finds of mines and UXO", "Front lines", "Cleared land", "Minefield records", "Hazard areas",
            "Probability"] == \
        [x["name"] for x in result["layers"] if x["parent"] != "Evidence layers"]
    # Each vector has its features and a style; the areas by class with their ranks.
    for name in ("Finds of mines and UXO", "Front lines", "Minefield records", "Cleared land"):
        assert layers[name]["features"] > 0 and layers[name]["renderer"] == "singleSymbol", name
        assert layers[name]["visible"]
    areas = layers["Hazard areas"]
    assert areas["renderer"] == "categorizedSymbol" and areas["field"] == "class" and areas["labels"]
    assert areas["categories"] == ["cancellation", "technical_survey", "clearance", "no_data"]
    assert areas["features"] > 0


def test_the_probability_has_the_maps_classes_and_the_evidence_is_hidden(project, tmp_path):
    _, path = project
    result = open_in_qgis(path, tmp_path)
    layers = {layer["name"]: layer for layer in result["layers"]}
    p = layers["Probability"]
    assert p["renderer"] == "singlebandpseudocolor" and p["discrete"] and p["visible"]
    assert [item[0] for item in p["items"]] == pytest.approx(CLASS_BREAKS)
    assert p["items"][0][1] == "#ffffcc"  # the ramp's light end (YlOrRd), as the map's legend
    assert p["items"][5][2] == "0.02 \u2013 0.05"
    # A cell of exactly T2 (or T1) is clearance (technical survey) as in the map and areas: QGIS's
    # discrete ramp gave it the class below, its item ending at the bound itself.
    colour_from = {round(bound, 6): p["items"][k + 1][1] for k, bound in enumerate(CLASS_BREAKS[:-1])}
    colour_below = {round(bound, 6): p["items"][k][1] for k, bound in enumerate(CLASS_BREAKS[:-1])}
    assert p["shade"]["0.5"] == colour_from[0.5] and p["shade"]["0.4999999701976776"] == colour_below[0.5]
    assert p["shade"]["0.05000000074505806"] == colour_from[0.05]
    assert p["shade"]["0.04999999701976776"] == colour_below[0.05]
    evidence = [x for x in result["layers"] if x["parent"] == "Evidence layers"]
    assert {x["name"] for x in evidence} >= {"slope", "front_lines", "finds", "records"}
    assert result["group"] == {"checked": False, "visible": False}
    assert all(not x["visible"] and x["renderer"] == "singlebandpseudocolor" for x in evidence)


def test_the_rendered_project_shows_the_classes_colours(project, tmp_path):
    _, path = project
    result = open_in_qgis(path, tmp_path)
    p = {layer["name"]: layer for layer in result["layers"]}["Probability"]
    class_colours = {item[1] for item in p["items"]}
    # The probability alone: only the classes' colours (and white where there is no data), and
    # most of them, since the sample spans the range.
    alone = result["probability_colours"]
    assert set(alone) <= class_colours | {"#ffffff"}, set(alone) - class_colours
    assert len(set(alone) & class_colours) >= 6
    # Everything visible: not blank, the classes still showing between the vectors and areas,
    # and the vectors' and areas' colours drawn over them.
    every = result["all_colours"]
    assert len(set(every) & class_colours) >= 4
    assert len(every) > len(alone)
    assert (tmp_path / "all.png").stat().st_size > 10000
    # The front lines' evidence spreads over its ramp, from viridis's dark end to its light one.
    evidence = result["evidence_colours"]
    assert len(evidence) > 20 and "#440154" in evidence and "#ffffff" not in evidence


def test_the_paths_resolve_after_the_folder_is_copied(project, tmp_path):
    folder, path = project
    moved = tmp_path / "elsewhere" / "mission"
    shutil.copytree(folder, moved, ignore=shutil.ignore_patterns("*.aux.xml"))
    result = open_in_qgis(moved / path.name, tmp_path)
    assert result["read"]
    for layer in result["layers"]:
        assert layer["valid"], layer["name"]
        assert str(moved) in layer["source"] and str(folder) not in layer["source"], layer


def test_the_map_and_its_project_are_written_together(project, tmp_path):
    folder, _ = project
    png, qgs = tmp_path / "map.png", tmp_path / "map.qgs"
    r = run_minerisk("map", folder / "sample.nc", "-o", png, "--qgis-project", qgs, "--size", "A5", "--dpi", "50",
                     "--breaks", "quantile", "-q")
    assert r.returncode == 0, r.stderr
    assert png.stat().st_size > 0
    # The paths lead back to the demo's folder from this one.
    text = qgs.read_text()
    assert "NETCDF:&quot;../" in text and str(folder) not in text
    # Neither a picture nor a project: refused before anything is written.
    r = run_minerisk("map", folder / "sample.nc")
    assert r.returncode == 2 and "--qgis-project" in r.stderr
    # From Python, the project alone.
    import minerisk
    result = minerisk.map(folder / "sample.nc", qgis_project=tmp_path / "python.qgs", breaks="quantile",
                          size="A5", dpi=50)  # quantiles of the same overview as the map's
    assert str(result["qgis_project"]) == str(tmp_path / "python.qgs") and str(result["output"]) in ("", ".")
    assert (tmp_path / "python.qgs").read_text() == text
    # An existing project is kept unless --overwrite.
    r = run_minerisk("map", folder / "sample.nc", "--qgis-project", qgs, "-q")
    assert r.returncode != 0 and qgs.read_text() == text


def test_the_project_has_the_grids_crs_and_reprojects_a_layer_in_another(project, tmp_path):
    folder, _ = project
    # The roads in longitude and latitude: QGIS draws them over the grid only if the project has
    # a CRS to project them to (a project without one leaves them off the map).
    roads = tmp_path / "roads_4326.gpkg"
    subprocess.run(["ogr2ogr", "-t_srs", "EPSG:4326", str(roads), str(folder / "sample" / "region.gpkg"), "roads"],
                   check=True, capture_output=True)
    qgs = tmp_path / "roads.qgs"
    r = run_minerisk("map", folder / "sample.nc", "--qgis-project", qgs, "--roads", f"{roads}:roads", "-q")
    assert r.returncode == 0, r.stderr
    result = open_in_qgis(qgs, tmp_path)
    from osgeo import gdal, osr
    grid_crs = osr.SpatialReference(wkt=gdal.Open(str(folder / "sample.nc")).GetProjection())
    assert result["crs"] == f"EPSG:{grid_crs.GetAuthorityCode(None)}"
    road_layers = [x["name"] for x in result["layers"] if "roads_4326" in x["source"]]
    assert len(road_layers) == 1 and all(x["valid"] for x in result["layers"])
    drawn = result["vector_colours"][road_layers[0]]
    assert sum(n for colour, n in drawn.items() if colour != "#ffffff") > 100, drawn
