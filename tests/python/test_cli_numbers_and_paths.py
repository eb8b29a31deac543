"""Numbers and paths on the command line are what they look like: "010" is ten, not octal
eight; an empty number ("") or an empty path is refused by name, never taken for an option left
out (fit --labels "" fitted on the scenario's labels, areas --polygons "" delineated new areas),
in an option group (areas' "Existing polygons") as anywhere else."""
import pytest

import tomllib

from conftest import run_minerisk, scenario_text


def test_whole_numbers_with_leading_zeros_are_decimal(region, tmp_path, write_scenario):
    """CLI11 alone reads "010" as octal 8 and "0x10" as 16; GDAL's programs, and users, mean decimal."""
    s = write_scenario(scenario_text(region))
    r = run_minerisk("fit", s, "-o", tmp_path / "f.toml", "--block-size", "1500", "--background-ratio", "1",
                     "--folds", "010", "--seed", "0012", "--repeats", "+02", "--no-cross-validation")
    assert r.returncode == 0, r.stderr
    fit = tomllib.loads((tmp_path / "f.toml").read_text())["fit"]
    assert (fit["folds"], fit["seed"], fit["repeats"]) == (10, 12, 2)
    r = run_minerisk("fit", s, "-o", tmp_path / "g.toml", "--folds", "0101")
    assert r.returncode == 2 and "101" in r.stderr and "100" in r.stderr, r.stderr
    for spelling in ("0x10", "1e1", "2.0", ""):
        r = run_minerisk("slope", region / "dem.tif", tmp_path / "s.tif", "--tile-size", spelling)
        assert r.returncode == 2 and r.stderr.count("\n") == 1, r.stderr
        assert f"--tile-size: '{spelling}' is not a whole number; write it in decimal digits" in r.stderr
    r = run_minerisk("slope", region / "dem.tif", tmp_path / "s.tif", "--tile-size", "99999999999999999999")
    assert r.returncode == 2 and "'99999999999999999999' is too large a number" in r.stderr, r.stderr
    # A whole number beyond the option's type was "not a number" (a probe).
    for number in ("2147483648", "4294967297"):
        r = run_minerisk("slope", region / "dem.tif", tmp_path / "s.tif", "--threads", number)
        assert r.returncode == 2 and f"--threads: '{number}' is out of range" in r.stderr, r.stderr
    assert not (tmp_path / "s.tif").exists()


@pytest.mark.parametrize("args,option", [
    (["fit", "{s}", "-o", "{out}/f.toml", "--labels", ""], "--labels"),
    (["fit", "{s}", "-o", "{out}/f.toml", "--report", ""], "--report"),
    (["run", "{s}", "-o", "{out}/r.nc", "--model", ""], "--model"),
    (["slope", "{region}/dem.tif", ""], "output"),  # a tool's output is a positional: refused too
    # Options in an option group (areas' "Existing polygons", "Context"...) were not checked.
    (["areas", "{region}/dem.tif", "-o", "{out}/a.gpkg", "--polygons", ""], "--polygons"),
    (["areas", "{region}/dem.tif", "-o", "{out}/a.gpkg", "--truth", ""], "--truth"),
    (["areas", "{region}/dem.tif", "-o", "{out}/a.gpkg", "--impact", ""], "--impact"),
    (["areas", "{region}/dem.tif", "-o", "{out}/a.gpkg", "--cost", ""], "--cost"),
    (["areas", "{region}/dem.tif", "-o", "{out}/a.gpkg", "--dem", ""], "--dem"),
    (["map", "{region}/dem.tif", "-o", "{out}/m.pdf", "--dem", ""], "--dem"),
    (["report", "{region}/dem.tif", "-o", "{out}/r.html", "--dem", ""], "--dem"),
    # A positional input: "': scenario file not found" and "grid: '' cannot be read" (a probe).
    (["run", "", "-o", "{out}/r.nc"], "scenario"),
    (["slope", "", "{out}/s.tif"], "dem"),
    (["diff", "", "{region}/dem.tif", "-o", "{out}/d.tif"], "old"),
    (["areas", "", "-o", "{out}/a.gpkg"], "grid"),
    (["proximity", "", "{out}/p.tif"], "input"),
])
def test_an_empty_path_is_refused_not_taken_for_no_option(region, tmp_path, write_scenario, args, option):
    """fit --labels "" fitted on the scenario's labels, --report "" wrote no report, silently."""
    s = write_scenario(scenario_text(region))
    out = tmp_path / "out"
    out.mkdir()
    r = run_minerisk(*[a.format(s=s, out=out, region=region) for a in args])
    assert r.returncode == 2 and r.stderr.count("\n") == 1, r.stderr
    assert f"{option}: the path is empty" in r.stderr, r.stderr
    assert not list(out.iterdir())


