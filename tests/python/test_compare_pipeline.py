"""bench/compare_pipeline on a small generated region: the analyst's chain and `minerisk run`
agree, the tables are written into the results file given, and its other sections are kept.
Also the chain's refusal of a feature it does not do, and a failed agreement failing the run."""
import os
import pathlib
import subprocess
import sys

import pytest

from conftest import ROOT, minerisk_bin, scenario_text

SCRIPT = ROOT / "bench" / "compare_pipeline"
sys.path.insert(0, str(ROOT / "bench"))

import pipeline_report  # noqa: E402

OTHER = "# minerisk against its peers\n\nkept text\n\n## Sweeps\n\nkept too\n"


def compare(tmp_path, *args):
    """Runs the script with a results file of its own; returns (process, results text)."""
    results = tmp_path / "RESULTS.md"
    if not results.exists():
        results.write_text(OTHER)
    proc = subprocess.run(["/usr/bin/python3", str(SCRIPT), "--bin", minerisk_bin(), "--results", str(results),
                           "--repeat", "1", *map(str, args)], capture_output=True, text=True, timeout=300)
    return proc, results.read_text()


@pytest.fixture(scope="module")
def small_region(tmp_path_factory):
    """A generated 256 x 256 region, kept in a regions folder the script reuses."""
    regions = tmp_path_factory.mktemp("regions")
    subprocess.run(["/usr/bin/python3", str(ROOT / "datasets" / "generate_region.py"), "--size", "256",
                    "--out", str(regions / "size-256"), "--quiet"], check=True)
    return regions


def test_chain_and_minerisk_agree_and_the_section_is_written(small_region, tmp_path):
    before = sorted(os.listdir(small_region / "size-256"))
    proc, text = compare(tmp_path, "--size", 256, "--regions", small_region, "--work", tmp_path / "work")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert sorted(os.listdir(small_region / "size-256")) == before  # nothing written beside the inputs
    assert text.startswith(OTHER.split("## Sweeps")[0])  # the other sections are kept as they were
    assert "## Sweeps\n\nkept too\n" in text
    assert text.count(pipeline_report.END_TO_END) == 1
    section = text[text.index(pipeline_report.END_TO_END):]
    assert "bench/compare_pipeline --bin" in section  # the command that made it
    assert "| analyst's chain against minerisk |" in section and "FAILED" not in section
    for row in ("| analyst's chain (single-threaded) |", "| minerisk run, 1 thread |", "| gdal_proximity |"):
        assert row in section
    assert "bitwise identical" in section
    # The chain was written from the scenario and kept in the work folder.
    combine = (tmp_path / "work" / "chain" / "combine.py").read_text()
    assert "ndimage.gaussian_filter" in combine and "np.exp(-read(" in combine
    assert (tmp_path / "work" / "chain" / "chain.sh").read_text().count("gdal_rasterize") == 4

    # Run again with an impossible tolerance: the same section is replaced, and says FAILED.
    proc, again = compare(tmp_path, "--size", 256, "--regions", small_region, "--tolerance", "1e-9")
    assert proc.returncode == 1
    assert "FAILED" in proc.stderr
    assert again.count(pipeline_report.END_TO_END) == 1 and "**NO: FAILED**" in again
    assert "## Sweeps\n\nkept too\n" in again


def test_a_feature_the_chain_does_not_do_is_refused(region, tmp_path):
    folder = tmp_path / "scenario"
    folder.mkdir()
    text = scenario_text(region).replace('feature = "slope"', 'feature = "ruggedness"')
    (folder / "scenario.toml").write_text(text)
    proc, results = compare(tmp_path, "--region", folder)
    assert proc.returncode == 1
    assert "model.evidence.slope: feature 'ruggedness' is not one the chain does" in proc.stderr
    assert results == OTHER  # nothing written


def test_replace_section_keeps_the_others(tmp_path):
    path = tmp_path / "R.md"
    path.write_text("# head\n\n## A\n\na\n\n## B\n\nb\n")
    pipeline_report.replace_section(path, "## A", ["new a"])
    pipeline_report.replace_section(path, "## C", ["c"])
    pipeline_report.replace_section(path, "## C", ["c2"])
    assert path.read_text() == "# head\n\n## A\n\nnew a\n\n## B\n\nb\n\n## C\n\nc2\n"


def test_work_folder_inside_the_region_is_refused(small_region, tmp_path):
    proc, _ = compare(tmp_path, "--region", small_region / "size-256", "--work", small_region / "size-256" / "w")
    assert proc.returncode == 1 and "inside the region's folder" in proc.stderr
    assert not pathlib.Path(small_region / "size-256" / "w").exists() or not os.listdir(small_region / "size-256" / "w")
