"""minerisk update patches a copy of the previous files: a reflink or the kernel's copy of them,
into which only the changed tiles, the attributes and the record are written. The patched files
are what a full run writes, tile for tile; they open in GDAL, ncdump and xarray as a run's do;
and the space patching leaves unused is bounded: past a limit the update writes the files whole
again, which compacts them."""
import hashlib
import struct
import subprocess

import h5py
import numpy as np
import pytest
import xarray as xr
from osgeo import gdal

from conftest import evidence_of, run_minerisk
from update_helpers import (add_find, assert_same_output, edit_dem, find_ids, frame, full_run, kill_after, move_find,
                            private_region, record_of, start_update, summary, update)

gdal.UseExceptions()
COPIED_BY = ("reflink", "kernel copy", "read and write")


def test_patched_output_opens_in_gdal_ncdump_and_xarray(region, tmp_path):
    copy, scenario = private_region(region, tmp_path)
    out = tmp_path / "out.nc"
    summary(update(scenario, out))
    x0, y0, cell = frame(copy)
    add_find(copy, x0 + 300 * cell, y0 - 300 * cell, 3)
    s = summary(update(scenario, out))
    assert s["previous_copied_by"] in COPIED_BY and 0 < s["tiles_recomputed"] < s["tiles_total"]
    full = tmp_path / "full.nc"
    full_run(scenario, full)
    # GDAL opens the grid by its plain name, georeferenced, with the run's values.
    patched, fresh = gdal.Open(str(out)), gdal.Open(str(full))
    assert patched.GetGeoTransform() == fresh.GetGeoTransform()
    assert patched.GetSpatialRef().IsSame(fresh.GetSpatialRef())
    assert np.array_equal(patched.ReadAsArray(), fresh.ReadAsArray(), equal_nan=True)
    assert "update" in patched.GetMetadataItem("NC_GLOBAL#history")
    # ncdump reads the header: history is a string attribute, one line per command.
    header = subprocess.run(["ncdump", "-h", str(out)], capture_output=True, text=True, check=True).stdout
    assert "string :history" in header and ":Conventions = \"CF-1.8\"" in header
    assert len(record_of(out)["history"].splitlines()) == 2
    # xarray decodes both files to the same arrays, the packed evidence included.
    with xr.open_dataset(out) as a, xr.open_dataset(full) as b:
        assert np.array_equal(a["probability"].values, b["probability"].values, equal_nan=True)
    with xr.open_dataset(evidence_of(out)) as a, xr.open_dataset(evidence_of(full)) as b:
        for name in b.data_vars:
            if a[name].ndim == 2:
                assert np.array_equal(a[name].values, b[name].values, equal_nan=True), name


def waste_space(path, megabytes):
    """Leaves `megabytes` of unused space inside an HDF5 file, as many patched updates would: a
    dataset written and deleted again, with a small one after it so the file cannot shrink."""
    with h5py.File(path, "r+") as f:
        f.create_dataset("junk", data=np.ones(megabytes << 18, dtype=np.float32))
    with h5py.File(path, "r+") as f:
        f.create_dataset("after_junk", data=np.zeros(4, dtype=np.float32))
    with h5py.File(path, "r+") as f:
        del f["junk"]
        del f["after_junk"]


def test_unused_space_is_compacted_by_a_whole_write(region, tmp_path):
    copy, scenario = private_region(region, tmp_path)
    out = tmp_path / "out.nc"
    summary(update(scenario, out))
    size = out.stat().st_size
    waste_space(out, 40)  # beyond the limit: 16 MiB, and an eighth of the chunks' bytes
    assert out.stat().st_size > size + (40 << 20)
    x0, y0, cell = frame(copy)
    add_find(copy, x0 + 100 * cell, y0 - 500 * cell)
    s = summary(update(scenario, out))
    assert s["previous_copied_by"] is None and s["full_reason"] is None and s["tiles_copied"] > 0
    assert out.stat().st_size < size + (1 << 20)
    full_run(scenario, tmp_path / "full.nc")
    assert_same_output(out, tmp_path / "full.nc")
    # Compact again, the next update patches its copy.
    add_find(copy, x0 + 500 * cell, y0 - 100 * cell)
    assert summary(update(scenario, out))["previous_copied_by"] in COPIED_BY


