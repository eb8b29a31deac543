"""The run's files as written by the workers (shuffle and deflate done on each tile's worker,
appended with H5Dwrite_chunk) and the packed evidence: every client reads the same arrays.

h5py, netCDF4, GDAL and xarray each read the files in their own process (h5py's and netCDF4's
HDF5 libraries must not meet in one process), and QGIS samples a packed layer as a user would.
"""
import importlib.util
import json
import os
import subprocess

import numpy as np
import pytest

from conftest import EVIDENCE_STEP as STEP, evidence_of, run_minerisk, scenario_text

PYTHON = "/usr/bin/python3"

# Reads every (y, x) variable of a file with one client and saves them as float32 arrays,
# unpacked the way that client unpacks them (h5py does not: it applies scale_factor by hand).
READER = r"""
import sys, numpy as np
how, path, out = sys.argv[1:4]
arrays = {}
if how == "h5py":
    import h5py
    with h5py.File(path, "r") as f:
        for k, v in f.items():
            if getattr(v, "ndim", 0) == 2:
                raw = v[()]
                if raw.dtype == np.int16:
                    value = raw * np.float32(v.attrs["scale_factor"]) + np.float32(v.attrs["add_offset"])
                    value[raw == v.attrs["_FillValue"]] = np.nan
                    raw = value
                arrays[k] = raw
elif how == "netcdf4":
    import netCDF4
    with netCDF4.Dataset(path) as f:
        for k, v in f.variables.items():
            if v.ndim == 2:
                arrays[k] = np.ma.filled(v[:].astype("f4"), np.nan)
elif how == "xarray":
    import xarray as xr
    with xr.open_dataset(path) as ds:
        for k, v in ds.data_vars.items():
            if v.ndim == 2:
                arrays[k] = v.values
elif how == "gdal":
    from osgeo import gdal
    gdal.UseExceptions()
    top = gdal.Open(path)
    names = [s for s, _ in top.GetSubDatasets()] or [path]
    for name in names:
        ds = gdal.Open(name)
        band = ds.GetRasterBand(1)
        value = band.ReadAsArray().astype("f4")
        value[value == band.GetNoDataValue()] = np.nan
        value = value * np.float32(band.GetScale() or 1.0) + np.float32(band.GetOffset() or 0.0)
        arrays[band.GetMetadataItem("NETCDF_VARNAME")] = value
        ds = None
np.savez(out, **arrays)
"""


def read_with(client, path, tmp_path):
    script = tmp_path / "reader.py"
    script.write_text(READER)
    out = tmp_path / f"{client}_{path.stem}.npz"
    env = {k: v for k, v in os.environ.items() if k != "LD_PRELOAD"}  # clients' memory is not ours to check
    r = subprocess.run([PYTHON, str(script), client, str(path), str(out)], capture_output=True, text=True, env=env,
                       timeout=300)
    assert r.returncode == 0, r.stderr[-2000:]
    with np.load(out) as z:
        return {k: z[k] for k in z.files}


@pytest.fixture(scope="module")
def runs(region, tmp_path_factory):
    """The 600 x 600 region (edge tiles at 256) run three ways: packed evidence (the default),
    float32 evidence, and without evidence."""
    folder = tmp_path_factory.mktemp("chunked")
    out = {}
    for storage in ("packed", "float32", "none"):
        path = folder / f"{storage}.nc"
        r = run_minerisk("run", region / "scenario.toml", "-o", path, "-q", "--tile-size", "256", "--evidence",
                         storage, "--timings", folder / f"{storage}.json")
        assert r.returncode == 0, r.stderr
        out[storage] = path
    return out


@pytest.mark.parametrize("client", ["netcdf4", "xarray", "gdal"])
def test_every_client_reads_the_arrays_h5py_reads(runs, client, tmp_path):
    for path in (runs["packed"], evidence_of(runs["packed"]), evidence_of(runs["float32"])):
        reference = read_with("h5py", path, tmp_path)
        theirs = read_with(client, path, tmp_path)
        assert sorted(theirs) == sorted(reference), path.name
        for name, values in reference.items():
            assert np.array_equal(theirs[name], values, equal_nan=True), f"{client}: {path.name}:{name}"


def test_packed_evidence_is_within_half_a_step_of_the_float32_values(runs, tmp_path):
    packed = read_with("h5py", evidence_of(runs["packed"]), tmp_path)
    exact = read_with("h5py", evidence_of(runs["float32"]), tmp_path)
    assert sorted(packed) == sorted(exact) == ["clearance", "finds", "front_lines", "records", "slope"]
    for name in exact:
        assert np.array_equal(np.isnan(packed[name]), np.isnan(exact[name])), name
        valid = ~np.isnan(exact[name])
        assert valid.sum() > 0
        error = np.abs(packed[name][valid].astype(np.float64) - exact[name][valid])
        # Half a step, plus float32's rounding of the unpacked value (|v| < 33).
        assert error.max() <= STEP / 2 + 4e-6, name
    # The probability is never packed: the three runs wrote the same array.
    probabilities = [read_with("h5py", runs[s], tmp_path)["probability"] for s in ("packed", "float32", "none")]
    assert all(np.array_equal(p, probabilities[0], equal_nan=True) for p in probabilities)


