"""minerisk update: after each edit of the inputs an operator makes (finds added, moved and
deleted; clearance added; a POD or a record's reliability changed; the DEM edited in a window;
a weight changed), the updated grid is bit for bit what a full run on the new inputs writes:
every value and every stored chunk of the probability and of the evidence layers. And it
recomputes only the tiles the edit reaches."""
import random

import pytest

from conftest import run_minerisk
from update_helpers import (TILE, add_clearance, add_find, assert_same_output, changed_tiles, delete_find, edit_dem,
                            find_ids, first_fid, frame, full_run, move_find, private_region, probability, record_of,
                            set_field, summary, update)

TILES = 25  # 600 x 600 cells in tiles of 128
# How an incremental update starts its files from the previous ones (never null when it patches).
COPIED_BY = ("reflink", "kernel copy", "read and write")


def check_against_full_run(scenario, tmp_path, output, before):
    """Updates, runs in full, compares; returns the update's summary event."""
    s = summary(update(scenario, output))
    full = tmp_path / "full.nc"
    full_run(scenario, full)
    assert_same_output(output, full)
    # Every tile whose values changed was recomputed (a copied tile is the previous one).
    assert len(changed_tiles(before, probability(output))) <= s["tiles_recomputed"]
    assert s["tiles_recomputed"] + s["tiles_copied"] == TILES
    # An incremental update patches a copy of the previous files: that path is what is compared.
    if s["full_reason"] is None:
        assert s["previous_copied_by"] in COPIED_BY
    return s


def test_first_update_without_output_is_a_full_run(region, tmp_path):
    copy, scenario = private_region(region, tmp_path)
    s = summary(update(scenario, tmp_path / "out.nc"))
    assert s["tiles_recomputed"] == TILES and s["full_reason"] == "there is no previous output"
    full_run(scenario, tmp_path / "full.nc")
    assert_same_output(tmp_path / "out.nc", tmp_path / "full.nc")


def test_nothing_changed_copies_every_tile(region, tmp_path):
    copy, scenario = private_region(region, tmp_path)
    full_run(scenario, tmp_path / "out.nc")  # a run's output can be updated too
    s = summary(update(scenario, tmp_path / "out.nc"))
    assert s["tiles_recomputed"] == 0 and s["tiles_copied"] == TILES and s["tiles_by_input"] == {}
    assert s["previous_copied_by"] in COPIED_BY
    full_run(scenario, tmp_path / "full.nc")
    assert_same_output(tmp_path / "out.nc", tmp_path / "full.nc")


def test_random_edits_match_a_full_run(region, tmp_path):
    """Twelve random edits in a row, each followed by an update compared with a full run."""
    copy, scenario = private_region(region, tmp_path)
    out = tmp_path / "out.nc"
    summary(update(scenario, out))
    x0, y0, cell = frame(copy)
    rng = random.Random(15)
    edits = ["add", "move", "delete", "clear", "pod", "reliability", "dem", "add", "move", "clear", "delete", "dem"]
    rng.shuffle(edits)
    local_updates = 0
    for edit in edits:
        before = probability(out)
        x = x0 + rng.uniform(0, 600) * cell
        y = y0 - rng.uniform(0, 600) * cell
        if edit == "add":
            for _ in range(rng.randint(1, 5)):
                add_find(copy, x + rng.uniform(-100, 100), y + rng.uniform(-100, 100), rng.randint(1, 3))
        elif edit == "move":
            move_find(copy, rng.choice(find_ids(copy)), rng.uniform(-300, 300), rng.uniform(-300, 300))
        elif edit == "delete":
            delete_find(copy, rng.choice(find_ids(copy)))
        elif edit == "clear":
            add_clearance(copy, x, y - 150, x + 200, y, rng.choice([0.5, 0.9, 0.99]))
        elif edit == "pod":
            set_field(copy, "cleared", first_fid(copy, "cleared"), "pod", rng.choice([0.6, 0.8]))
        elif edit == "reliability":
            set_field(copy, "records", first_fid(copy, "records"), "reliability", rng.choice([0.1, 0.5, 0.9]))
        elif edit == "dem":
            edit_dem(copy, rng.randrange(0, 560), rng.randrange(0, 560), 40, rng.choice([-30.0, 25.0]))
        s = check_against_full_run(scenario, tmp_path, out, before)
        assert s["full_reason"] is None, edit
        local_updates += s["tiles_recomputed"] < TILES
    # The edits are local: most updates recompute a part of the grid only.
    assert local_updates >= len(edits) // 2


