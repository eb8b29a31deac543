"""`minerisk report` as a person sees it (issue 17, item 3): the page opened in Debian's Chromium,
headless, on the demo's sample region. It shows something at a desktop and at a phone's width
(no sideways scrolling of the page), its text holds every hazard area of the GeoPackage, its
console stays free of errors (and the check is shown to catch a page that has one), a click
on a heading sorts the table, it prints to PDF with its table, and it needs no network (no
http(s) address in it; a request it would make is blocked and caught). The model, validation,
a sweep's uncertainty, an update's changes and the provenance hold what their files say. Bad
input gives exit code 2 and one line."""
import hashlib
import tomllib
import json
import re
import shutil
import subprocess

import h5py
import numpy as np
import pytest
from osgeo import gdal, ogr

from browser import Browser
from conftest import minerisk_bin, run_minerisk

gdal.UseExceptions()
ogr.UseExceptions()


@pytest.fixture(scope="module")
def made(demo_folder, tmp_path_factory):
    """The demo's grid with its hazard areas (with the true devices), its evaluation, a sweep
    and an update of it, and the reports of each, in a folder of their own."""
    out = tmp_path_factory.mktemp("report")
    sample, grid = demo_folder / "sample", demo_folder / "sample.nc"
    r = run_minerisk("areas", grid, "-o", out / "areas.gpkg", "--truth", f"{sample / 'truth.gpkg'}:devices", "-q")
    assert r.returncode == 0, r.stderr
    r = run_minerisk("evaluate", grid, "--truth", sample / "truth.gpkg", "--layer", "devices", "-o", out / "eval.json")
    assert r.returncode == 0, r.stderr
    r = run_minerisk("report", grid, "-o", out / "report.html", "--areas", out / "areas.gpkg",
                     "--evaluation", out / "eval.json")
    assert r.returncode == 0, r.stderr
    assert r.stdout.startswith("report: ") and "hazard areas" in r.stdout, r.stdout
    (out / "sweep.toml").write_text(f'base = "{sample / "scenario.toml"}"\n[[axis]]\nparameter = "model.intercept"\n'
                                    'values = [-5.0, -4.0, -3.0]\n')
    r = run_minerisk("sweep", out / "sweep.toml", "-o", out / "sweep.nc", "-q")
    assert r.returncode == 0, r.stderr
    r = run_minerisk("report", out / "sweep.nc", "-o", out / "sweep.html", "-q")
    assert r.returncode == 0, r.stderr
    # A nightly update: yesterday's grid, then a day's find recorded and the update of it.
    region = out / "region"
    shutil.copytree(sample, region)
    r = run_minerisk("update", region / "scenario.toml", "-o", out / "nightly.nc", "--tile-size", "128", "-q")
    assert r.returncode == 0, r.stderr
    ds = ogr.Open(str(region / "region.gpkg"), update=1)
    finds = ds.GetLayerByName("finds")
    found = finds.GetNextFeature()
    new = ogr.Feature(finds.GetLayerDefn())
    new.SetFrom(found)
    point = found.GetGeometryRef().Clone()
    point.SetPoint_2D(0, point.GetX() + 150, point.GetY() + 150)
    new.SetGeometry(point)
    finds.CreateFeature(new)
    ds = None
    r = run_minerisk("update", region / "scenario.toml", "-o", out / "nightly.nc", "--tile-size", "128", "-q")
    assert r.returncode == 0, r.stderr
    r = run_minerisk("report", out / "nightly.nc", "-o", out / "nightly.html", "-q")
    assert r.returncode == 0, r.stderr
    return out, grid


@pytest.fixture(scope="module")
def browser():
    b = Browser()
    yield b
    b.close()


def rows_of(browser, table):
    return browser.evaluate(f"Array.from(document.querySelectorAll('#{table} tbody tr'))"
                            ".map(r => Array.from(r.cells).map(c => c.innerText.trim()))")


def headings_of(browser, table):
    return browser.evaluate(f"Array.from(document.querySelectorAll('#{table} thead th')).map(h => h.innerText.trim())")


def areas_of(gpkg):
    ds = ogr.Open(str(gpkg))
    layer = ds.GetLayerByName("areas")
    return [{k: f.GetField(k) for k in ("rank", "class", "area_ha", "expected_ha", "true_items")} for f in layer]


