#!/usr/bin/python3
"""The peer of `minerisk map` in bench/compare_map: QGIS (PyQGIS, headless) drawing the same
content into a PNG of the same size: the probability in the same discrete classes, a hillshade
of the DEM laid under it by multiplication, the scenario's cleared land, records, front lines
and finds, and the hazard areas outlined by class. As a planner would in QGIS's print layout,
without the furniture. Prints one JSON line: the seconds QGIS took to load and to render.

    qgis_map_render.py GRID.nc DEM.tif REGION.gpkg AREAS.gpkg WIDTH HEIGHT OUT.png THREADS
"""
import json
import os
import sys
import tempfile
import time

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
os.environ.setdefault("XDG_RUNTIME_DIR", tempfile.mkdtemp(prefix="qgis-runtime-"))

from qgis.core import (QgsApplication, QgsCategorizedSymbolRenderer, QgsColorRampShader, QgsFillSymbol,  # noqa: E402
                       QgsHillshadeRenderer, QgsLineSymbol, QgsMapRendererParallelJob, QgsMapSettings,
                       QgsMarkerSymbol, QgsRasterLayer, QgsRasterShader, QgsRendererCategory,
                       QgsSingleBandPseudoColorRenderer, QgsVectorLayer)
from qgis.PyQt.QtCore import QSize  # noqa: E402
from qgis.PyQt.QtGui import QColor, QPainter  # noqa: E402

# The map's classes (log breaks at T1 = 0.05, T2 = 0.5) and colours, as minerisk map draws them.
BREAKS = [0, 0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.2, 0.5, 1.0000001]
COLOURS = ["#ffffcc", "#ffea9e", "#ffd170", "#ffa750", "#f87935", "#ea4023", "#d21221", "#b60325", "#890129",
           "#5a0028"]


def main():
    grid, dem, region, areas, width, height, out, threads = sys.argv[1:9]
    start = time.perf_counter()
    app = QgsApplication([], False)
    app.initQgis()
    probability = QgsRasterLayer(f'NETCDF:"{grid}":probability', "probability", "gdal")
    items = [QgsColorRampShader.ColorRampItem(BREAKS[k + 1], QColor(COLOURS[k]), str(BREAKS[k]))
             for k in range(len(COLOURS))]
    ramp = QgsColorRampShader(0, 1, None, QgsColorRampShader.Discrete)
    ramp.setColorRampItemList(items)
    shader = QgsRasterShader()
    shader.setRasterShaderFunction(ramp)
    probability.setRenderer(QgsSingleBandPseudoColorRenderer(probability.dataProvider(), 1, shader))
    probability.setBlendMode(QPainter.CompositionMode_Multiply)
    relief = QgsRasterLayer(dem, "dem", "gdal")
    relief.setRenderer(QgsHillshadeRenderer(relief.dataProvider(), 1, 315, 45))
    layers = [probability]
    for name, symbol in [("finds", QgsMarkerSymbol.createSimple({"name": "square", "size": "0.6", "color": "black"})),
                         ("front_lines", QgsLineSymbol.createSimple({"line_width": "0.55", "line_color": "#28283c"})),
                         ("records", QgsFillSymbol.createSimple({"color": "0,0,0,0", "outline_color": "#762a83"})),
                         ("cleared", QgsFillSymbol.createSimple({"color": "26,152,80,56", "outline_color": "#1a783c"}))]:
        layer = QgsVectorLayer(f"{region}|layername={name}", name, "ogr")
        layer.renderer().setSymbol(symbol)
        layers.insert(0, layer)
    hazard = QgsVectorLayer(f"{areas}|layername=areas", "areas", "ogr")
    hazard.setRenderer(QgsCategorizedSymbolRenderer("class", [
        QgsRendererCategory(name, QgsFillSymbol.createSimple({"color": "0,0,0,0", "outline_color": colour,
                                                              "outline_width": "0.4"}), name)
        for name, colour in [("clearance", "#0f0f0f"), ("technical_survey", "#1f4e9c")]]))
    layers = [hazard] + layers + [relief]
    assert all(layer.isValid() for layer in layers), [layer.name() for layer in layers if not layer.isValid()]
    settings = QgsMapSettings()
    settings.setLayers(layers)
    settings.setDestinationCrs(probability.crs())
    settings.setExtent(probability.extent())
    settings.setOutputSize(QSize(int(width), int(height)))
    settings.setBackgroundColor(QColor("white"))
    os.environ["QGIS_GLOBAL_SETTINGS_FILE"] = ""
    QgsApplication.setMaxThreads(int(threads))
    loaded = time.perf_counter()
    job = QgsMapRendererParallelJob(settings)
    job.start()
    job.waitForFinished()
    job.renderedImage().save(out, "PNG")
    done = time.perf_counter()
    print(json.dumps({"load_s": loaded - start, "render_s": done - loaded}), flush=True)
    os._exit(0)  # QGIS's exit handlers can crash headless; the result is out


if __name__ == "__main__":
    main()
