"""minerisk update on a file system with reflinks (XFS here, made on a loop device; btrfs alike):
the previous files are copied by a reflink, which shares their blocks instead of writing them,
and only what changed is written into the copy. The copied tiles are then read and checked one
day in eight each (a scrub), since reading them all would make the update a read of the whole
output. Skipped where no XFS can be made (not root, no loop device, no mkfs.xfs): the test of
the same update on this machine's own file system is test_update_patch.py."""
import os
import shutil
import subprocess
import time

import h5py
import pytest

from update_helpers import (TILE, add_find, assert_same_output, frame, full_run, private_region, record_of, summary,
                            update)


# Without the sanitizers' runtime that scripts/sanitize preloads: it is for minerisk, not for
# the system's tools.
SYSTEM_ENV = {k: v for k, v in os.environ.items() if k != "LD_PRELOAD"}


def system(*command):
    return subprocess.run(list(map(str, command)), capture_output=True, env=SYSTEM_ENV)


@pytest.fixture
def xfs(tmp_path):
    mkfs = shutil.which("mkfs.xfs") or "/usr/sbin/mkfs.xfs"
    image, mount = tmp_path / "xfs.img", tmp_path / "xfs"
    mount.mkdir()
    with open(image, "wb") as f:
        f.truncate(512 << 20)  # sparse: what XFS needs at least, nothing written
    made = system(mkfs, "-q", "-m", "reflink=1", image)
    if made.returncode != 0:
        pytest.skip(f"cannot make an XFS here: {made.stderr.decode(errors='replace').strip()}")
    mounted = system("mount", "-o", "loop", image, mount)
    if mounted.returncode != 0:
        pytest.skip(f"cannot mount an XFS image here: {mounted.stderr.decode(errors='replace').strip()}")
    try:
        yield mount
    finally:
        for _ in range(10):  # a loop device may stay busy a moment after its last file closes
            if system("umount", mount).returncode == 0:
                break
            time.sleep(0.5)


def test_update_on_xfs_copies_by_reflink_and_matches_a_full_run(region, xfs, tmp_path):
    copy, scenario = private_region(region, xfs)
    out = xfs / "out.nc"
    summary(update(scenario, out))
    x0, y0, cell = frame(copy)
    for k in range(3):
        add_find(copy, x0 + (150 + 120 * k) * cell, y0 - (200 + 90 * k) * cell, 2)
        s = summary(update(scenario, out))
        assert s["previous_copied_by"] == "reflink" and 0 < s["tiles_recomputed"] < s["tiles_total"]
        full_run(scenario, xfs / "full.nc")
        assert_same_output(out, xfs / "full.nc")


def test_a_reflinked_copy_checks_an_eighth_of_the_tiles_in_turn(region, xfs, tmp_path):
    """Each update reads and checks the eighth of the unchanged tiles whose turn it is (by the
    commands in the history): a damaged tile of that eighth is found and computed again, and
    the other seven eighths are left unread."""
    copy, scenario = private_region(region, xfs)
    out = xfs / "out.nc"
    summary(update(scenario, out))
    turn = len(record_of(out)["history"].splitlines())
    tiles_x = (600 + TILE - 1) // TILE
    checked = [i for i in range(25) if i % 8 == turn % 8]
    with h5py.File(out, "r") as f:
        info = f["probability"].id.get_chunk_info_by_coord(((checked[0] // tiles_x) * TILE, (checked[0] % tiles_x) * TILE))
    with open(out, "r+b") as f:  # one byte in the middle of that tile's stored chunk
        f.seek(info.byte_offset + info.size // 2)
        byte = f.read(1)
        f.seek(info.byte_offset + info.size // 2)
        f.write(bytes([byte[0] ^ 0x5A]))
    s = summary(update(scenario, out))
    assert s["previous_copied_by"] == "reflink"
    assert s["tiles_damaged"] == 1 and s["tiles_recomputed"] == 1
    assert s["tiles_left_unread"] == 25 - len(checked) and s["tiles_copied"] == 24
    full_run(scenario, xfs / "full.nc")
    assert_same_output(out, xfs / "full.nc")
    # The next update reads the next eighth.
    s = summary(update(scenario, out))
    assert s["tiles_left_unread"] == 25 - len([i for i in range(25) if i % 8 == (turn + 1) % 8])
