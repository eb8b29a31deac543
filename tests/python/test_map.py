"""`minerisk map` as a person sees it: the PDF rendered by pdftoppm and read by pdftotext, the
PNG's pixels. The colour of a class is checked on grids whose classes are known, a hot spot
must survive the overview, coordinates must wrap at the antimeridian, non-square cells must
keep their ground shape, and any script's title must come out as the same text."""
import re
import subprocess

import numpy as np
import pytest

from conftest import minerisk_bin, run_minerisk
from map_helpers import (HIGHEST, LOWEST, mask_of, pdf_info, pdf_text, pdf_to_png, pdf_words, pixels, write_grid,
                         write_points)


@pytest.fixture(scope="module")
def demo_map(demo_folder, tmp_path_factory):
    """The demo's sample grid with its hazard areas, mapped to an A3 PDF and a PNG."""
    out = tmp_path_factory.mktemp("map")
    areas = out / "areas.gpkg"
    assert run_minerisk("areas", demo_folder / "sample.nc", "-o", areas, "-q").returncode == 0
    region = demo_folder / "sample" / "region.gpkg"
    pdf, png = out / "map.pdf", out / "map.png"
    r = run_minerisk("map", demo_folder / "sample.nc", "-o", pdf, "--areas", areas, "--roads", f"{region}:roads",
                     "--settlements", f"{region}:settlements")
    assert r.returncode == 0, r.stderr
    r_png = run_minerisk("map", demo_folder / "sample.nc", "-o", png, "--areas", areas, "--threads", "1")
    assert r_png.returncode == 0, r_png.stderr
    return demo_folder, out, pdf, png, r.stdout, areas


def test_pdf_is_an_a3_page_with_the_map_furniture(demo_map):
    folder, out, pdf, _, stdout, _ = demo_map
    info = pdf_info(pdf)
    assert info["Pages"].strip() == "1"
    # The sample is square: portrait, with the panel below the map, gives it the larger frame.
    assert "841.89 x 1190.55 pts (A3)" in info["Page size"]
    text = pdf_text(pdf)
    for words in ["minerisk synthetic region (sample", "Probability of contamination", "Clearance", "Technical survey",
                  "Cancellation", "No data", "WGS 84 / UTM zone 38N (EPSG:32638)", "Scale 1:", "km",
                  "not a survey result", "IMAS 07.11", "Front lines", "Finds of mines and UXO", "Cleared land",
                  "Minefield records", "Roads", "Settlements", "Hazard area: clearance", "SHA-256", "Map drawn",
                  "computed 2026-" if "2026-" in text else "computed"]:
        assert words in text, words
    # Grid coordinates along the frame: eastings at round kilometres of this UTM grid.
    assert re.search(r"650\s?000 E", text) and re.search(r"4\s?405\s?000 N", text), text
    assert "drawn: Finds of mines and UXO (502)" in stdout  # every find of the region lies on the grid


def test_pdf_renders_with_the_classes_colours(demo_map):
    _, out, pdf, _, _, _ = demo_map
    image = pixels(pdf_to_png(pdf, out / "rendered", dpi=50))
    assert image.shape[:2] == pytest.approx((420 / 25.4 * 50, 297 / 25.4 * 50), abs=2)
    # Not blank: many colours, among them reds of the high classes (shaded by the hillshade).
    assert len(np.unique(image.reshape(-1, 3), axis=0)) > 500
    red = (image[..., 0] > 120) & (image[..., 1] < 60) & (image[..., 2] < 80)
    assert red.sum() > 200


def test_png_and_pdf_draw_the_same_page(demo_map):
    _, out, pdf, png, _, _ = demo_map
    picture = pixels(png)
    assert picture.shape[:2] == pytest.approx((420 / 25.4 * 150, 297 / 25.4 * 150), abs=2)
    rendered = pixels(pdf_to_png(pdf, out / "same", dpi=150))
    assert rendered.shape == picture.shape
    # The same drawing: the PDF rasterised by poppler and the PNG rasterised by Cairo differ only
    # along the edges of shapes and glyphs.
    differs = np.abs(rendered.astype(int) - picture.astype(int)).max(axis=-1) > 40
    assert differs.mean() < 0.05, differs.mean()