def test_the_stored_chunks_are_shuffled_and_deflated_as_hdf5_would(runs):
    import h5py
    with h5py.File(runs["packed"], "r") as f:
        p = f["probability"]
        assert (p.chunks, p.shuffle, p.compression, p.dtype) == ((256, 256), True, "gzip", np.float32)
        # The corner chunk (600 = 2 x 256 + 88): every filter applied, and padded to a whole chunk.
        mask, _ = p.id.read_direct_chunk((512, 512))
        assert mask == 0
    with h5py.File(evidence_of(runs["packed"]), "r") as f:
        s = f["slope"]
        assert (s.dtype, s.shuffle, s.compression) == (np.int16, True, "gzip")
        assert float(s.attrs["scale_factor"]) == pytest.approx(STEP)
        assert int(s.attrs["_FillValue"]) == -32768
        assert list(s.attrs["valid_range"]) == [-32767, 32767]


def cell_centre(path, row, col):
    from osgeo import gdal
    ds = gdal.Open(str(path))
    gt = ds.GetGeoTransform()
    return gt[0] + (col + 0.5) * gt[1], gt[3] + (row + 0.5) * gt[5]


def test_without_evidence_the_grid_stands_alone(runs):
    import h5py
    assert not evidence_of(runs["none"]).exists()
    with h5py.File(runs["none"], "r") as f:
        assert "evidence_file" not in f.attrs
    x, y = cell_centre(runs["none"], 100, 200)
    r = run_minerisk("explain", runs["none"], x, y, "--json")
    assert r.returncode == 0, r.stderr
    assert json.loads(r.stdout)["layers"] == []


def test_explain_reads_the_packed_layers_unpacked(runs, tmp_path):
    packed = read_with("h5py", evidence_of(runs["packed"]), tmp_path)
    probability = read_with("h5py", runs["packed"], tmp_path)["probability"]
    row, col = 300, 301
    x, y = cell_centre(runs["packed"], row, col)
    r = run_minerisk("explain", runs["packed"], x, y, "--json")
    assert r.returncode == 0, r.stderr
    e = json.loads(r.stdout)
    assert (e["row"], e["col"]) == (row, col)
    for layer in e["layers"]:
        assert layer["contribution"] == pytest.approx(float(packed[layer["layer"]][row, col]), abs=1e-6)
    # With the intercept they still add up to logit(p), to within half a step a layer.
    p = float(probability[row, col])
    assert e["log_odds"] == pytest.approx(np.log(p / (1 - p)), abs=len(e["layers"]) * STEP / 2 + 1e-4)


def test_timings_name_every_stage(runs):
    t = json.loads((runs["packed"].parent / "packed.json").read_text())
    assert t["command"] == "run" and t["wall_seconds"] > 0
    assert list(t["stages"]) == ["prepare", "tiles", "close and picture"]
    for stage in ("read dem", "feature slope", "feature front_lines", "combine", "compress", "write"):
        assert t["tile_work"][stage] >= 0, stage

def test_an_existing_timings_file_is_refused_like_every_output(runs, region, tmp_path):
    timings = tmp_path / "t.json"
    timings.write_text("keep me")
    r = run_minerisk("run", region / "scenario.toml", "-o", tmp_path / "new.nc", "--timings", timings)
    assert r.returncode == 2 and "t.json" in r.stderr, r.stderr
    assert timings.read_text() == "keep me" and not (tmp_path / "new.nc").exists()


QGIS_SAMPLE = r"""
import json, sys
from qgis.core import QgsApplication, QgsRasterLayer, QgsPointXY
app = QgsApplication([], False)
app.initQgis()
path, name, xs, ys = sys.argv[1], sys.argv[2], json.loads(sys.argv[3]), json.loads(sys.argv[4])
layer = QgsRasterLayer(f'NETCDF:"{path}":{name}', name)
values = []
for x, y in zip(xs, ys):
    value, ok = layer.dataProvider().sample(QgsPointXY(x, y), 1)
    values.append(value if ok else None)
print(json.dumps({"valid": layer.isValid(), "values": values}))
del layer
app.exitQgis()
"""


