"""Results are bitwise identical for any thread count and tile size."""
import h5py
import numpy as np
import pytest

from conftest import run_minerisk, evidence_of

RUNS = [("1", "512"), ("2", "512"), ("2", "256"), ("1", "1000"), ("2", "1000"), ("2", "100")]


@pytest.fixture(scope="module")
def outputs(region, tmp_path_factory):
    folder = tmp_path_factory.mktemp("determinism")
    paths = {}
    for threads, tile in RUNS:
        out = folder / f"t{threads}_s{tile}.nc"
        result = run_minerisk("run", region / "scenario.toml", "-o", out, "--threads", threads, "--tile-size", tile,
                              "--quiet")
        assert result.returncode == 0, result.stderr
        paths[(threads, tile)] = out
    return paths


def read_all(path):
    with h5py.File(path, "r") as f, h5py.File(evidence_of(path), "r") as e:
        arrays = {"probability": f["probability"][:]}
        for name in e:
            if e[name].ndim == 2:  # the layers, not the file's x, y and crs
                arrays[name] = e[name][:]
    return arrays


def test_every_thread_count_and_tile_size_gives_the_same_bits(outputs):
    reference = read_all(outputs[RUNS[0]])
    assert np.isfinite(reference["probability"]).sum() > 0
    for key, path in outputs.items():
        other = read_all(path)
        assert other.keys() == reference.keys()
        for name, values in reference.items():
            # Compare the raw bytes: NaN payloads and signed zeros included.
            assert values.tobytes() == other[name].tobytes(), f"{name} differs for threads/tile {key}"
