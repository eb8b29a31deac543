"""The command line follows the conventions of GDAL's programs (issue 12, item 4).

- An unknown subcommand or option is named with the nearest valid name, exit code 2.
- Every parse error points to the help of the subcommand it is about.
- Choice options list their names (no enum numbers); a folder given as a scenario is named so.
- -q, -v and --config KEY VALUE on every subcommand (--config really set in GDAL); -q with -v
  refused; --threads on every subcommand whose work is parallel.
- `cmake --install` puts a man page and a bash completion generated from the definitions; the
  page renders with every subcommand, and the completion completes.
"""
import os
import pathlib
import re
import shutil
import subprocess

import pytest

import minerisk
from conftest import minerisk_bin, run_minerisk

PARALLEL = ["run", "slope", "aspect", "tri", "proximity", "density", "focal", "fit", "sweep", "diff", "update", "areas", "map",
            "report"]
SERIAL = ["evaluate", "explain"]


def subcommands():
    """The subcommands as `minerisk --help` lists them."""
    text = run_minerisk("--help").stdout
    listed = text.split("Subcommands:", 1)[1]
    return [line.split()[0] for line in listed.splitlines() if line.startswith("  ") and line.split()]


def test_the_subcommand_lists_agree():
    assert sorted(subcommands()) == sorted(PARALLEL + SERIAL)


def test_an_unknown_subcommand_is_named_with_the_nearest():
    r = run_minerisk("rnu", "x.toml")
    assert r.returncode == 2
    assert r.stderr == ("minerisk: error: unknown subcommand 'rnu'; did you mean 'run'? "
                        "Run 'minerisk --help' for the subcommands\n")


def test_an_unknown_subcommand_far_from_any_lists_them():
    r = run_minerisk("xyzzy")
    assert r.returncode == 2
    assert "unknown subcommand 'xyzzy'" in r.stderr
    assert all(name in r.stderr for name in PARALLEL + SERIAL)


@pytest.mark.parametrize("args", [["--thread", "2"], ["-o", "o.h5", "--thread", "2"], ["-o", "o.h5", "--thread=2"]])
def test_an_unknown_option_is_named_with_the_nearest(args):
    # Without -o the parser used to say "--output is required"; with it, "not expected: 2 --thread".
    r = run_minerisk("run", "s.toml", *args)
    assert r.returncode == 2
    assert r.stderr == ("minerisk: error: unknown option '--thread' for 'minerisk run'; did you mean '--threads'? "
                        "Run 'minerisk run --help' for its options\n")


def test_a_subcommands_option_before_the_subcommand_is_placed():
    r = run_minerisk("--config", "CPL_DEBUG", "ON", "run", "s.toml")
    assert r.returncode == 2
    assert "unknown option '--config' for 'minerisk'" in r.stderr and "after the subcommand's name" in r.stderr


def test_gdal_style_single_dash_options_are_pointed_to_the_double_dash():
    r = run_minerisk("focal", "a.tif", "b.tif", "--radius", "5", "-statistic", "max")
    assert r.returncode == 2
    assert "unknown option '-statistic'" in r.stderr and "did you mean '--statistic'?" in r.stderr


@pytest.mark.parametrize("sub", PARALLEL + SERIAL)
def test_parse_errors_point_to_the_subcommands_help(sub):
    for args in ([sub], [sub, "a", "b", "c", "d", "e"], [sub, "--bogus-option"]):
        r = run_minerisk(*args)
        assert r.returncode == 2, args
        assert r.stderr.startswith("minerisk: error: ") and r.stderr.count("\n") == 1, r.stderr
        assert f"run 'minerisk {sub} --help'" in r.stderr, r.stderr
        assert "'minerisk --help'" not in r.stderr