@pytest.mark.skipif(importlib.util.find_spec("qgis") is None, reason="python3-qgis is not installed")
def test_qgis_samples_packed_evidence_unpacked(runs, tmp_path):
    from osgeo import gdal
    path = evidence_of(runs["packed"])
    exact = read_with("h5py", path, tmp_path)["slope"]
    ds = gdal.Open(str(runs["packed"]))
    gt = ds.GetGeoTransform()
    cells = [(5, 7), (300, 301), (599, 599), (257, 12)]
    xs = [gt[0] + (c + 0.5) * gt[1] for _, c in cells]
    ys = [gt[3] + (r + 0.5) * gt[5] for r, _ in cells]
    script = tmp_path / "qgis_sample.py"
    script.write_text(QGIS_SAMPLE)
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen", "XDG_RUNTIME_DIR": str(tmp_path)}
    env.pop("LD_PRELOAD", None)
    r = subprocess.run([PYTHON, str(script), str(path), "slope", json.dumps(xs), json.dumps(ys)], capture_output=True,
                       text=True, env=env, timeout=300)
    assert r.returncode == 0, r.stderr[-2000:]
    result = json.loads(r.stdout.strip().splitlines()[-1])
    assert result["valid"]
    for (row, col), value in zip(cells, result["values"]):
        if np.isnan(exact[row, col]):
            assert value is None, (row, col)  # no-data
        else:
            assert value == pytest.approx(float(exact[row, col]), abs=1e-6), (row, col)
    assert sum(v is not None for v in result["values"]) >= 3


def test_python_run_takes_the_evidence_storage(region, tmp_path):
    import minerisk
    scenario = minerisk.Scenario.load(region / "scenario.toml")
    out = tmp_path / "py.nc"
    assert scenario.run(out, evidence="none", picture=False) == str(out)
    assert out.exists() and not evidence_of(out).exists()
    with pytest.raises(minerisk.Error, match="evidence: 'int8' is not one of packed, float32, none"):
        scenario.run(tmp_path / "bad.nc", evidence="int8")
    with pytest.raises(minerisk.Error, match="evidence: 'int8'"):
        scenario.run(evidence="int8")  # checked without an output too
    assert not (tmp_path / "bad.nc").exists()
    assert scenario.run(tmp_path / "upper.nc", evidence="FLOAT32", picture=False) == str(tmp_path / "upper.nc")


def test_a_packed_layer_read_back_as_a_raster_input_is_unpacked(runs, region, tmp_path):
    """A run's packed evidence layer used as a scenario's raster layer reads as log-odds, not as
    the stored integers (the DEM and every raster input unpack GDAL's scale and offset)."""
    source = evidence_of(runs["packed"])
    text = scenario_text(region) + (
        f"\n[model.evidence.prior]\nfeature = \"raster\"\npath = 'NETCDF:\"{source}\":finds'\nweight = 1.0\n"
        "transform = \"linear\"\n")
    scenario = tmp_path / "reuse.toml"
    scenario.write_text(text)  # the region's scenario names its files by absolute paths
    out = tmp_path / "reuse.nc"
    r = run_minerisk("run", scenario, "-o", out, "-q", "--evidence", "float32")
    assert r.returncode == 0, r.stderr
    prior = read_with("h5py", evidence_of(out), tmp_path)["prior"]
    finds = read_with("h5py", source, tmp_path)["finds"]
    assert np.array_equal(prior, finds, equal_nan=True)  # weight 1, linear: the same values


def test_values_beyond_the_packed_range_are_said(region, tmp_path):
    text = scenario_text(region)
    assert "weight = 3.5" in text  # the front lines' layer (conftest.scenario_text)
    heavy = text.replace("weight = 3.5", "weight = 100.0", 1)
    scenario = tmp_path / "heavy.toml"
    scenario.write_text(heavy)
    r = run_minerisk("run", scenario, "-o", tmp_path / "heavy.nc")
    assert r.returncode == 0, r.stderr
    assert "evidence layer 'front_lines' lie beyond +-32.767 log-odds" in r.stderr, r.stderr
    assert "--evidence float32" in r.stderr
    exact = tmp_path / "exact.nc"
    r = run_minerisk("run", scenario, "-o", exact, "--evidence", "float32")
    assert r.returncode == 0 and "beyond" not in r.stderr


def test_an_older_evidence_file_left_beside_is_said(region, tmp_path):
    out = tmp_path / "twice.nc"
    assert run_minerisk("run", region / "scenario.toml", "-o", out, "-q").returncode == 0
    r = run_minerisk("run", region / "scenario.toml", "-o", out, "--evidence", "none", "--overwrite")
    assert r.returncode == 0, r.stderr
    assert "older run's evidence" in r.stderr and evidence_of(out).name in r.stderr


def test_an_older_picture_left_beside_is_said(region, tmp_path):
    """--no-picture draws none and removes nothing: the previous picture no longer shows the
    grid, and run and update say so."""
    out = tmp_path / "drawn.nc"
    assert run_minerisk("run", region / "scenario.toml", "-o", out, "-q").returncode == 0
    for command in (["run", region / "scenario.toml", "-o", out, "--overwrite"],
                    ["update", region / "scenario.toml", "-o", out]):
        r = run_minerisk(*command, "--no-picture")
        assert r.returncode == 0, r.stderr
        assert "older run's picture" in r.stderr and out.with_suffix(".png").name in r.stderr, r.stderr
        assert out.with_suffix(".png").exists()
    r = run_minerisk("run", region / "scenario.toml", "-o", out, "--overwrite")
    assert r.returncode == 0 and "older run's picture" not in r.stderr
