"""minerisk update computes a tile whose finds or other vector inputs changed only over the
sub-blocks of 64 x 64 cells those changes reach, and takes the rest of its values from the
previous output: the result is still bit for bit a full run's. A tile whose DEM changed is
computed whole."""
import pytest

from conftest import run_minerisk
from update_helpers import (add_clearance, add_find, assert_same_output, delete_find, edit_dem, find_ids, frame,
                            move_find, private_region, summary)

TILE = 512  # the 600 x 600 region in 2 x 2 tiles: one of 512 x 512 cells, three cut by the edge


def update(scenario, out, evidence):
    return summary(run_minerisk("update", scenario, "-o", out, "--tile-size", TILE, "--evidence", evidence,
                                "--log-format", "json"))


def same_as_full_run(scenario, out, tmp_path, evidence):
    full = tmp_path / "full.nc"
    r = run_minerisk("run", scenario, "-o", full, "--tile-size", TILE, "--evidence", evidence, "--overwrite", "--quiet")
    assert r.returncode == 0, r.stderr
    assert_same_output(out, full)


@pytest.mark.parametrize("evidence", ["packed", "float32", "none"])
def test_finds_recompute_only_the_sub_blocks_they_reach(region, tmp_path, evidence):
    copy, scenario = private_region(region, tmp_path)
    out = tmp_path / "out.nc"
    update(scenario, out, evidence)
    x0, y0, cell = frame(copy)
    # A find reaches 4 x 250 m x sqrt(2) (141 cells) around it: 6 x 6 of the tile's 8 x 8 sub-blocks.
    add_find(copy, x0 + 200.5 * cell, y0 - 180.5 * cell, 3)
    s = update(scenario, out, evidence)
    assert s["tiles_recomputed"] == 1 and s["tiles_in_part"] == 1
    assert s["cells_recomputed"] == 384 * 384
    same_as_full_run(scenario, out, tmp_path, evidence)

    add_find(copy, x0 + 320 * cell, y0 - 256 * cell)  # on the corner of four sub-blocks
    s = update(scenario, out, evidence)
    assert s["tiles_in_part"] == 1 and s["cells_recomputed"] == 384 * 384
    same_as_full_run(scenario, out, tmp_path, evidence)

    # The next night: one moved, another deleted, one in the grid's last cell. The record of the
    # tile computed in part holds its sub-blocks' digests as a full run's does.
    ids = find_ids(copy)
    move_find(copy, ids[-1], 30 * cell, 0)
    delete_find(copy, ids[-2])
    add_find(copy, x0 + 599.5 * cell, y0 - 599.5 * cell)
    s = update(scenario, out, evidence)
    assert s["tiles_in_part"] >= 1 and s["full_reason"] is None
    same_as_full_run(scenario, out, tmp_path, evidence)


def test_clearance_and_a_dem_edit_together(region, tmp_path):
    """Clearance is a vector input (computed in part); a DEM edit in the same tile makes it whole."""
    copy, scenario = private_region(region, tmp_path)
    out = tmp_path / "out.nc"
    update(scenario, out, "packed")
    x0, y0, cell = frame(copy)
    add_clearance(copy, x0 + 40 * cell, y0 - 40 * cell, x0 + 60 * cell, y0 - 70 * cell, 0.8)
    s = update(scenario, out, "packed")
    assert s["tiles_in_part"] == 1 and s["cells_recomputed"] < TILE * TILE // 4
    same_as_full_run(scenario, out, tmp_path, "packed")

    edit_dem(copy, 550, 550, 20, 15.0)  # the corner tile's DEM
    add_find(copy, x0 + 100.5 * cell, y0 - 100.5 * cell)  # a find in the first tile
    s = update(scenario, out, "packed")
    assert s["tiles_recomputed"] == 2 and s["tiles_in_part"] == 1
    assert s["cells_recomputed"] > 88 * 88  # the corner tile whole, and part of the first
    same_as_full_run(scenario, out, tmp_path, "packed")