@pytest.mark.parametrize("args,expected", [
    (["update", "s.toml", "-o", "o.nc", "--keep", "-1"], "--keep: '-1' is not a number from 0 to 10000"),
    (["density", "a.gpkg", "b.tif", "--truncate", "0.5"], "--truncate: '0.5' is not a number from 1 to 10"),
    (["fit", "s.toml", "-o", "f.toml", "--folds", "1"], "--folds: '1' is not a number from 2 to 100"),
])
def test_a_number_out_of_range_is_named_with_its_range(args, expected):
    r = run_minerisk(*args)
    assert r.returncode == 2 and r.stderr.count("\n") == 1, r.stderr
    assert expected in r.stderr and "Value" not in r.stderr and "1.000000" not in r.stderr, r.stderr


def test_thousands_of_stray_arguments_give_one_line():
    """CLI11 lists them all in its message; a regular expression over it overflowed the stack."""
    r = run_minerisk("slope", "a.tif", "b.tif", *[f"stray{i}.tif" for i in range(6000)])
    assert r.returncode == 2 and r.stderr.startswith("minerisk: error: ") and r.stderr.count("\n") == 1



def test_a_newline_in_a_name_stays_on_the_one_line(tmp_path):
    """A file named with a newline (or a value holding one) broke the message over two lines."""
    r = run_minerisk("slope", tmp_path / "a\nb.tif", tmp_path / "out.tif")
    assert r.returncode == 2 and r.stderr.count("\n") == 1 and "a\\x0ab.tif' not found" in r.stderr, r.stderr
    r = run_minerisk("slope", tmp_path / "a.tif", tmp_path / "out.tif", "--threads", "1\t2")
    assert r.returncode == 2 and r.stderr.count("\n") == 1 and "'1\\x092'" in r.stderr, r.stderr


def test_a_byte_that_is_not_utf8_is_shown_as_pythons_backslashreplace_shows_it(tmp_path):
    """A Latin-1 byte in a name (0xE9) reached stderr raw, where the README says \\xNN (a probe);
    a UTF-8 character beside it stays as it is."""
    name = os.fsencode(tmp_path) + b"/r\xe9gion \xc3\xa9t\xc3\xa9 \xe2\x82.tif"
    r = subprocess.run([minerisk_bin(), "slope", name, tmp_path / "out.tif"], capture_output=True)
    line = r.stderr.decode("utf-8")  # strict: the message is text
    assert r.returncode == 2 and line.count("\n") == 1, line
    assert name.decode("utf-8", "backslashreplace") in line and "r\\xe9gion \u00e9t\u00e9 \\xe2\\x82.tif" in line, line


def test_a_newline_in_an_output_name_stays_on_its_summary_line(region, tmp_path):
    """run's and diff's summaries on stdout printed such a name raw, over two lines."""
    grid = tmp_path / "g\nrid.nc"
    r = run_minerisk("run", region / "scenario.toml", "-o", grid, "--no-picture")
    assert r.returncode == 0, r.stderr
    assert [line.split(": ")[0] for line in r.stdout.splitlines()] == ["grid", "evidence"], r.stdout
    assert "g\\x0arid.nc" in r.stdout and grid.exists()
    r = run_minerisk("diff", grid, grid, "-o", tmp_path / "ch\nange.tif", "-q")
    assert r.returncode == 0, r.stderr
    assert "g\\x0arid.nc -> " in r.stdout and "change map: " in r.stdout and "ch\\x0aange.tif" in r.stdout, r.stdout
    assert not any(line.startswith(("rid.nc", "ange.tif")) for line in r.stdout.splitlines()), r.stdout


@pytest.mark.parametrize("option,value,names,in_help", [
    ("--statistic", "median", ["mean", "sum", "count", "max", "min"], "{count,max,mean,min,sum}"),
    ("--shape", "hexagon", ["circle", "square"], "{circle,square}"),
    ("--compress", "JPEG", ["ZSTD", "DEFLATE", "LZW", "NONE"], "{ZSTD,DEFLATE,LZW,NONE}"),
])
def test_choice_options_list_their_names(option, value, names, in_help):
    r = run_minerisk("focal", "a.tif", "b.tif", "--radius", "5", option, value)
    assert r.returncode == 2
    assert all(name in r.stderr for name in names), r.stderr
    assert "->" not in r.stderr and not re.search(r"\b[0-9]\b", r.stderr), r.stderr
    assert "run 'minerisk focal --help'" in r.stderr
    help_text = run_minerisk("focal", "--help").stdout
    assert "->" not in help_text and in_help in help_text