def test_hazard_area_ranks_are_on_the_map(demo_map):
    _, out, pdf, _, stdout, areas = demo_map
    from osgeo import ogr
    ds = ogr.Open(str(areas))
    count = ds.GetLayerByName("areas").GetFeatureCount()
    assert f"drawn: hazard areas ({count})" in stdout
    words = {w[0] for w in pdf_words(pdf)}
    assert {"1", "2", "3"} <= words  # the best-ranked areas carry their rank


def test_the_map_is_the_same_for_any_thread_count(demo_folder, tmp_path):
    a, b = tmp_path / "a.png", tmp_path / "b.png"
    assert run_minerisk("map", demo_folder / "sample.nc", "-o", a, "--threads", "1", "-q").returncode == 0
    assert run_minerisk("map", demo_folder / "sample.nc", "-o", b, "--threads", "2", "-q").returncode == 0
    assert a.read_bytes() == b.read_bytes()


def halves(tmp_path, cell=(10, 10), shape=(50, 100)):
    """A grid whose west half is 0.7 (clearance) and east half 0.0005 (the lowest class)."""
    values = np.full(shape, 0.0005, dtype=np.float32)
    values[:, : shape[1] // 2] = 0.7
    return write_grid(tmp_path / "halves.tif", values, (600000, cell[0], 0, 4500000, 0, -cell[1]))


@pytest.mark.parametrize("fmt", ["png", "pdf"])
def test_class_colours_fall_where_the_classes_are(tmp_path, fmt):
    # Cells of 10 x 20 m, 100 x 50 of them: 1 km on each side, so the map must be square.
    grid = halves(tmp_path, cell=(10, 20))
    out = tmp_path / f"m.{fmt}"
    r = run_minerisk("map", grid, "-o", out, "--no-hillshade", "--size", "A4", "--dpi", "100")
    assert r.returncode == 0, r.stderr
    image = pixels(out if fmt == "png" else pdf_to_png(out, tmp_path / "r", dpi=100))
    dark, light = mask_of(image, HIGHEST, 2), mask_of(image, LOWEST, 2)
    # The frame's halves dwarf the legend's swatches: compare the largest blocks of each.
    rows_d, cols_d = np.nonzero(dark)
    rows_l, cols_l = np.nonzero(light)
    assert np.median(cols_d) < np.median(cols_l)  # clearance to the west
    width_d = np.percentile(cols_d, 99) - np.percentile(cols_d, 1)
    width_l = np.percentile(cols_l, 99) - np.percentile(cols_l, 1)
    height = np.percentile(rows_d, 99) - np.percentile(rows_d, 1)
    assert width_d == pytest.approx(width_l, rel=0.03)
    assert width_d + width_l == pytest.approx(height, rel=0.04)  # square on the ground, square on paper


def test_a_single_hot_cell_survives_the_overview(tmp_path):
    values = np.zeros((3000, 3000), dtype=np.float32)
    values[1717, 2020] = 0.9
    grid = write_grid(tmp_path / "hot.tif", values, (600000, 10, 0, 4500000, 0, -10))
    out = tmp_path / "hot.png"
    r = run_minerisk("map", grid, "-o", out, "--size", "A5", "--dpi", "60", "--no-hillshade")
    assert r.returncode == 0, r.stderr
    assert "each map pixel" in r.stdout and "1 x 1 cells" not in r.stdout  # drawn from an overview
    image = pixels(out)
    # The legend's swatch of the highest class is one block; the hot cell adds another.
    swatch = mask_of(image, HIGHEST, 1)
    without = tmp_path / "cold.png"
    values[1717, 2020] = 0
    write_grid(tmp_path / "cold.tif", values, (600000, 10, 0, 4500000, 0, -10))
    assert run_minerisk("map", tmp_path / "cold.tif", "-o", without, "--size", "A5", "--dpi", "60",
                        "--no-hillshade", "-q").returncode == 0
    assert swatch.sum() > mask_of(pixels(without), HIGHEST, 1).sum()


def test_geographic_grid_across_the_antimeridian(tmp_path):
    values = np.linspace(0, 0.9, 200 * 100, dtype=np.float32).reshape(100, 200)
    grid = write_grid(tmp_path / "fiji.tif", values, (179.0, 0.01, 0, -16.0, 0, -0.01), epsg=4326)
    # A village at 179.6°W, stored as -179.6: on this grid it is at x = 180.4.
    places = write_points(tmp_path / "places.gpkg", "places", [(-179.6, -16.5)], 4326, names=["Şıxlı"])
    out = tmp_path / "fiji.pdf"
    r = run_minerisk("map", grid, "-o", out, "--settlements", f"{places}:places", "--size", "A4")
    assert r.returncode == 0, r.stderr
    words = pdf_words(out)
    labels = {w[0] for w in words}
    assert "180°" in labels and "179°30′E" in labels and "179°30′W" in labels
    east = next(w for w in words if w[0] == "179°30′E")
    west = next(w for w in words if w[0] == "179°30′W")
    village = next(w for w in words if w[0] == "Şıxlı")
    assert east[1] < village[1] < west[3]  # drawn east of the antimeridian, where it lies
    assert "WGS 84 (EPSG:4326)" in pdf_text(out)
    # An extent given in longitudes a whole turn away is the same place (it "missed the grid").
    near = tmp_path / "near.pdf"
    r = run_minerisk("map", grid, "-o", near, "--extent", "-179.9", "-16.9", "-179.3", "-16.1", "--size", "A5")
    assert r.returncode == 0, r.stderr
    assert "179°30′W" in {w[0] for w in pdf_words(near)} and "179°30′E" not in {w[0] for w in pdf_words(near)}


def test_any_script_in_the_title_keeps_its_glyphs(tmp_path):
    grid = halves(tmp_path)
    title = "Ağdam rayonu — Şıxlı kəndi · Донецкая область · Señalización: ñandú"
    out = tmp_path / "t.pdf"
    r = run_minerisk("map", grid, "-o", out, "--title", title, "--no-hillshade")
    assert r.returncode == 0, r.stderr
    assert title in pdf_text(out)
    import subprocess
    fonts = subprocess.run(["pdffonts", str(out)], capture_output=True, text=True, check=True).stdout
    assert "Type 3" not in fonts and "NotoSans" in fonts
    # In a PNG the glyphs differ from their ASCII look-alikes (no boxes, no dropped letters).
    a, b = tmp_path / "a.png", tmp_path / "b.png"
    for path, text in [(a, "Şıxlı Донецк"), (b, "Sixli Donetsk")]:
        assert run_minerisk("map", grid, "-o", path, "--title", text, "--no-hillshade", "-q", "--size", "A5").returncode == 0
    top_a, top_b = pixels(a)[:200], pixels(b)[:200]  # the title band
    assert (top_a != top_b).any()


def test_a_title_of_several_lines_is_drawn_on_one(tmp_path):
    """Its second and third lines were drawn over the subtitle and into the map's frame."""
    grid = halves(tmp_path)
    out = tmp_path / "t.pdf"
    r = run_minerisk("map", grid, "-o", out, "--title", "Survey, north\nPhase 2\r\nDraft", "--no-hillshade", "-q")
    assert r.returncode == 0, r.stderr
    assert "Survey, north · Phase 2 · Draft" in pdf_text(out).splitlines(), pdf_text(out)


def test_tiny_and_extent(tmp_path):
    tiny = write_grid(tmp_path / "tiny.tif", [[0.01, 0.2, 0.9]], (600000, 10, 0, 4500000, 0, -10))
    assert run_minerisk("map", tiny, "-o", tmp_path / "tiny.png", "-q").returncode == 0
    grid = halves(tmp_path)
    r = run_minerisk("map", grid, "-o", tmp_path / "west.png", "--extent", "600000", "4499500", "600400", "4500000",
                     "--no-hillshade", "--size", "A5", "--dpi", "72")
    assert r.returncode == 0, r.stderr
    image = pixels(tmp_path / "west.png")
    assert mask_of(image, HIGHEST, 1).sum() > 20 * mask_of(image, LOWEST, 1).sum()  # only the west half shown


def test_quantile_breaks_label_the_legend(demo_folder, tmp_path):
    out = tmp_path / "q.pdf"
    r = run_minerisk("map", demo_folder / "sample.nc", "-o", out, "--breaks", "quantile", "-q")
    assert r.returncode == 0, r.stderr
    assert "quantile breaks" in pdf_text(out)


def test_missing_scenario_layers_are_reported_not_fatal(demo_folder, tmp_path):
    import shutil
    copy = tmp_path / "copy"
    shutil.copytree(demo_folder / "sample", copy / "sample")
    r = run_minerisk("run", copy / "sample" / "scenario.toml", "-o", copy / "g.nc", "-q")
    assert r.returncode == 0, r.stderr
    (copy / "sample" / "region.gpkg").unlink()
    r = run_minerisk("map", copy / "g.nc", "-o", copy / "m.png", "-q")
    assert r.returncode == 0, r.stderr
    assert "Front lines not drawn" in r.stderr and "is gone" in r.stderr


@pytest.mark.parametrize("args, words", [
    (["-o", "{t}/m.jpg"], "as .pdf or .png"),
    (["-o", "{t}/m.png", "--extent", "0", "0", "10", "10"], "misses the grid"),
    (["-o", "{t}/m.png", "--extent", "5", "0", "1", "10"], "XMIN < XMAX"),
    (["-o", "{t}/m.png", "--size", "B7"], "is not a page size"),
    (["-o", "{t}/m.png", "--t1", "0.6"], "T1 < T2 < 1"),
    (["-o", "{t}/m.png", "--breaks", "jenks"], "'jenks' is not one of log, quantile"),
    (["-o", "{t}/m.png", "--dpi", "5000"], "--dpi"),
    (["-o", "{t}/m.png", "--areas", "{t}/none.gpkg"], "--areas"),
    (["-o", "{t}/m.png", "--roads", "{t}/none.gpkg"], "--roads"),
    (["-o", "{t}/m.png", "--orientation", "sideways"], "'sideways' is not one of portrait, landscape"),
    (["-o", "{t}/nofolder/m.png"], "does not exist"),
])
def test_bad_input_gets_one_line_and_exit_2(tmp_path, args, words):
    grid = halves(tmp_path)
    r = run_minerisk("map", grid, *[a.format(t=tmp_path) for a in args])
    assert r.returncode == 2, r.stderr
    lines = [line for line in r.stderr.splitlines() if line.strip()]
    assert len(lines) == 1 and words in lines[0], r.stderr
    assert not list(tmp_path.glob("m.*"))


def test_a_missing_layer_file_is_named_before_an_existing_output(tmp_path):
    grid = halves(tmp_path)
    (tmp_path / "m.png").write_bytes(b"keep")
    for option in ("--areas", "--roads", "--settlements"):
        r = run_minerisk("map", grid, "-o", tmp_path / "m.png", option, tmp_path / "none.gpkg")
        assert r.returncode == 2 and f"{option}: file '{tmp_path / 'none.gpkg'}' not found; check the path" in r.stderr, \
            r.stderr
    assert (tmp_path / "m.png").read_bytes() == b"keep"


def test_an_areas_file_that_is_not_minerisks(demo_folder, tmp_path):
    r = run_minerisk("map", demo_folder / "sample.nc", "-o", tmp_path / "m.png", "--areas",
                     demo_folder / "sample" / "region.gpkg")
    assert r.returncode == 2 and "has no layer 'areas'" in r.stderr
    assert not (tmp_path / "m.png").exists()


def test_never_overwrites_without_asking_nor_an_input(demo_folder, tmp_path):
    grid = halves(tmp_path)
    out = tmp_path / "m.png"
    out.write_bytes(b"keep")
    r = run_minerisk("map", grid, "-o", out)
    assert r.returncode == 2 and out.read_bytes() == b"keep"
    assert run_minerisk("map", grid, "-o", out, "--overwrite", "-q").returncode == 0
    assert out.read_bytes()[:4] == b"\x89PNG"
    before = grid.read_bytes()
    r = run_minerisk("map", grid, "-o", grid.with_suffix(".png"), "--overwrite", "--dem", grid, "-q")
    assert grid.read_bytes() == before


def test_python_map_gives_the_same_picture_as_the_command_line(demo_folder, tmp_path):
    import minerisk
    grid = demo_folder / "sample.nc"
    png = minerisk.map(grid, size="A5", dpi=50, areas=None)
    assert png[:8] == b"\x89PNG\r\n\x1a\n"
    (tmp_path / "py.png").write_bytes(png)
    assert run_minerisk("map", grid, "-o", tmp_path / "cli.png", "--size", "A5", "--dpi", "50", "-q").returncode == 0
    assert (pixels(tmp_path / "py.png") == pixels(tmp_path / "cli.png")).all()
    done = minerisk.map(grid, tmp_path / "m.pdf", size="A4")
    assert done["format"] == "pdf" and "probability over hillshade" in done["layers"]
    with pytest.raises(TypeError, match="unexpected keyword argument 'colour'"):
        minerisk.map(grid, colour="red")
    with pytest.raises(minerisk.Error, match="is not a page size"):
        minerisk.map(grid, size="B9")


# Regressions from an adversarial probe of the first version.

@pytest.mark.parametrize("args, words", [
    (["--t1", "3e-323"], "0.0001 <= T1"),
    (["--size", "5000x5000", "--dpi", "160"], "200 million"),
    (["--size", "100x100"], "leaves no room for the map"),
    (["--size", "100x0x200"], "is not a page size"),
])
def test_probed_bad_options(tmp_path, args, words):
    grid = halves(tmp_path)
    r = run_minerisk("map", grid, "-o", tmp_path / "m.png", *args)
    assert r.returncode == 2 and words in r.stderr and len(r.stderr.strip().splitlines()) == 1, r.stderr
    assert not (tmp_path / "m.png").exists()


def test_a_mistyped_layer_on_the_command_line_is_refused(demo_folder, tmp_path):
    region = demo_folder / "sample" / "region.gpkg"
    for option, name in [("--roads", f"{region}:raods"), ("--settlements", str(region))]:
        r = run_minerisk("map", demo_folder / "sample.nc", "-o", tmp_path / "m.png", option, name)
        assert r.returncode == 2 and option in r.stderr, r.stderr
    assert not (tmp_path / "m.png").exists()


def test_a_tall_strip_is_drawn_from_an_overview_of_its_height(tmp_path):
    grid = write_grid(tmp_path / "strip.tif", np.full((33000, 100), 0.3, dtype=np.float32),
                      (600000, 10, 0, 4500000, 0, -10))
    r = run_minerisk("map", grid, "-o", tmp_path / "s.png", "--no-hillshade", "--dpi", "100")
    assert r.returncode == 0, r.stderr
    assert "1 x 1 cells" not in r.stdout


def test_a_title_that_is_not_utf8_still_makes_a_pdf(tmp_path):
    grid = halves(tmp_path)
    r = subprocess.run([minerisk_bin(), "map", str(grid), "-o", str(tmp_path / "u.pdf"), "--title", b"A\xff\xfe"],
                       capture_output=True)
    assert r.returncode == 0, r.stderr


def test_near_the_pole_true_north_is_not_turned_around(tmp_path):
    # Polar stereographic north (EPSG:3413), centred 6 km from the pole: true north is grid north there.
    grid = write_grid(tmp_path / "polar.tif", np.full((60, 60), 0.2, dtype=np.float32), (-3000, 100, 0, -3000, 0, -100),
                      epsg=3413)
    out = tmp_path / "p.pdf"
    assert run_minerisk("map", grid, "-o", out, "-q").returncode == 0
    text = pdf_text(out)
    assert "180.0°" not in text


def test_a_variable_that_is_not_a_probability(tmp_path):
    values = np.linspace(-2, 40, 100 * 50, dtype=np.float32).reshape(50, 100)
    grid = write_grid(tmp_path / "counts.tif", values, (600000, 10, 0, 4500000, 0, -10))
    out = tmp_path / "c.pdf"
    r = run_minerisk("map", grid, "-o", out, "--no-hillshade")
    assert r.returncode == 0, r.stderr
    assert "outside 0 to 1" in r.stderr


# Regressions from a newcomer's review.

def test_the_qgis_project_never_replaces_a_file_the_grid_names(demo_folder, tmp_path):
    import shutil
    copy = tmp_path / "copy"
    shutil.copytree(demo_folder / "sample", copy / "sample")
    assert run_minerisk("run", copy / "sample" / "scenario.toml", "-o", copy / "g.nc", "-q").returncode == 0
    for target in [copy / "g_evidence.nc", copy / "sample" / "dem.tif"]:
        target_link = target.parent / (target.stem + ".qgs")
        before = target.read_bytes()
        # The project under an input's own name is refused for its extension; under a link to it, as an input.
        r = run_minerisk("map", copy / "g.nc", "--qgis-project", target, "--overwrite")
        assert r.returncode == 2 and target.read_bytes() == before, r.stderr
        target_link.symlink_to(target)
        r = run_minerisk("map", copy / "g.nc", "--qgis-project", target_link, "--overwrite")
        assert r.returncode == 2 and target.read_bytes() == before, r.stderr


def test_what_could_not_be_drawn_is_said_on_the_map(demo_folder, tmp_path):
    import shutil
    copy = tmp_path / "copy"
    shutil.copytree(demo_folder / "sample", copy / "sample")
    assert run_minerisk("run", copy / "sample" / "scenario.toml", "-o", copy / "g.nc", "-q").returncode == 0
    (copy / "sample" / "dem.tif").unlink()
    (copy / "sample" / "region.gpkg").unlink()
    r = run_minerisk("map", copy / "g.nc", "-o", copy / "m.pdf", "-q")
    assert r.returncode == 0, r.stderr
    assert "Hillshade not drawn" in r.stderr and "Front lines not drawn" in r.stderr
    text = " ".join(pdf_text(copy / "m.pdf").split())
    assert "Hillshade not drawn" in text and "Front lines not drawn" in text


def test_quantile_breaks_do_not_depend_on_the_page(demo_folder, tmp_path):
    legends = []
    for args in (["--dpi", "30", "--size", "A5"], ["--dpi", "150"]):
        out = tmp_path / f"q{len(legends)}.pdf"
        assert run_minerisk("map", demo_folder / "sample.nc", "-o", out, "--breaks", "quantile", "-q", *args).returncode == 0
        legends.append(re.findall(r"\d[\d.e-]* – \d[\d.e-]*", pdf_text(out)))
    assert legends[0] == legends[1] and len(legends[0]) >= 8


def test_the_map_is_the_same_for_any_thread_count_and_band_size(demo_folder, tmp_path):
    pictures = []
    for args in (["--threads", "1", "--tile-size", "64"], ["--threads", "2", "--tile-size", "1024"]):
        out = tmp_path / f"t{len(pictures)}.png"
        r = run_minerisk("map", demo_folder / "sample.nc", "-o", out, "--breaks", "quantile", "--size", "A4", "-q", *args)
        assert r.returncode == 0, r.stderr
        pictures.append(out.read_bytes())
    assert pictures[0] == pictures[1]


def test_settlements_must_be_points(demo_folder, tmp_path):
    region = demo_folder / "sample" / "region.gpkg"
    r = run_minerisk("map", demo_folder / "sample.nc", "-o", tmp_path / "m.png", "--settlements", f"{region}:roads")
    assert r.returncode == 2 and "give a point layer" in r.stderr, r.stderr
