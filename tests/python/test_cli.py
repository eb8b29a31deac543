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