def test_a_statistic_is_only_accepted_by_name_in_any_case(region, tmp_path):
    assert run_minerisk("focal", region / "dem.tif", tmp_path / "a.tif", "--radius", "20", "--statistic", "1").returncode == 2
    r = run_minerisk("focal", region / "dem.tif", tmp_path / "b.tif", "--radius", "20", "--statistic", "MAX", "-q")
    assert r.returncode == 0, r.stderr


def test_the_statistic_message_is_pythons(region, tmp_path):
    r = run_minerisk("focal", region / "dem.tif", tmp_path / "o.tif", "--radius", "20", "--statistic", "median")
    with pytest.raises(minerisk.Error) as raised:
        minerisk.tools.focal(region / "dem.tif", tmp_path / "o.tif", radius=20, statistic="median")
    assert r.stderr == f"minerisk: error: {raised.value}; run 'minerisk focal --help' for usage\n"


@pytest.mark.parametrize("sub", ["run", "fit", "sweep"])
def test_a_folder_given_as_the_scenario_is_named_a_folder(region, tmp_path, sub):
    r = run_minerisk(sub, region, "-o", tmp_path / "o.h5")
    assert r.returncode == 2
    assert r.stderr.count("\n") == 1 and "is a folder" in r.stderr, r.stderr
    assert f"'{region / 'scenario.toml'}'" in r.stderr  # the TOML file it probably meant
    assert "key 'terrain'" not in r.stderr
    assert os.listdir(tmp_path) == []



@pytest.mark.parametrize("args,named", [
    (["evaluate", "{gone}/grid.nc", "--truth", "{gone}/truth.gpkg"], "grid: file '{gone}/grid.nc' not found"),
    (["evaluate", "{region}/dem.tif", "--truth", "{gone}/truth.gpkg", "-o", "{gone}/e.json"],
     "--truth: file '{gone}/truth.gpkg' not found"),
    (["map", "{gone}/grid.nc", "-o", "{gone}/map.pdf"], "grid: file '{gone}/grid.nc' not found"),
    (["slope", "{gone}/dem.tif", "{gone}/slope.tif"], "input: file '{gone}/dem.tif' not found"),
    (["proximity", "{region}/region.gpkg", "{gone}/d.tif", "--layer", "finds", "--like", "{gone}/dem.tif"],
     "--like: file '{gone}/dem.tif' not found"),
    (["density", "{region}/region.gpkg", "{gone}/d.tif", "--layer", "finds", "--like", "{gone}/dem.tif",
      "--bandwidth", "100"], "--like: file '{gone}/dem.tif' not found"),
    (["diff", "{region}/dem.tif", "{gone}/new.nc", "-o", "{gone}/d.tif"], "new: file '{gone}/new.nc' not found"),
])
def test_a_mistyped_input_is_named_before_the_outputs_folder(region, tmp_path, args, named):
    """A missing input is the mistake to name, not the missing folder of an output beside it (as
    evaluate's default report is beside the grid); gdaldem names its input first too."""
    gone = tmp_path / "no_such_folder"
    r = run_minerisk(*[a.format(gone=gone, region=region) for a in args])
    assert r.returncode == 2
    assert r.stderr.count("\n") == 1 and named.format(gone=gone) in r.stderr, r.stderr

