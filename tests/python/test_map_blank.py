"""A grid with no cell of data (all its cells the no-data value) gave a blank map and a report
of it, exit 0, with nothing said: a planner would brief from a map of nothing. Drawn still (a
map of the place), but said on the terminal and on the page."""
import numpy as np

from areas_helpers import write_grid
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
