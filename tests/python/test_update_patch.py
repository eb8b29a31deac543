"""minerisk update patches a copy of the previous files: a reflink or the kernel's copy of them,
into which only the changed tiles, the attributes and the record are written. The patched files
are what a full run writes, tile for tile; they open in GDAL, ncdump and xarray as a run's do;
and the space patching leaves unused is bounded: past a limit the update writes the files whole
again, which compacts them."""
import subprocess

import h5py
import numpy as np
import xarray as xr
from osgeo import gdal

from conftest import evidence_of
from update_helpers import (add_find, assert_same_output, find_ids, frame, full_run, move_find, private_region,
                            record_of, summary, update)

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