@pytest.fixture(scope="module")
def every_subcommand(region, tmp_path_factory):
    """A working command line of each subcommand, writing into a folder of its own."""
    out = tmp_path_factory.mktemp("conventions")
    grid = out / "grid.nc"
    r = run_minerisk("run", region / "scenario.toml", "-o", grid, "-q")
    assert r.returncode == 0, r.stderr
    sweep = out / "sweep.toml"
    sweep.write_text(f'base = "{region / "scenario.toml"}"\n[[axis]]\nparameter = "model.intercept"\n'
                     'values = [-5.0, -4.0]\n')
    dem, gpkg = region / "dem.tif", region / "region.gpkg"

    def command(sub, folder):
        return {
            "run": ["run", region / "scenario.toml", "-o", folder / "o.nc"],
            "slope": ["slope", dem, folder / "o.tif"],
            "aspect": ["aspect", dem, folder / "o.tif"],
            "tri": ["tri", dem, folder / "o.tif"],
            "proximity": ["proximity", gpkg, folder / "o.tif", "--like", dem, "--layer", "front_lines"],
            "density": ["density", gpkg, folder / "o.tif", "--like", dem, "--layer", "finds", "--bandwidth", "100"],
            "focal": ["focal", dem, folder / "o.tif", "--radius", "30"],
            "fit": ["fit", region / "scenario.toml", "-o", folder / "o.toml"],
            "sweep": ["sweep", sweep, "-o", folder / "o.nc"],
            "evaluate": ["evaluate", grid, "--truth", gpkg, "--layer", "finds", "-o", folder / "o.json"],
            "explain": ["explain", grid, 642000, 4417000],
            "diff": ["diff", grid, grid, "-o", folder / "o.tif"],
            "update": ["update", region / "scenario.toml", "-o", folder / "o.nc"],
            "areas": ["areas", grid, "-o", folder / "o.gpkg"],
            "map": ["map", grid, "-o", folder / "o.png", "--size", "A5", "--dpi", "50"],
            "report": ["report", grid, "-o", folder / "o.html", "--size", "A5", "--dpi", "50"],
        }[sub]

    return command


@pytest.mark.parametrize("sub", PARALLEL + SERIAL)
def test_every_subcommand_has_the_common_options(sub):
    text = run_minerisk(sub, "--help").stdout
    for option in ("-q,--quiet", "-v,--verbose", "--config KEY VALUE"):
        assert option in text, (sub, option)
    assert ("--threads" in text) == (sub in PARALLEL)


@pytest.mark.parametrize("sub", PARALLEL + SERIAL)
def test_quiet_prints_only_errors(every_subcommand, tmp_path, sub):
    r = run_minerisk(*every_subcommand(sub, tmp_path), "-q")
    assert r.returncode == 0, r.stderr
    assert r.stderr == ""
    if sub in ("explain", "diff"):
        assert "probability" in r.stdout  # its output is its result (diff's report, beside its raster)
    else:
        assert r.stdout == ""


@pytest.mark.parametrize("sub", PARALLEL + SERIAL)
def test_verbose_reports_what_it_runs_with(every_subcommand, tmp_path, sub):
    r = run_minerisk(*every_subcommand(sub, tmp_path), "--verbose")
    assert r.returncode == 0, r.stderr
    assert f"minerisk {sub}: minerisk " in r.stderr and "GDAL 3" in r.stderr
    assert f"minerisk {sub}: GDAL configuration CPL_DEBUG = ON (--verbose)" in r.stderr
    assert re.search(rf"minerisk {sub}: done in [0-9.]+ s\n$", r.stderr), r.stderr


@pytest.mark.parametrize("sub", PARALLEL + SERIAL)
def test_quiet_and_verbose_together_are_refused(every_subcommand, tmp_path, sub):
    r = run_minerisk(*every_subcommand(sub, tmp_path), "-q", "-v")
    assert r.returncode == 2
    assert "--quiet excludes --verbose" in r.stderr and f"'minerisk {sub} --help'" in r.stderr
    assert os.listdir(tmp_path) == []  # refused before any work


@pytest.mark.parametrize("sub", PARALLEL + SERIAL)
def test_config_is_accepted_and_set_in_gdal(every_subcommand, tmp_path, sub):
    args = every_subcommand(sub, tmp_path)
    r = run_minerisk(*args, "--config", "GDAL_CACHEMAX", "64", "--config", "GDAL_NUM_THREADS", "1", "-q")
    assert r.returncode == 0, r.stderr
    assert r.stderr == ""
    # CPL_DEBUG makes GDAL trace what it opens and closes: the option reached GDAL. (The second
    # run replaces the first one's outputs.)
    overwrite = [] if sub == "explain" else ["--overwrite"]
    r = run_minerisk(*args, "--config", "CPL_DEBUG", "ON", "-q", *overwrite)
    assert r.returncode == 0, r.stderr
    assert re.search(r"^GDAL: GDAL(Close|Open|Driver)", r.stderr, re.M), r.stderr