def varied(png):
    """How much a screenshot shows: its distinct colours and the share of pixels not white."""
    bands = gdal.Open(str(png)).ReadAsArray()[:3]  # RGB(A), band first
    pixels = bands.reshape(3, -1).T
    distinct = len(np.unique(pixels, axis=0))
    inked = float(np.mean(np.any(pixels < 240, axis=1)))
    return distinct, inked


@pytest.mark.parametrize("width,height,mobile", [(1280, 900, False), (390, 844, True)])
def test_the_page_shows_something_at_a_desktop_and_a_phones_width(made, browser, width, height, mobile, tmp_path):
    out, _ = made
    assert browser.open(out / "report.html", width, height, mobile) == []
    distinct, inked = varied(browser.screenshot(tmp_path / "top.png"))
    assert distinct > 100 and inked > 0.05, (distinct, inked)
    distinct, inked = varied(browser.screenshot(tmp_path / "page.png", full_page=True))
    assert distinct > 200 and inked > 0.05, (distinct, inked)
    # No sideways scrolling of the page itself: wide tables scroll inside their own box.
    assert browser.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1")
    if mobile:  # the map fits the phone's width
        assert browser.evaluate("document.querySelector('#map img').getBoundingClientRect().width") <= width
    assert browser.evaluate("document.querySelector('#map img').naturalWidth") > 300  # the map decoded


def test_the_table_holds_every_area_of_the_geopackage(made, browser):
    out, _ = made
    assert browser.open(out / "report.html") == []
    areas = sorted(areas_of(out / "areas.gpkg"), key=lambda a: a["rank"])
    assert len(areas) > 10
    heads = headings_of(browser, "areas-table")
    assert heads[:8] == ["Rank", "Class", "Area (ha)", "Expected contaminated (ha)", "Density (ha/ha)", "Max p",
                         "Priority", "Cumulative share"]
    assert "True items" in heads and "Slope (°)" in heads  # --truth given; the DEM from the scenario
    assert "Access (m)" not in heads  # no --access: no column of blanks
    rows = rows_of(browser, "areas-table")
    assert len(rows) == len(areas)
    items = heads.index("True items")
    for row, area in zip(rows, areas):
        assert int(row[0]) == area["rank"]
        assert row[1] == area["class"].replace("_", " ")
        assert float(row[2]) == pytest.approx(area["area_ha"], rel=1e-3)
        assert float(row[3]) == pytest.approx(area["expected_ha"], rel=1e-3)
        assert float(row[items]) == pytest.approx(area["true_items"], rel=1e-3)
    text = browser.evaluate("document.body.innerText")
    assert f"{len(areas)} hazard areas" in text
    assert "truth.gpkg, layer devices" in text  # the evaluation's truth: which of its layers was scored


def test_a_click_on_a_heading_sorts_the_table(made, browser):
    out, _ = made
    assert browser.open(out / "report.html") == []
    column = headings_of(browser, "areas-table").index("Area (ha)")

    def click_and_read():
        browser.evaluate("document.querySelector('#areas-table th[data-key=area_ha]').click()")
        return [float(r[column]) for r in rows_of(browser, "areas-table")]

    ascending = click_and_read()
    assert ascending == sorted(ascending) and ascending != sorted(ascending, reverse=True)
    descending = click_and_read()
    assert descending == sorted(ascending, reverse=True)
    browser.evaluate("document.querySelector('#areas-table th[data-key=rank]').click()")
    assert [int(r[0]) for r in rows_of(browser, "areas-table")] == list(range(1, len(ascending) + 1))
    assert browser.evaluate("document.querySelector('#areas-table th[data-key=rank]').getAttribute('aria-sort')") \
        == "ascending"
    assert browser.errors() == []


def test_the_console_check_catches_errors_and_blocked_requests(made, browser, tmp_path):
    out, _ = made
    broken = tmp_path / "broken.html"
    broken.write_text((out / "report.html").read_text().replace("</main>", "<script>notAFunction();</script></main>"))
    errors = browser.open(broken)
    assert any("notAFunction is not defined" in e for e in errors), errors
    # A request outside the page is refused by its content policy, and the refusal is caught.
    fetching = tmp_path / "fetching.html"
    fetching.write_text((out / "report.html").read_text().replace(
        "</main>", '<img src="' + "https" + '://example.invalid/x.png" alt=""></main>'))
    errors = browser.open(fetching)
    assert any("example.invalid" in e for e in errors), errors


