"""A full disk: the command exits 2 with one line saying so, the previous outputs stay byte for
byte as they were and no temporary is left. Refused before any work when the free space is
below the outputs' lower bound (OutputSet::expect_size), or when the write itself fails. Needs
a small tmpfs (mount as root); skipped where mounting is not permitted."""
import os
import subprocess

import pytest

from conftest import run_minerisk
from test_output_safety import snapshot

DISK_BYTES = 8 << 20


@pytest.fixture
def disk(tmp_path):
    mount = tmp_path / "disk"
    mount.mkdir()
    result = subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={DISK_BYTES}", "tmpfs", str(mount)],
                            capture_output=True, text=True)
    if result.returncode != 0:
        pytest.skip(f"cannot mount a small tmpfs here: {result.stderr.strip() or result.returncode}")
    yield mount
    subprocess.run(["umount", "-l", str(mount)], check=False)


def fill(disk, leave):
    """Fills the disk until only `leave` bytes (rounded to pages) are free."""
    s = os.statvfs(disk)
    free = s.f_bfree * s.f_frsize
    with open(disk / "filler", "ab") as f:
        remaining = max(0, free - leave)
        while remaining > 0:
            n = min(remaining, 1 << 20)
            f.write(b"\0" * n)
            remaining -= n
    s = os.statvfs(disk)
    assert s.f_bfree * s.f_frsize <= leave + 4096


def check_full(args, disk, *words):
    before = snapshot(disk)
    # --overwrite: the previous outputs stay in place to be kept; progress lines aside, one line.
    result = run_minerisk(*args, "--quiet", "--overwrite")
    assert result.returncode == 2, (result.returncode, result.stderr)
    message = result.stderr.strip()
    assert message.count("\n") == 0, f"not one line: {message[:2000]!r}"
    assert message.startswith("minerisk: error: ")
    # Refused for free space before writing, or stopped by the write that found the disk full.
    assert any(w.lower() in message.lower() for w in words), message
    # The output and its folder are named, not the private temporary (which no longer exists).
    assert ".minerisk-" not in message, message
    assert snapshot(disk) == before, "a previous output was changed or a temporary left behind"


def test_a_run_onto_a_disk_without_room_for_the_grid_is_refused(region, disk):
    assert run_minerisk("run", region / "scenario.toml", "-o", disk / "out.nc", "--quiet").returncode == 0
    fill(disk, 8192)
    check_full(["run", region / "scenario.toml", "-o", disk / "out.nc"], disk, "not enough space")


def test_a_run_that_fills_the_disk_fails_in_one_line(region, disk):
    assert run_minerisk("run", region / "scenario.toml", "-o", disk / "out.nc", "--quiet").returncode == 0
    fill(disk, 1 << 20)  # above the lower bound, below the 4 MB the grid takes
    check_full(["run", region / "scenario.toml", "-o", disk / "out.nc"], disk, "no space left on the device of folder",
               "not enough space")


def test_a_tool_that_fills_the_disk_fails_in_one_line(region, disk):
    assert run_minerisk("slope", region / "dem.tif", disk / "slope.tif", "--quiet").returncode == 0
    fill(disk, 64 << 10)  # above the tile index's lower bound, below the compressed slope
    check_full(["slope", region / "dem.tif", disk / "slope.tif"], disk, "no space left on the device of folder")


def test_an_uncompressed_tool_output_too_large_for_the_disk_is_refused(region, disk):
    fill(disk, 1 << 20)  # 600 x 600 float32 cells take 1.44 MB uncompressed
    check_full(["slope", region / "dem.tif", disk / "slope.tif", "--compress", "NONE"], disk, "not enough space")


def test_a_fit_onto_a_full_disk_fails_in_one_line(region, disk):
    (disk / "fitted.toml").write_text("previous fit")
    fill(disk, 0)
    check_full(["fit", region / "scenario.toml", "-o", disk / "fitted.toml", "--report", disk / "fit.json"], disk,
               "no space left")