def test_an_empty_number_in_an_option_group_is_refused(region, tmp_path):
    for option in ("--budget", "--impact-weight"):
        r = run_minerisk("areas", region / "dem.tif", "-o", tmp_path / "a.gpkg", option, "")
        assert r.returncode == 2 and f"{option}: '' is not a number" in r.stderr, r.stderr
    assert not (tmp_path / "a.gpkg").exists()


@pytest.mark.parametrize("args, says", [
    (["proximity", "m.tif", "d.tif", "--values", "abc"], "--values: 'abc' is not a number"),
    (["explain", "g.nc", "1", "abc"], "y: 'abc' is not a number"),
    (["run", "s.toml", "-o", "o.nc", "--threads", "1", "--threads", "2"], "--threads is given 2 times; give it once"),
    (["map", "g.nc", "-o", "m.pdf", "--extent", "1", "2", "3"], "--extent takes 4 values, not 3"),
    (["proximity", "m.tif", "d.tif", "--values"], "--values needs a value"),
    # --config takes two words: "--config KEY=VALUE -q" took -q as the value, and lost it.
    (["run", "s.toml", "-o", "o.nc", "--config", "GDAL_CACHEMAX=64", "-q"],
     "--config: 'GDAL_CACHEMAX=64' is not a configuration key; give KEY VALUE as two words"),
    (["run", "s.toml", "-o", "o.nc", "--config", "GDAL_CACHEMAX", "--overwrite"],
     "--config GDAL_CACHEMAX: '--overwrite' is an option, not a value"),
])
def test_the_parsers_own_words_are_the_projects(tmp_path, args, says):
    """CLI11's 'could not convert: --values = abc', '--threads: At Most 1 required but received 2',
    '--extent: At least 4 required but received 3' and '--values: 1 required FLOAT missing'."""
    r = run_minerisk(*args)  # refused before any file is looked for
    assert r.returncode == 2 and says in r.stderr and r.stderr.count("\n") == 1, r.stderr


def test_a_dash_is_no_output_file(region, tmp_path, monkeypatch):
    """'-' as an extra output (areas --json -, run --timings -) made a file named '-' in the
    working folder, where a main output named '-' was refused (for want of its extension)."""
    monkeypatch.chdir(tmp_path)  # where a file named '-' would be made
    scenario = tmp_path / "scenario.toml"
    scenario.write_text(scenario_text(region))
    for args in (["run", scenario, "-o", tmp_path / "o.nc", "--timings", "-"],
                 ["areas", region / "dem.tif", "-o", tmp_path / "a.gpkg", "--json", "-"]):
        r = run_minerisk(*args, "-q")
        assert r.returncode == 2 and "output: '-' is not written to standard output" in r.stderr, r.stderr
    assert not (tmp_path / "-").exists() and not (tmp_path / "o.nc").exists()


def test_a_folder_is_called_a_folder_and_a_file_no_folder(region, tmp_path):
    """A folder given as a raster was "cannot read as a raster"; -o /dev/null/x named /dev/null
    a folder that "does not exist" (a probe)."""
    (tmp_path / "adir").mkdir()
    for args, says in (([tmp_path / "adir", tmp_path / "o.tif"], f"input: '{tmp_path / 'adir'}' is a folder, not a raster"),
                       ([region / "dem.tif", "/dev/null/x.tif"], "output: '/dev/null' is not a folder"),
                       ([region / "dem.tif", region / "dem.tif" / "x.tif"], f"output: '{region / 'dem.tif'}' is not a folder")):
        r = run_minerisk("slope", *args)
        assert r.returncode == 2 and says in r.stderr and r.stderr.count("\n") == 1, r.stderr
    assert not (tmp_path / "o.tif").exists()
    for command in (["areas", tmp_path / "adir", "-o", tmp_path / "a.gpkg"], ["explain", tmp_path / "adir", "1", "1"]):
        r = run_minerisk(*command)
        assert r.returncode == 2 and f"grid: '{tmp_path / 'adir'}' is a folder, not a grid;" in r.stderr, r.stderr
    # A folder format GDAL knows, damaged: what GDAL said of it is kept (a review).
    (tmp_path / "bad.zarr").mkdir()
    (tmp_path / "bad.zarr" / ".zarray").write_text('{"zarr_format": 2, "shape": [')
    r = run_minerisk("explain", tmp_path / "bad.zarr", "1", "1")
    assert r.returncode == 2 and "is a folder, not a grid GDAL reads (JSON parsing error" in r.stderr, r.stderr