def test_the_page_needs_no_network(made):
    out, _ = made
    for name in ("report.html", "sweep.html", "nightly.html"):
        html = (out / name).read_text()
        assert html.count("data:image/png;base64,") == 1  # the map, inline
        html = re.sub(r"data:image/png;base64,[A-Za-z0-9+/=]+", "data:", html)
        assert not re.search(r"https?:|//[a-z]|src=\"(?!data:)|<link|@import|url\(", html, re.I), name
        assert html.startswith("<!DOCTYPE html>") and 'name="viewport"' in html and "@media print" in html


def test_it_prints_with_its_table(made, browser, tmp_path):
    out, _ = made
    assert browser.open(out / "report.html") == []
    pdf = browser.print_pdf(tmp_path / "report.pdf")
    text = subprocess.run(["pdftotext", "-layout", pdf, "-"], capture_output=True, text=True, check=True).stdout
    assert "Hazard areas" in text and "Provenance" in text
    assert "technical survey" in text or "clearance" in text
    pages = subprocess.run(["pdfinfo", pdf], capture_output=True, text=True, check=True).stdout
    assert int(re.search(r"Pages:\s+(\d+)", pages).group(1)) >= 2
    # Printing opens the scenario, folded away on screen.
    assert "[model" in text


def test_the_model_section_shows_each_layer_and_its_curve(made, browser):
    out, grid = made
    assert browser.open(out / "report.html") == []
    scenario = tomllib.loads(gdal.Open(str(grid)).GetMetadataItem("NC_GLOBAL#scenario"))
    layers = scenario["model"]["evidence"]
    rows = rows_of(browser, "model-table")
    assert [r[0] for r in rows] == list(layers)
    for row, (name, layer) in zip(rows, layers.items()):
        assert row[1] == layer["feature"] and float(row[2]) == pytest.approx(layer["weight"], rel=1e-5)
    assert browser.evaluate("document.querySelectorAll('#model svg.chart path.series').length") == len(layers)
    text = browser.evaluate("document.querySelector('#model').innerText")
    assert f"{scenario['model']['intercept']:g}" in text


def test_validation_shows_the_evaluation_beside_a_random_ranking(made, browser):
    out, _ = made
    assert browser.open(out / "report.html") == []
    evaluation = json.loads((out / "eval.json").read_text())
    rows = {r[0]: r[1:] for r in rows_of(browser, "validation-table")}
    assert float(rows["ROC-AUC"][0]) == pytest.approx(evaluation["roc_auc"], abs=6e-4)
    assert rows["ROC-AUC"][1] == "0.5"
    assert float(rows["PR-AUC (average precision)"][0]) == pytest.approx(evaluation["pr_auc"], rel=6e-3)
    assert browser.evaluate("document.querySelectorAll('#validation svg path.series').length") == 2


def test_a_sweep_shows_its_uncertainty(made, browser):
    out, _ = made
    assert browser.open(out / "sweep.html") == []
    sd = gdal.Open(f'NETCDF:"{out / "sweep.nc"}":sd').ReadAsArray().astype(np.float64)
    rows = rows_of(browser, "uncertainty-table")
    assert rows[0][0].startswith("sd")
    assert float(rows[0][1]) == pytest.approx(np.nanmean(sd), rel=6e-3)  # three significant digits
    assert float(rows[0][4]) == pytest.approx(np.nanmax(sd), rel=6e-3)
    assert browser.evaluate("document.querySelectorAll('#uncertainty svg rect.bar').length") > 3
    assert browser.evaluate("document.querySelector('#areas')") is None  # no --areas: no table


def test_an_update_shows_what_changed(made, browser):
    out, _ = made
    assert browser.open(out / "nightly.html") == []
    assert browser.evaluate("document.querySelector('#changes h2').innerText") == "What changed"
    rows = rows_of(browser, "changes-table")
    changes = json.loads(h5py.File(out / "nightly.nc", "r")["update"].attrs["changes"])
    assert len(rows) == len(changes) == 2
    assert [r[0] for r in rows] == [c["date"] for c in reversed(changes)]  # the latest first
    last = changes[-1]
    assert last["command"] == "update" and last["inputs_changed"] and 0 < last["tiles_recomputed"] < last["tiles_total"]
    text = browser.evaluate("document.querySelector('#last-change').innerText")
    assert text.startswith("Since the previous run: changed inputs ")
    for name, tiles in last["inputs_changed"].items():
        assert f"{name} ({tiles} tile" in text
    assert f"{last['tiles_recomputed']} of {last['tiles_total']} tiles recomputed" in text
    browser.open(out / "report.html")
    assert browser.evaluate("document.querySelector('#changes')") is None  # a plain run: nothing changed