def test_config_takes_exactly_a_key_and_a_value(region, tmp_path):
    r = run_minerisk("slope", "--config", "GDAL_CACHEMAX", "64", region / "dem.tif", tmp_path / "o.tif", "-q")
    assert r.returncode == 0, r.stderr
    r = run_minerisk("slope", region / "dem.tif", tmp_path / "p.tif", "--config", "GDAL_CACHEMAX")
    assert r.returncode == 2 and "--config" in r.stderr and "'minerisk slope --help'" in r.stderr
    # A value GDAL parses only when it uses it was said to be the input's damage (a probe).
    for key, value, says in (("GDAL_CACHEMAX", "-5", "give megabytes"), ("GDAL_NUM_THREADS", "abc", "not a number of"),
                             ("NUM_THREADS", "x2", "not a number of"), ("GDAL_NUM_THREADS", "01", "not a number of"),
                             ("GDAL_NUM_THREADS", "-1", "not a number of"),
                             ("GDAL_NUM_THREADS", "2147483648", "not a number of")):
        r = run_minerisk("slope", region / "dem.tif", tmp_path / "p.tif", "--config", key, value)
        assert r.returncode == 2 and r.stderr.count("\n") == 1, r.stderr
        assert f"--config {key} {value}: " in r.stderr and says in r.stderr and "damaged" not in r.stderr, r.stderr
    # The value in effect is named: the last --config of a key, or the environment's.
    r = run_minerisk("slope", region / "dem.tif", tmp_path / "p.tif", "--config", "GDAL_CACHEMAX", "64",
                     "--config", "GDAL_CACHEMAX", "-5")
    assert r.returncode == 2 and "--config GDAL_CACHEMAX -5: " in r.stderr, r.stderr
    r = subprocess.run([minerisk_bin(), "slope", region / "dem.tif", tmp_path / "p.tif"], capture_output=True, text=True,
                       env={**os.environ, "GDAL_NUM_THREADS": "abc"})
    assert r.returncode == 2 and "GDAL_NUM_THREADS=abc (in the environment" in r.stderr, r.stderr
    assert not (tmp_path / "p.tif").exists()
    for value in ("0", "4", "ALL_CPUS", "02", "+4"):  # GDAL runs "02" and "+4" (atoi), as a review found
        r = run_minerisk("slope", region / "dem.tif", tmp_path / "p.tif", "--config", "GDAL_NUM_THREADS", value,
                         "-q", "--overwrite")
        assert r.returncode == 0, r.stderr


def build_folder():
    folder = pathlib.Path(minerisk_bin()).resolve().parents[1]
    if not (folder / "cmake_install.cmake").exists():
        pytest.skip(f"{minerisk_bin()} is not in a CMake build folder")
    return folder


@pytest.fixture(scope="module")
def installed(tmp_path_factory):
    prefix = tmp_path_factory.mktemp("prefix")
    r = subprocess.run(["cmake", "--install", str(build_folder()), "--prefix", str(prefix)], capture_output=True,
                       text=True)
    assert r.returncode == 0, r.stderr
    return prefix


def test_install_puts_the_man_page_and_the_completion(installed):
    assert (installed / "bin" / "minerisk").exists()
    page = installed / "share" / "man" / "man1" / "minerisk.1"
    completion = installed / "share" / "bash-completion" / "completions" / "minerisk"
    assert page.exists() and completion.exists()
    # Generated from the definitions: the same as the program writes now.
    assert page.read_text() == subprocess.run([minerisk_bin(), "--generate-man"], capture_output=True,
                                              text=True).stdout


def render(page):
    r = subprocess.run(["groff", "-man", "-Tutf8", "-ww", str(page)], capture_output=True, text=True,
                       env={**os.environ, "GROFF_NO_SGR": "1"})
    assert r.returncode == 0 and r.stderr == "", r.stderr  # no warnings either
    return re.sub(r".\x08", "", r.stdout).replace("\u2212", "-").replace("\u2010", "-")


