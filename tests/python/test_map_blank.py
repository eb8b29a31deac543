"""A grid with no cell of data (all its cells the no-data value) gave a blank map and a report
of it, exit 0, with nothing said: a planner would brief from a map of nothing. Drawn still (a
map of the place), but said on the terminal and on the page."""
import numpy as np

from areas_helpers import X0, Y0, write_grid
from conftest import run_minerisk
from map_helpers import pdf_text

SAYS = "the grid holds no cell with data: the map shows no probability"


def test_a_map_and_a_report_of_a_grid_without_data_say_so(tmp_path):
    grid = write_grid(tmp_path / "blank.tif", np.full((20, 30), -9999, np.float32), nodata=-9999)
    r = run_minerisk("map", grid, "-o", tmp_path / "m.pdf", "--no-hillshade", "-q")
    assert r.returncode == 0 and SAYS in r.stderr, r.stderr
    assert SAYS in " ".join(pdf_text(tmp_path / "m.pdf").split())
    r = run_minerisk("report", grid, "-o", tmp_path / "r.html", "-q")
    assert r.returncode == 0 and SAYS in r.stderr, r.stderr
    assert SAYS.replace("'", "&#39;") in (tmp_path / "r.html").read_text()


def test_one_cell_of_data_is_not_a_blank_grid(tmp_path):
    values = np.full((200, 300), -9999, np.float32)
    values[117, 203] = 0.3  # one cell, which the map's overview keeps (each pixel's largest value)
    grid = write_grid(tmp_path / "one.tif", values, nodata=-9999)
    r = run_minerisk("map", grid, "-o", tmp_path / "m.pdf", "--no-hillshade", "-q", "--size", "A5")
    assert r.returncode == 0 and SAYS not in r.stderr, r.stderr


def test_an_extent_without_data_is_said_of_the_extent_and_infinities_are_no_data(tmp_path):
    values = np.full((20, 30), -9999, np.float32)
    values[:, :10] = 0.2  # data in the western third only
    grid = write_grid(tmp_path / "west.tif", values, nodata=-9999)
    r = run_minerisk("map", grid, "-o", tmp_path / "e.pdf", "--no-hillshade", "-q",
                     "--extent", X0 + 200, Y0 - 200, X0 + 300, Y0)
    assert r.returncode == 0 and "the map's extent holds no cell with data" in r.stderr, r.stderr
    # A grid of infinities is a grid without data, not values "from 0 to inf" in the top class.
    grid = write_grid(tmp_path / "inf.tif", np.full((20, 30), np.inf, np.float32))
    r = run_minerisk("map", grid, "-o", tmp_path / "i.pdf", "--no-hillshade", "-q")
    assert r.returncode == 0 and SAYS in r.stderr and "outside 0 to 1" not in r.stderr, r.stderr


def test_infinities_are_drawn_as_no_data(tmp_path):
    """+inf cells were drawn in the last class (the colour of certain clearance)."""
    from osgeo import gdal
    values = np.full((40, 60), 0.3, np.float32)
    drawn = {}
    for name, fill in (("inf", np.inf), ("nan", np.nan)):
        values[:, 30:] = fill
        grid = write_grid(tmp_path / f"{name}.tif", values, nodata=None if name == "inf" else float("nan"))
        r = run_minerisk("map", grid, "-o", tmp_path / f"{name}.png", "--no-hillshade", "--no-context", "-q",
                         "--title", "same", "--dpi", "50")
        assert r.returncode == 0, r.stderr
        ds = gdal.Open(str(tmp_path / f"{name}.png"))
        # The map frame: left of the panel (which names the grid's file), above the footer.
        drawn[name] = ds.ReadAsArray()[:, : int(ds.RasterYSize * 0.85), : int(ds.RasterXSize * 0.75)]
    assert np.array_equal(drawn["inf"], drawn["nan"])