def test_many_updates_stay_within_the_limit_and_match_a_full_run(region, tmp_path):
    """Twelve updates in a row, each moving a find: every one patches its copy, the files grow by
    no more than the tiles each rewrote, and the last is a full run's, tile for tile."""
    copy, scenario = private_region(region, tmp_path)
    out = tmp_path / "out.nc"
    summary(update(scenario, out))
    full = tmp_path / "full.nc"
    full_run(scenario, full)
    fresh = out.stat().st_size + evidence_of(out).stat().st_size
    for step in range(12):
        move_find(copy, find_ids(copy)[step % 5], 40.0, -30.0)
        s = summary(update(scenario, out))
        assert s["previous_copied_by"] in COPIED_BY and s["full_reason"] is None, (step, s["whole_write_reason"])
    patched = out.stat().st_size + evidence_of(out).stat().st_size
    assert patched < fresh + (16 << 20) + fresh // 8
    full_run(scenario, full)
    assert_same_output(out, full)
    assert len(record_of(out)["history"].splitlines()) == 13


def root_attributes(path):
    with h5py.File(path, "r") as f:
        return {k: (v.decode() if isinstance(v, bytes) else str(v)) for k, v in f.attrs.items()}


@pytest.mark.parametrize("evidence", ["packed", "float32", "none"])
def test_patch_leaves_the_previous_files_alone_and_matches_a_fresh_pair(region, tmp_path, evidence):
    """The previous pair is never written: a hard link to each keeps its bytes through the patch.
    The patched pair's attributes are a fresh run's but for the run's own (date, id, history)."""
    copy, scenario = private_region(region, tmp_path)
    out = tmp_path / "out.nc"
    summary(update(scenario, out, "--evidence", evidence))
    before = {}
    for path in (out, evidence_of(out)):
        if path.exists():
            (tmp_path / (path.name + ".before")).hardlink_to(path)
            before[path.name] = hashlib.sha256(path.read_bytes()).hexdigest()
    x0, y0, cell = frame(copy)
    add_find(copy, x0 + 250 * cell, y0 - 350 * cell, 2)
    s = summary(update(scenario, out))
    assert s["previous_copied_by"] in COPIED_BY and s["tiles_recomputed"] > 0
    for name, digest in before.items():
        assert hashlib.sha256((tmp_path / (name + ".before")).read_bytes()).hexdigest() == digest
    full = tmp_path / "full.nc"
    assert run_minerisk("run", scenario, "-o", full, "--tile-size", 128, "--evidence", evidence, "--overwrite",
                        "--quiet").returncode == 0
    assert_same_output(out, full)
    own = {"date_created", "run_id", "history", "evidence_file"}
    for a, b in [(out, full)] + ([(evidence_of(out), evidence_of(full))] if evidence != "none" else []):
        patched, fresh = root_attributes(a), root_attributes(b)
        assert list(patched) == list(fresh)  # the same names, in the same order
        assert {k: v for k, v in patched.items() if k not in own} == {k: v for k, v in fresh.items() if k not in own}
    if evidence != "none":
        assert root_attributes(out)["evidence_file"] == "out_evidence.nc"
        assert root_attributes(evidence_of(out))["run_id"] == root_attributes(out)["run_id"]


