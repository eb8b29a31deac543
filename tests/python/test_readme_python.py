"""The README's Python example (the first ```python block of "The Python module") runs as
written, from a folder laid out as scripts/demo leaves the repository: out/sample/ (the sample
region) and out/sample.nc (its run). The block is taken from README.md verbatim, so the test
fails when the example breaks or names something it never defines."""
import os
import re
import shutil
import subprocess

import h5py

import _minerisk
import minerisk
from conftest import ROOT, minerisk_bin


def readme_examples():
    """Every ```python block of the README's Python module section, in order."""
    text = (ROOT / "README.md").read_text()
    start = text.index("\n## The Python module\n")
    end = text.index("\n## ", start + 1)
    blocks = re.findall(r"^```python\n(.*?)^```$", text[start:end], re.S | re.M)
    assert len(blocks) >= 2, "the README's Python module section has lost its examples"
    return blocks


def demo_layout(folder):
    """What scripts/demo writes, in `folder`: out/sample and out/sample.nc."""
    out = folder / "out"
    subprocess.run(["/usr/bin/python3", str(ROOT / "datasets" / "generate_region.py"), "--preset", "sample",
                    "--out", str(out / "sample"), "--seed", "7", "--quiet"], check=True, timeout=120)
    subprocess.run([minerisk_bin(), "run", str(out / "sample" / "scenario.toml"), "-o", str(out / "sample.nc"), "-q"],
                   check=True, timeout=120)
    return out


def test_the_readme_python_example_runs_as_written(tmp_path):
    out = demo_layout(tmp_path)
    # A previous run's output is there already: the example must replace it (overwrite=True).
    shutil.copyfile(out / "sample.nc", out / "sample_py.nc")
    # Known by its run_id, not its inode: the freed inode of the file replaced may be reused.
    with h5py.File(out / "sample_py.nc", "r") as copied:
        stale = copied.attrs["run_id"]
    first, tools = readme_examples()[:2]
    script = tmp_path / "readme_example.py"
    script.write_text(first)
    # The minerisk under test (this build's), whatever the interpreter would find otherwise.
    paths = [os.path.dirname(os.path.dirname(minerisk.__file__)), os.path.dirname(_minerisk.__file__)]
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(paths + [os.environ.get("PYTHONPATH", "")])}
    r = subprocess.run(["/usr/bin/python3", str(script)], cwd=tmp_path, env=env, capture_output=True, text=True,
                       timeout=300)
    assert r.returncode == 0, f"the README's Python example failed:\n{r.stdout}\n{r.stderr}"
    assert "EPSG:32638" in r.stdout and "ROC-AUC against the finds" in r.stdout, r.stdout
    with h5py.File(out / "sample_py.nc", "r") as written:
        assert written.attrs["run_id"] != stale  # written anew and renamed into place
    # The tools' example, twice: its outputs exist the second time, and it replaces them.
    (tmp_path / "tools_example.py").write_text(tools)
    for _ in range(2):
        r = subprocess.run(["/usr/bin/python3", "tools_example.py"], cwd=tmp_path, env=env, capture_output=True,
                           text=True, timeout=300)
        assert r.returncode == 0, f"the README's tools example failed:\n{r.stdout}\n{r.stderr}"
    assert (out / "slope_max.cog.tif").exists() and "100%" in r.stdout
