"""Shared fixtures: the minerisk program, a generated sample region, and scenario files."""
import os
import pathlib
import subprocess
import sys

import pytest

ROOT = pathlib.Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "datasets"))

import generate_sample  # noqa: E402


def minerisk_bin():
    path = os.environ.get("MINERISK_BIN", str(ROOT / "build" / "engine" / "minerisk"))
    if not os.path.exists(path):
        pytest.exit(f"minerisk program not found at {path}; build it with scripts/setup", returncode=1)
    return path


def evidence_of(output):
    """The evidence file `minerisk run -o OUT.nc` writes beside its grid: OUT_evidence.nc."""
    output = pathlib.Path(output)
    return output.with_name(output.stem + "_evidence" + output.suffix)


# The step of the run's packed evidence layers (--evidence packed, the default), in log-odds.
EVIDENCE_STEP = 0.001


def unpacked(dataset):
    """An h5py dataset's values as float64, unpacked by its CF scale_factor and add_offset and
    with its _FillValue as NaN when it is packed (h5py itself returns the stored integers)."""
    import numpy as np
    raw = dataset[()]
    if "scale_factor" not in dataset.attrs:
        return raw.astype(np.float64)
    values = raw * np.float64(np.float32(dataset.attrs["scale_factor"])) + float(dataset.attrs.get("add_offset", 0.0))
    values[raw == dataset.attrs["_FillValue"]] = np.nan
    return values


def run_minerisk(*args, timeout=300):
    """Runs minerisk and returns the completed process (never raises on a non-zero exit)."""
    return subprocess.run([minerisk_bin(), *map(str, args)], capture_output=True, text=True, timeout=timeout)


@pytest.fixture(scope="session")
def region(tmp_path_factory):
    """A 600 x 600 sample region: not a multiple of any tile size the tests use."""
    out = tmp_path_factory.mktemp("region")
    generate_sample.generate(str(out), seed=3, size=600, cell=10.0)
    return out


@pytest.fixture(scope="session")
def demo_folder(tmp_path_factory):
    """What scripts/demo makes: the sample region (preset sample, seed 7) in sample/, and
    sample.nc from it. Shared by the tests of the real clients and of the hazard areas."""
    folder = tmp_path_factory.mktemp("demo")
    subprocess.run(["/usr/bin/python3", str(ROOT / "datasets" / "generate_region.py"), "--preset", "sample", "--out",
                    str(folder / "sample"), "--seed", "7"], check=True, capture_output=True)
    r = run_minerisk("run", folder / "sample" / "scenario.toml", "-o", folder / "sample.nc", "-q")
    assert r.returncode == 0, r.stderr
    return folder


def scenario_text(region, intercept="-5.0", extra="", finds_extra="", cleared_extra="", grid="", dem=None,
                  evidence=None):
    """A scenario over the sample region's files, with parts replaceable by tests."""
    region = pathlib.Path(region)
    dem = dem or region / "dem.tif"
    gpkg = region / "region.gpkg"
    if evidence is None:
        evidence = """
[model.evidence.slope]
feature = "slope"
weight = -0.04

[model.evidence.front_lines]
feature = "front_line_distance"
weight = 3.5
transform = { type = "exp_decay", length = 400.0 }

[model.evidence.finds]
feature = "find_density"
bandwidth = 250.0
weight = 0.9
transform = "log1p"

[model.evidence.records]
feature = "record_coverage"
weight = 2.0
"""
    return f"""title = "test scenario"
{grid}
[terrain]
dem = "{dem}"

[front_lines]
path = "{gpkg}"
layer = "front_lines"

[finds]
path = "{gpkg}"
layer = "finds"
count_field = "count"
{finds_extra}
[cleared]
path = "{gpkg}"
layer = "cleared"
pod_field = "pod"
{cleared_extra}
[records]
path = "{gpkg}"
layer = "records"
reliability_field = "reliability"
{extra}
[model]
intercept = {intercept}
{evidence}
"""


@pytest.fixture
def write_scenario(tmp_path):
    def write(text, name="scenario.toml"):
        path = tmp_path / name
        path.write_text(text)
        return path

    return write