def test_provenance_lists_the_inputs_with_their_sha256(made, browser):
    out, grid = made
    assert browser.open(out / "report.html") == []
    inputs = json.loads(gdal.Open(str(grid)).GetMetadataItem("NC_GLOBAL#inputs"))
    rows = rows_of(browser, "inputs-table")
    assert [r[0] for r in rows] == [i["role"] for i in inputs]
    dem = next(i for i in inputs if i["role"].endswith("dem"))
    assert hashlib.sha256(open(dem["path"], "rb").read()).hexdigest() in [r[3] for r in rows]
    text = browser.evaluate("document.querySelector('#provenance').innerText")
    ds = gdal.Open(str(grid))
    for name in ("minerisk_version", "date_created", "run_id"):
        assert ds.GetMetadataItem(f"NC_GLOBAL#{name}") in text


def test_text_from_files_is_escaped(made, browser, tmp_path):
    out, grid = made
    title = "Ağdam — Şıxlı <script>window.hacked = 1</script> & Ижевск \"señal\""
    page = tmp_path / "escaped.html"
    r = run_minerisk("report", grid, "-o", page, "--title", title, "-q")
    assert r.returncode == 0, r.stderr
    assert browser.open(page) == []
    assert browser.evaluate("document.querySelector('h1').innerText") == title
    assert browser.evaluate("document.title") == title
    assert browser.evaluate("window.hacked === undefined")
    assert browser.evaluate("document.querySelectorAll('script').length") == 1
    # A control character is no text HTML may hold: shown as \xNN, as in the messages.
    r = run_minerisk("report", grid, "-o", page, "--title", "bell\x07here", "-q", "--overwrite")
    assert r.returncode == 0, r.stderr
    assert "\x07" not in page.read_text() and "bell\\x07here" in page.read_text()
    # Nor is a byte of no UTF-8 character (a Latin-1 title): the page was no UTF-8 (a review).
    r = subprocess.run([minerisk_bin(), "report", grid, "-o", page, "--title", b"T\xe9st \xc3\xa9", "-q", "--overwrite"])
    assert r.returncode == 0 and "<title>T\\xe9st \u00e9" in page.read_bytes().decode("utf-8")


def test_an_existing_report_needs_overwrite(made, tmp_path):
    _, grid = made
    page = tmp_path / "r.html"
    page.write_text("keep me")
    r = run_minerisk("report", grid, "-o", page)
    assert r.returncode == 2 and "--overwrite" in r.stderr and r.stderr.count("\n") == 1, r.stderr
    assert page.read_text() == "keep me"
    r = run_minerisk("report", grid, "-o", page, "--overwrite", "-q")
    assert r.returncode == 0, r.stderr
    assert page.read_text().startswith("<!DOCTYPE html>")


@pytest.mark.parametrize("case", ["missing grid", "areas without the layer", "areas missing", "evaluation not json",
                                  "evaluation not an evaluation", "not html"])
def test_bad_input_is_one_line_and_exit_2(made, demo_folder, tmp_path, case):
    out, grid = made
    args = {
        "missing grid": ([tmp_path / "nope.nc"], "nope.nc"),
        "areas without the layer": ([grid, "--areas", demo_folder / "sample" / "region.gpkg"], "has no layer 'areas'"),
        "areas missing": ([grid, "--areas", tmp_path / "none.gpkg"], "none.gpkg' not found"),
        "evaluation not json": ([grid, "--evaluation", tmp_path / "bad.json"], "is not JSON"),
        "evaluation not an evaluation": ([grid, "--evaluation", tmp_path / "other.json"], "not an evaluation"),
        "not html": ([grid], "does not end in .html"),
    }[case]
    (tmp_path / "bad.json").write_text("roc_auc: 0.9\n")
    (tmp_path / "other.json").write_text('{"a": 1}')
    target = tmp_path / ("report.pdf" if case == "not html" else "report.html")
    r = run_minerisk("report", *args[0], "-o", target)
    assert r.returncode == 2, r.stderr
    assert r.stderr.startswith("minerisk: ") and r.stderr.count("\n") == 1, r.stderr
    assert args[1] in r.stderr, r.stderr
    assert not target.exists()