def test_the_man_page_renders_with_every_subcommand_and_option(installed):
    page = installed / "share" / "man" / "man1" / "minerisk.1"
    text = render(page)
    assert "minerisk - the probability of contamination" in text
    shared = text.split("OPTIONS OF EVERY SUBCOMMAND", 1)[1].split("\nSUBCOMMANDS", 1)[0]
    for sub in subcommands():
        # Its section (up to the next), starting with its synopsis; each option of its --help is
        # in it or among the options of every subcommand.
        match = re.search(rf"^   {sub}\n       minerisk {sub} (.*?)(?=^   \w|^[A-Z])", text, re.M | re.S)
        assert match, sub
        for option in re.findall(r"^  (?:-\w,)?(--[\w-]+)", run_minerisk(sub, "--help").stdout, re.M):
            assert re.search(rf"{option}\b", match.group(1)) or option in shared, (sub, option)
    flat = " ".join(text.split())
    assert "One of: count, max, mean, min, sum." in flat
    assert "Exit codes: 0 success" in flat


def test_man_renders_the_page(installed):
    if not shutil.which("man"):
        pytest.skip("man-db is not installed")
    page = installed / "share" / "man" / "man1" / "minerisk.1"
    r = subprocess.run(["man", "-l", str(page)], capture_output=True, text=True,
                       env={**os.environ, "MANPAGER": "cat", "MANWIDTH": "100"})
    assert r.returncode == 0, r.stderr
    assert "focal" in r.stdout and "SUBCOMMANDS" in r.stdout


def complete(installed, *words):
    """COMPREPLY for the words typed so far (the last one is being completed)."""
    script = installed / "share" / "bash-completion" / "completions" / "minerisk"
    words_text = " ".join(f"'{w}'" for w in words)
    code = (f"source '{script}'\nCOMP_WORDS=({words_text})\nCOMP_CWORD={len(words) - 1}\n"
            "COMP_LINE=\"${COMP_WORDS[*]}\"\nCOMP_POINT=${#COMP_LINE}\n_minerisk\n"
            "printf '%s\\n' \"${COMPREPLY[@]}\"")
    r = subprocess.run(["bash", "--norc", "--noprofile", "-c", code], capture_output=True, text=True)
    assert r.returncode == 0, r.stderr
    return sorted(line for line in r.stdout.splitlines() if line)


def test_bash_completion_completes(installed, tmp_path):
    assert complete(installed, "minerisk", "r") == ["report", "run"]
    assert complete(installed, "minerisk", "e") == ["evaluate", "explain"]
    assert complete(installed, "minerisk", "run", "--th") == ["--threads"]
    assert complete(installed, "minerisk", "focal", "x", "y", "--statistic", "m") == ["max", "mean", "min"]
    assert complete(installed, "minerisk", "focal", "x", "y", "--statistic", "=", "s") == ["sum"]
    assert complete(installed, "minerisk", "slope", "a", "b", "--compress", "") == ["DEFLATE", "LZW", "NONE", "ZSTD"]
    assert complete(installed, "minerisk", "explain", "-") == sorted(
        ["-h", "--help", "--crs", "--variable", "--json", "-q", "--quiet", "-v", "--verbose", "--config"])
    # Files for positionals and path options; nothing for numbers or --config's words.
    (tmp_path / "dem.tif").write_text("")
    (tmp_path / "dense.gpkg").write_text("")
    prefix = str(tmp_path / "de")
    assert complete(installed, "minerisk", "slope", prefix) == [prefix + "m.tif", prefix + "nse.gpkg"]
    assert complete(installed, "minerisk", "run", "s.toml", "-o", prefix) == [prefix + "m.tif", prefix + "nse.gpkg"]
    assert complete(installed, "minerisk", "run", "--config", "K", "V", prefix) == [prefix + "m.tif",
                                                                                  prefix + "nse.gpkg"]
    assert complete(installed, "minerisk", "run", "--config", prefix) == []
    assert complete(installed, "minerisk", "run", "--threads", "") == []
    assert complete(installed, "minerisk", "explain", "g.nc", prefix) == []
