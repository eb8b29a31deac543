"""Helpers for the update tests: a private copy of the sample region, edits of its inputs as an
operator would make them in QGIS (OGR and GDAL in update mode), and bitwise comparisons of two
outputs: values, and the stored chunks themselves."""
import json
import os
import pathlib
import shutil
import signal
import subprocess

import h5py
import numpy as np
from osgeo import gdal, ogr, osr

from conftest import evidence_of, minerisk_bin, run_minerisk, scenario_text

gdal.UseExceptions()
ogr.UseExceptions()

TILE = 128  # the 600 x 600 region in 5 x 5 tiles, the last ones partial


def private_region(region, tmp_path):
    """A copy of the session's region that a test may edit, and a scenario over it."""
    copy = tmp_path / "region"
    shutil.copytree(region, copy)
    scenario = tmp_path / "scenario.toml"
    scenario.write_text(scenario_text(copy))
    return copy, scenario


def update(scenario, output, *extra):
    return run_minerisk("update", scenario, "-o", output, "--tile-size", TILE, "--log-format", "json", *extra)


def start_update(scenario, output, *extra, env=None):
    """An update started in the background, its JSON log on a pipe."""
    return subprocess.Popen([minerisk_bin(), "update", str(scenario), "-o", str(output), "--tile-size", str(TILE),
                             "--log-format", "json", *extra], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True, env={**os.environ, **(env or {})})


def kill_after(proc, fraction):
    """Kills an update (SIGKILL) once its progress reaches `fraction`."""
    for line in proc.stdout:
        event = json.loads(line)
        if event["event"] == "progress" and event["fraction"] >= fraction:
            break
    proc.send_signal(signal.SIGKILL)
    proc.wait(timeout=60)


def full_run(scenario, output):
    result = run_minerisk("run", scenario, "-o", output, "--tile-size", TILE, "--overwrite", "--quiet")
    assert result.returncode == 0, result.stderr
    return result


def events(result):
    """The JSON log's events, every line checked to be one JSON object."""
    lines = [json.loads(line) for line in result.stdout.splitlines()]
    assert all(isinstance(e, dict) and "event" in e and "time" in e for e in lines)
    return lines


def summary(result):
    assert result.returncode == 0, result.stdout + result.stderr
    found = [e for e in events(result) if e["event"] == "summary"]
    assert len(found) == 1
    return found[0]


def raw_chunks(path, variable):
    """Every stored chunk of a variable, as bytes, by chunk offset."""
    with h5py.File(path, "r") as f:
        ds = f[variable]
        out = {}
        for i in range(ds.id.get_num_chunks()):
            info = ds.id.get_chunk_info(i)
            out[info.chunk_offset] = ds.id.read_direct_chunk(info.chunk_offset)[1]
        return out


def variables_of(path):
    with h5py.File(path, "r") as f:
        return sorted(name for name, item in f.items() if isinstance(item, h5py.Dataset) and item.ndim == 2
                      and name not in ("x", "y"))


def assert_same_output(updated, full):
    """Bitwise: the probability and every evidence layer, values and stored chunks alike, and
    the recorded content digest."""
    assert pathlib.Path(evidence_of(updated)).exists() == pathlib.Path(evidence_of(full)).exists()
    pairs = [(updated, full)]
    if pathlib.Path(evidence_of(full)).exists():  # not with --evidence none
        pairs.append((evidence_of(updated), evidence_of(full)))
    for a, b in pairs:
        names = variables_of(b)
        assert variables_of(a) == names
        for name in names:
            with h5py.File(a, "r") as fa, h5py.File(b, "r") as fb:
                va, vb = fa[name][()], fb[name][()]
                assert va.dtype == vb.dtype
                assert np.array_equal(va.view(np.uint8), vb.view(np.uint8)), f"{a}:{name} differs from a full run"
            assert raw_chunks(a, name) == raw_chunks(b, name), f"{a}:{name}: stored chunks differ"
    assert record_of(updated)["probability_digest"] == record_of(full)["probability_digest"]
    # The quick-look picture too, made from the tiles' kept shares for the copied ones.
    assert pathlib.Path(updated).with_suffix(".png").read_bytes() == pathlib.Path(full).with_suffix(".png").read_bytes()


def record_of(path):
    with h5py.File(path, "r") as f:
        g = f["update"]
        attrs = {k: (v.decode() if isinstance(v, bytes) else str(v)) for k, v in g.attrs.items()}
        attrs["changes"] = json.loads(attrs["changes"])
        attrs["history"] = f.attrs["history"].decode() if isinstance(f.attrs["history"], bytes) else str(f.attrs["history"])
        return attrs


def probability(path):
    with h5py.File(path, "r") as f:
        return f["probability"][()]


def changed_tiles(before, after):
    """The tiles (row, col) in which any probability differs, bit for bit."""
    a, b = before.view(np.uint32), after.view(np.uint32)
    rows, cols = np.nonzero(a != b)
    return {(int(r) // TILE, int(c) // TILE) for r, c in zip(rows, cols)}


# ---- edits, as an operator would make them -------------------------------------------------

def _layer(region, name):
    ds = ogr.Open(str(region / "region.gpkg"), update=1)
    return ds, ds.GetLayerByName(name)


def add_find(region, x, y, count=1):
    ds, layer = _layer(region, "finds")
    f = ogr.Feature(layer.GetLayerDefn())
    f.SetField("count", int(count))
    f.SetGeometry(ogr.CreateGeometryFromWkt(f"POINT ({x!r} {y!r})"))
    layer.CreateFeature(f)
    ds = None


def move_find(region, fid, dx, dy):
    ds, layer = _layer(region, "finds")
    f = layer.GetFeature(fid)
    p = f.GetGeometryRef()
    f.SetGeometry(ogr.CreateGeometryFromWkt(f"POINT ({p.GetX() + dx!r} {p.GetY() + dy!r})"))
    layer.SetFeature(f)
    ds = None


def delete_find(region, fid):
    ds, layer = _layer(region, "finds")
    layer.DeleteFeature(fid)
    ds = None


def find_ids(region):
    ds, layer = _layer(region, "finds")
    ids = [f.GetFID() for f in layer]
    ds = None
    return ids


def add_clearance(region, x0, y0, x1, y1, pod):
    ds, layer = _layer(region, "cleared")
    f = ogr.Feature(layer.GetLayerDefn())
    f.SetField("pod", float(pod))
    f.SetGeometry(ogr.CreateGeometryFromWkt(f"POLYGON (({x0} {y0}, {x1} {y0}, {x1} {y1}, {x0} {y1}, {x0} {y0}))"))
    layer.CreateFeature(f)
    ds = None


def set_field(region, layer_name, fid, field, value):
    ds, layer = _layer(region, layer_name)
    f = layer.GetFeature(fid)
    f.SetField(field, value)
    layer.SetFeature(f)
    ds = None


def first_fid(region, layer_name):
    ds, layer = _layer(region, layer_name)
    fid = next(iter(layer)).GetFID()
    ds = None
    return fid


def edit_dem(region, row, col, size, rise):
    ds = gdal.Open(str(region / "dem.tif"), gdal.GA_Update)
    band = ds.GetRasterBand(1)
    block = band.ReadAsArray(col, row, size, size)
    band.WriteArray(block + np.float32(rise), col, row)
    ds = None


def frame(region):
    """Origin and cell size of the region's DEM (the grid): x0, y0 (top left), cell."""
    ds = gdal.Open(str(region / "dem.tif"))
    gt = ds.GetGeoTransform()
    return gt[0], gt[3], gt[1]