def test_finds_on_tile_borders_and_at_the_edge_of_reach(region, tmp_path):
    copy, scenario = private_region(region, tmp_path)
    out = tmp_path / "out.nc"
    summary(update(scenario, out))
    x0, y0, cell = frame(copy)
    reach = 4 * 250.0  # the finds layer: bandwidth 250 m, truncated at 4 bandwidths
    border_x, border_y = x0 + 2 * TILE * cell, y0 - 2 * TILE * cell  # a corner shared by four tiles
    placements = [
        (border_x, border_y),                                  # on the corner itself
        (border_x, border_y - 0.5 * TILE * cell),              # on a vertical border
        (border_x + reach - 0.01, y0 - 0.5 * TILE * cell),     # just within reach of the tile left of the border
        (border_x + reach + 0.01, y0 - 2.5 * TILE * cell),     # just beyond it
        (x0 - reach + 5.0, y0 - 300 * cell),                   # outside the grid, within reach of its edge
    ]
    for x, y in placements:
        before = probability(out)
        add_find(copy, x, y)
        s = check_against_full_run(scenario, tmp_path, out, before)
        assert 0 < s["tiles_recomputed"] < TILES
        assert set(s["tiles_by_input"]) == {"finds"}


def test_weight_change_recomputes_everything_and_says_so(region, tmp_path):
    copy, scenario = private_region(region, tmp_path)
    out = tmp_path / "out.nc"
    summary(update(scenario, out))
    before = probability(out)
    scenario.write_text(scenario.read_text().replace("weight = 0.9", "weight = 1.3"))
    s = check_against_full_run(scenario, tmp_path, out, before)
    assert s["tiles_recomputed"] == TILES
    assert "model" in s["full_reason"]


def test_title_and_fit_options_do_not_recompute(region, tmp_path):
    copy, scenario = private_region(region, tmp_path)
    out = tmp_path / "out.nc"
    summary(update(scenario, out))
    scenario.write_text(scenario.read_text().replace('title = "test scenario"', 'title = "renamed"\n\n[fit]\nl2 = 2.0'))
    s = summary(update(scenario, out))
    assert s["tiles_recomputed"] == 0


def test_history_and_changes_table(region, tmp_path):
    copy, scenario = private_region(region, tmp_path)
    out = tmp_path / "out.nc"
    summary(update(scenario, out))
    x0, y0, cell = frame(copy)
    add_find(copy, x0 + 100 * cell, y0 - 100 * cell, 2)
    summary(update(scenario, out))
    record = record_of(out)
    assert [c["command"] for c in record["changes"]] == ["update", "update"]
    last = record["changes"][-1]
    assert last["inputs_changed"] == {"finds": last["tiles_recomputed"]} and last["tiles_total"] == TILES
    assert any(path.endswith("region.gpkg") for path in last["files_changed"])
    assert len(record["history"].splitlines()) == 2 and "minerisk update" in record["history"].splitlines()[-1]


@pytest.mark.parametrize("option", [("--tile-size", "64"), ("--evidence", "float32")])
def test_other_tiling_or_storage_recomputes_everything(region, tmp_path, option):
    copy, scenario = private_region(region, tmp_path)
    out = tmp_path / "out.nc"
    summary(update(scenario, out))
    s = summary(run_minerisk("update", scenario, "-o", out, "--log-format", "json", *option,
                             *(["--tile-size", "128"] if option[0] != "--tile-size" else [])))
    assert s["tiles_recomputed"] == s["tiles_total"] and s["full_reason"]


def test_python_update_is_the_command_line_update(region, tmp_path):
    """Scenario.update writes what `minerisk update` writes and returns its summary; a held lock
    raises minerisk.Busy."""
    import fcntl

    import minerisk

    copy, scenario = private_region(region, tmp_path)
    out = tmp_path / "py.nc"
    first = minerisk.Scenario(scenario).update(out, tile_size=TILE)
    assert first["tiles_recomputed"] == TILES and first["full_reason"]
    x0, y0, cell = frame(copy)
    add_find(copy, x0 + 500 * cell, y0 - 500 * cell, 2)
    second = minerisk.Scenario(scenario).update(out, tile_size=TILE, keep=1)
    assert 0 < second["tiles_recomputed"] < TILES and list(second["tiles_by_input"]) == ["finds"]
    assert len(second["kept"]) == 1
    full_run(scenario, tmp_path / "full.nc")
    assert_same_output(out, tmp_path / "full.nc")
    with open(str(out) + ".lock", "a") as held:
        fcntl.flock(held, fcntl.LOCK_EX)
        with pytest.raises(minerisk.Busy, match=r"try again later, or use wait=True"):
            minerisk.Scenario(scenario).update(out, tile_size=TILE)