def test_a_new_title_is_patched_in(region, tmp_path):
    copy, scenario = private_region(region, tmp_path)
    out = tmp_path / "out.nc"
    summary(update(scenario, out))
    text = scenario.read_text()
    scenario.write_text(text.replace('title = "', 'title = "A much longer title, edited overnight: ', 1))
    s = summary(update(scenario, out))
    assert s["previous_copied_by"] in COPIED_BY and s["tiles_recomputed"] == 0
    assert root_attributes(out)["title"].startswith("A much longer title, edited overnight: ")
    assert root_attributes(evidence_of(out))["title"].startswith("A much longer title, edited overnight: ")


@pytest.mark.parametrize("damage", ["shared", "past_the_end"])
def test_a_damaged_tile_index_is_not_patched(region, tmp_path, damage):
    """An index entry pointing at another tile's bytes (or past the end of the file): patching
    the copy would write one tile over another. Every tile is computed and written whole."""
    copy, scenario = private_region(region, tmp_path)
    out = tmp_path / "out.nc"
    summary(update(scenario, out))
    with h5py.File(out, "r") as f:
        ds = f["probability"]
        info = {ds.id.get_chunk_info(i).chunk_offset: ds.id.get_chunk_info(i) for i in range(ds.id.get_num_chunks())}
    data = out.read_bytes()
    victim, other = info[(512, 0)], info[(0, 0)]
    entry = data.find(struct.pack("<Q", victim.byte_offset), 0, other.byte_offset)  # in the index, before the data
    assert entry > 0
    with open(out, "r+b") as f:
        f.seek(entry)
        f.write(struct.pack("<Q", other.byte_offset if damage == "shared" else 0xFFFFFF00))
    s = summary(update(scenario, out))
    assert s["previous_copied_by"] is None and s["tiles_recomputed"] == s["tiles_total"]
    assert "index of stored tiles is damaged" in s["full_reason"]
    full_run(scenario, tmp_path / "full.nc")
    assert_same_output(out, tmp_path / "full.nc")


def test_a_previous_output_with_a_user_block_is_written_whole(region, tmp_path):
    """h5jam puts a user block before the HDF5 data: chunk addresses no longer count from the
    file's first byte. The update computes every tile and writes new files, without the block."""
    copy, scenario = private_region(region, tmp_path)
    out = tmp_path / "out.nc"
    summary(update(scenario, out))
    block = tmp_path / "block.bin"
    block.write_bytes(b"\0" * 512)
    for path in (out, evidence_of(out)):
        jammed = tmp_path / "jammed.nc"
        subprocess.run(["h5jam", "-u", str(block), "-i", str(path), "-o", str(jammed)], check=True, capture_output=True)
        jammed.replace(path)
    s = summary(update(scenario, out))
    assert s["previous_copied_by"] is None and "user block" in s["full_reason"]
    full_run(scenario, tmp_path / "full.nc")
    assert_same_output(out, tmp_path / "full.nc")
    with xr.open_dataset(out) as ds:
        assert ds["probability"].shape == (600, 600)


def test_a_killed_patch_resumes_from_its_journal_into_a_new_copy(region, tmp_path):
    """An update killed while patching leaves the previous files whole; the next one copies them
    again, takes the finished tiles from the journal and matches a full run."""
    copy, scenario = private_region(region, tmp_path)
    out = tmp_path / "out.nc"
    summary(update(scenario, out))
    before = hashlib.sha256(out.read_bytes()).hexdigest()
    edit_dem(copy, 0, 0, 380, 12.0)  # a window over most tiles: each of them recomputed
    kill_after(start_update(scenario, out, "--threads", "1", env={"MINERISK_TEST_SLOW_TILES": "0.15"}), 0.4)
    assert hashlib.sha256(out.read_bytes()).hexdigest() == before
    s = summary(update(scenario, out))
    assert s["previous_copied_by"] in COPIED_BY and s["full_reason"] is None
    assert s["tiles_from_journal"] >= 1 and s["tiles_copied"] >= 1
    full_run(scenario, tmp_path / "full.nc")
    assert_same_output(out, tmp_path / "full.nc")
