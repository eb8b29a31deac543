"""The command line itself: help, version, exit codes."""
from conftest import run_minerisk


def test_help_lists_the_run_subcommand():
    result = run_minerisk("--help")
    assert result.returncode == 0
    assert "run" in result.stdout and "Exit codes" in result.stdout


def test_run_help_lists_its_options():
    result = run_minerisk("run", "--help")
    assert result.returncode == 0
    for option in ("--threads", "--tile-size", "--quiet", "--output"):
        assert option in result.stdout


def test_version():
    result = run_minerisk("--version")
    assert result.returncode == 0
    assert result.stdout.startswith("minerisk ")


def test_no_subcommand_is_a_usage_error():
    result = run_minerisk()
    assert result.returncode == 2
    assert "minerisk: error:" in result.stderr


def test_bad_option_value_is_a_usage_error(region, tmp_path):
    result = run_minerisk("run", region / "scenario.toml", "-o", tmp_path / "o.nc", "--tile-size", "3")
    assert result.returncode == 2
    assert "--tile-size" in result.stderr


def test_plain_progress_lines_when_not_a_terminal(region, tmp_path):
    result = run_minerisk("run", region / "scenario.toml", "-o", tmp_path / "o.nc", "--tile-size", "128")
    assert result.returncode == 0, result.stderr
    lines = [l for l in result.stderr.splitlines() if "tiles" in l]
    assert any("tiles/s" in l and "left" in l for l in lines)
    assert "\r" not in result.stderr


def test_quiet_prints_nothing(region, tmp_path):
    result = run_minerisk("run", region / "scenario.toml", "-o", tmp_path / "o.nc", "--quiet")
    assert result.returncode == 0, result.stderr
    assert result.stderr == "" and result.stdout == ""


def test_progress_bar_on_a_terminal(region, tmp_path):
    """On a terminal, progress is one bar redrawn in place with tiles, rate and time left."""
    import os
    import pty
    import subprocess

    from conftest import minerisk_bin

    leader, follower = pty.openpty()
    process = subprocess.Popen([minerisk_bin(), "run", str(region / "scenario.toml"), "-o", str(tmp_path / "o.nc"),
                                "--tile-size", "64"], stdout=subprocess.DEVNULL, stderr=follower)
    os.close(follower)
    output = b""
    while True:
        try:
            chunk = os.read(leader, 4096)
        except OSError:  # the program closed the terminal
            break
        if not chunk:
            break
        output += chunk
    assert process.wait() == 0
    text = output.decode(errors="replace")
    assert "\r" in text and "[" in text and "tiles" in text and "/s" in text
    assert "left" in text and "took" in text


def test_every_name_option_lists_its_names_as_it_was_given(region, tmp_path):
    """--evidence, --log-format and --compress gave CLI11's raw "bogus not in {packed,float32,none}"
    (--compress upper-casing the word given); now as --statistic's message. Any case is taken."""
    scenario = region / "scenario.toml"
    for args, says in ((("update", scenario, "-o", tmp_path / "u.nc", "--evidence", "bogus"),
                        "--evidence: 'bogus' is not one of packed, float32, none; run 'minerisk update --help'"),
                       (("run", scenario, "-o", tmp_path / "u.nc", "--evidence", "Bogus"),
                        "--evidence: 'Bogus' is not one of packed, float32, none; run 'minerisk run --help'"),
                       (("update", scenario, "-o", tmp_path / "u.nc", "--log-format", "xml"),
                        "--log-format: 'xml' is not one of text, json; run 'minerisk update --help'"),
                       (("slope", region / "dem.tif", tmp_path / "s.tif", "--compress", "bogus"),
                        "--compress: 'bogus' is not one of ZSTD, DEFLATE, LZW, NONE; run 'minerisk slope --help'")):
        r = run_minerisk(*args)
        assert r.returncode == 2 and says in r.stderr and r.stderr.count("\n") == 1, r.stderr
    r = run_minerisk("slope", region / "dem.tif", tmp_path / "s.tif", "--compress", "lzw", "-q")
    assert r.returncode == 0, r.stderr
    r = run_minerisk("run", scenario, "-o", tmp_path / "f.nc", "--evidence", "FLOAT32", "-q")
    assert r.returncode == 0 and (tmp_path / "f_evidence.nc").exists(), r.stderr


def test_a_folder_given_as_the_grid_is_named_so(region, tmp_path):
    """update -o x.nc/ suggested naming it 'x.nc/.nc', and -o dir/ the hidden 'dir/.nc'."""
    for given, says in (("x.nc/", "'x.nc/' names a folder; give the grid's file name, e.g. 'x.nc'"),
                        (".", "'.' names a folder; give the grid's file name, e.g. './grid.nc'"),
                        ("..", "'..' names a folder; give the grid's file name, e.g. '../grid.nc'"),
                        (f"{tmp_path}/", f"names a folder; give the grid's file name, e.g. '{tmp_path}/grid.nc'")):
        r = run_minerisk("update", region / "scenario.toml", "-o", given)
        assert r.returncode == 2 and says in r.stderr and r.stderr.count("\n") == 1, r.stderr


def test_map_names_in_any_case_and_the_choices_message(region, tmp_path):
    """--orientation Landscape and --breaks LOG were refused ("is not known"), unlike every other
    option that takes a name; from Python too."""
    import minerisk
    grid = tmp_path / "g.nc"
    assert run_minerisk("run", region / "scenario.toml", "-o", grid, "-q").returncode == 0
    r = run_minerisk("map", grid, "-o", tmp_path / "m.pdf", "--orientation", "Landscape", "--breaks", "LOG", "-q")
    assert r.returncode == 0, r.stderr
    r = run_minerisk("map", grid, "-o", tmp_path / "m.pdf", "--breaks", "linear")
    assert r.returncode == 2 and "--breaks: 'linear' is not one of log, quantile; run 'minerisk map --help'" in r.stderr
    assert minerisk.map(grid, tmp_path / "p.pdf", orientation="PORTRAIT", breaks="Quantile")["page_mm"][0] < 300
    try:
        minerisk.map(grid, tmp_path / "q.pdf", orientation="diagonal")
        raise AssertionError("accepted")
    except minerisk.Error as e:
        assert "--orientation: 'diagonal' is not one of portrait, landscape" in str(e)


def test_a_tools_layer_is_chosen_with_its_option(region, tmp_path):
    """density and proximity of a file of several layers said 'choose one with layer = "..."', a
    scenario's key, on the command line."""
    for tool, extra in (("density", ["--bandwidth", "50"]), ("proximity", [])):
        r = run_minerisk(tool, region / "region.gpkg", tmp_path / "x.tif", "--like", region / "dem.tif", *extra, "-q")
        assert r.returncode == 2 and "layers (" in r.stderr and "choose one with --layer NAME" in r.stderr, r.stderr