@pytest.mark.parametrize("edit, says", [
    (lambda e: e.update(roc_auc="high"), "'roc_auc' is \"high\", not a number in [0, 1]"),
    (lambda e: e.update(pr_auc=1e308), "'pr_auc' is 1e+308, not a number in [0, 1]"),
    (lambda e: e.update(capture_curve_percent_area=[None, "a", {}]), "'capture_curve_percent_area' is [null,"),
    # A curve that falls, or does not end with every item, is no capture curve evaluate wrote.
    (lambda e: e.update(capture_curve_percent_area=[0, 0.9, 0.5, 1]), "is [0,0.9,0.5,1], not an array of shares rising"),
    (lambda e: e.update(capture_curve_percent_area=[0, 0.5, 0.9]), "is [0,0.5,0.9], not an array of shares rising "
                                                                   "from 0 to 1"),
    (lambda e: e["capture_at_area"].update({"10%": 2}), "'capture_at_area.10%' is 2, not a share in [0, 1]"),
    (lambda e: e.update(cells=-5), "'cells' is -5, not a whole count of cells, 0 or more"),
    (lambda e: e.update(cells=1.5e300), "'cells' is 1.5e+300, not a whole count"),
    (lambda e: e.update(positive_cells=0.5), "'positive_cells' is 0.5, not a whole count"),
    (lambda e: e.update(positive_cells=e["cells"] + 1), "not at most the cells scored"),
    (lambda e: e.update(true_items=-0.0), "'true_items' is -0.0, not a count of 0 or more"),
    (lambda e: e["capture_at_area"].update({"200%": 0.5}), "'capture_at_area' is \"200%\", not keyed by shares"),
    (lambda e: e["capture_at_area"].update({"top": 0.5}), "'capture_at_area' is \"top\", not keyed by shares"),
    (lambda e: e.update(true_items="many"), "'true_items' is \"many\", not a count"),
    (lambda e: e.update(run_id="0123456789abcdef"), "scores another grid (run_id 0123456789abcdef; this grid's is"),
])
def test_an_evaluation_that_evaluate_did_not_write_for_this_grid_is_refused(made, tmp_path, edit, says):
    """A hand-edited figure, or another grid's evaluation, would be shown as this grid's skill."""
    out, grid = made
    evaluation = json.loads((out / "eval.json").read_text())
    assert evaluation["run_id"]  # evaluate names the computation it scored
    edit(evaluation)
    (tmp_path / "e.json").write_text(json.dumps(evaluation))
    target = tmp_path / "report.html"
    r = run_minerisk("report", grid, "-o", target, "--evaluation", tmp_path / "e.json")
    assert r.returncode == 2 and r.stderr.count("\n") == 1, r.stderr
    assert says in r.stderr, r.stderr
    assert not target.exists()
    del evaluation["run_id"]  # written by an earlier minerisk: not compared
    if "another grid" in says:
        (tmp_path / "e.json").write_text(json.dumps(evaluation))
        assert run_minerisk("report", grid, "-o", target, "--evaluation", tmp_path / "e.json").returncode == 0


def test_python_writes_the_same_report(made, tmp_path):
    import minerisk

    out, grid = made
    page = tmp_path / "python.html"
    r = minerisk.report(grid, page, areas=out / "areas.gpkg", evaluation=out / "eval.json")
    assert r["output"] == str(page) and r["bytes"] == page.stat().st_size
    assert r["areas"] == len(areas_of(out / "areas.gpkg")) and r["validation"] and not r["sweep"]
    assert r["sections"] == ["map", "areas", "model", "validation", "provenance"]
    with pytest.raises(minerisk.Error, match="exists"):
        minerisk.report(grid, page)
    with pytest.raises(minerisk.Error, match="has no layer 'areas'"):
        minerisk.report(grid, tmp_path / "other.html", areas=grid.parent / "sample" / "region.gpkg")


def test_a_grid_minerisk_did_not_write_gives_its_map_and_what_is_known(made, browser, tmp_path):
    _, grid = made
    tif = tmp_path / "p.tif"
    gdal.Translate(str(tif), f'NETCDF:"{grid}":probability')
    page = tmp_path / "tif.html"
    r = run_minerisk("report", tif, "-o", page, "-q")
    assert r.returncode == 0, r.stderr
    assert browser.open(page) == []
    assert browser.evaluate("Array.from(document.querySelectorAll('section')).map(s => s.id)") == ["map", "provenance"]
    assert "not written by minerisk" in browser.evaluate("document.querySelector('#provenance').innerText")
