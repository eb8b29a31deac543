"""Output safety (engine/src/output_set.cpp), the same for every command: an output that is an
input, or not a regular file, is refused with exit 2 and one line; temporaries never follow a
link; private folders of dead processes are removed; long names work. Each refusal leaves every
file (inputs and previous outputs) byte for byte as it was, and no temporary behind."""
import fcntl
import hashlib
import os
import pathlib
import shutil
import stat
import subprocess

import pytest

from conftest import evidence_of, minerisk_bin, run_minerisk, scenario_text

PREVIOUS = b"a previous good output that must survive"


def snapshot(*folders):
    """Every entry under the folders: a file's SHA-256, a link's target, or the kind of node."""
    state = {}
    for folder in folders:
        for root, dirs, files in os.walk(folder):
            for name in dirs + files:
                path = os.path.join(root, name)
                st = os.lstat(path)
                if stat.S_ISLNK(st.st_mode):
                    state[path] = ("link", os.readlink(path))
                elif stat.S_ISREG(st.st_mode):
                    state[path] = ("file", hashlib.sha256(pathlib.Path(path).read_bytes()).hexdigest())
                else:
                    state[path] = ("node", stat.S_IFMT(st.st_mode))
    return state


def run(*args, cwd=None, env=None, timeout=300):
    # --overwrite: these tests replace previous outputs on purpose; what they check (inputs,
    # links, devices, renames) is refused or kept with it too. Refusal without it: test_bad_inputs.
    overwrite = ["--overwrite"] if args[0] != "explain" else []
    return subprocess.run([minerisk_bin(), *map(str, args), *overwrite], capture_output=True, text=True, cwd=cwd,
                          env=env, timeout=timeout)


def check_refused(args, folders, *expected, cwd=None):
    """Runs minerisk; checks exit 2, one line with the expected words, and that nothing changed."""
    before = snapshot(*folders)
    result = run(*args, cwd=cwd)
    assert result.returncode == 2, (result.returncode, result.stderr)
    message = result.stderr.strip()
    assert message.count("\n") == 0, f"not one line: {message!r}"
    assert message.startswith("minerisk: error: ")
    for text in expected:
        assert text in message, f"{text!r} not in {message!r}"
    assert snapshot(*folders) == before, "a file was created, changed or left behind"
    return message


@pytest.fixture
def local(region, tmp_path):
    """A copy of the sample region and its scenario in tmp_path, so a failure cannot spoil the
    session's region; returns (folder, scenario)."""
    shutil.copytree(region, tmp_path / "region", ignore=shutil.ignore_patterns("*.nc", "*.png"))
    scenario = tmp_path / "scenario.toml"
    scenario.write_text(scenario_text(tmp_path / "region"))
    (tmp_path / "out.nc").write_bytes(PREVIOUS)
    return tmp_path, scenario


def dead_pid():
    """The pid of a process that has exited (and been reaped)."""
    process = subprocess.Popen(["true"])
    process.wait()
    return process.pid


@pytest.mark.parametrize("target", ["region/dem.tif", "region/region.gpkg", "scenario.toml"])
def test_an_output_that_is_an_input_is_refused(local, target):
    folder, scenario = local
    check_refused(["run", scenario, "-o", folder / target], [folder], "is the input", target.split("/")[-1],
                  "choose another output path")


def test_a_link_to_an_input_is_refused(local):
    folder, scenario = local
    (folder / "out.nc").unlink()
    (folder / "out.nc").symlink_to(folder / "region" / "dem.tif")
    check_refused(["run", scenario, "-o", folder / "out.nc"], [folder], "'", "dem.tif", "is the input")


def test_a_relative_path_to_an_input_from_another_folder_is_refused(local):
    folder, scenario = local
    (folder / "elsewhere").mkdir()
    check_refused(["run", scenario, "-o", "../region/dem.tif"], [folder], "../region/dem.tif", "is the input",
                  cwd=folder / "elsewhere")
    check_refused(["run", "../scenario.toml", "-o", "dem.tif"], [folder], "is the input", cwd=folder / "region")


def test_two_outputs_that_are_one_file_are_refused_naming_both(local):
    """Two names for one file said "'t.json' would be written twice (two outputs share the
    name)", though the names differ."""
    folder, scenario = local
    (folder / "t.json").symlink_to(folder / "out.nc")
    check_refused(["run", scenario, "-o", folder / "out.nc", "--timings", folder / "t.json"], [folder],
                  f"'{folder / 't.json'}' and '{folder / 'out.nc'}' are the same file (links to one file)")
    check_refused(["run", scenario, "-o", folder / "out.nc", "--timings", folder / "out.nc"], [folder],
                  "would be written twice (two outputs share the name)")


def test_a_hard_link_to_an_input_is_refused(local):
    folder, scenario = local
    os.link(folder / "region" / "dem.tif", folder / "hard.nc")
    check_refused(["run", scenario, "-o", folder / "hard.nc"], [folder], "hard.nc", "is the input")


def test_a_fifo_is_refused(local):
    folder, scenario = local
    os.mkfifo(folder / "pipe.nc")
    check_refused(["run", scenario, "-o", folder / "pipe.nc"], [folder], "pipe.nc", "not a regular file")
    assert stat.S_ISFIFO(os.lstat(folder / "pipe.nc").st_mode)


@pytest.mark.parametrize("role", ["scenario's layers", "tool input", "grid"])
def test_an_input_that_is_a_fifo_is_refused_at_once(local, role):
    """GDAL's open of a fifo waits for a writer for ever, deaf to Ctrl-C and SIGTERM: refused
    before any open, in one line."""
    folder, scenario = local
    os.mkfifo(folder / "pipe.gpkg")
    args = {
        "scenario's layers": ["run", scenario.with_name("piped.toml"), "-o", folder / "new.nc"],
        "tool input": ["slope", folder / "pipe.gpkg", folder / "slope.tif"],
        "grid": ["explain", folder / "pipe.gpkg", "1", "1"],
    }[role]
    scenario.with_name("piped.toml").write_text(
        scenario.read_text().replace(str(folder / "region" / "region.gpkg"), str(folder / "pipe.gpkg")))
    result = subprocess.run([minerisk_bin(), *map(str, args)], capture_output=True, text=True, timeout=60)
    assert result.returncode == 2 and result.stderr.count("\n") == 1, result.stderr
    assert "pipe.gpkg' is not a regular file (a fifo, a socket or a device)" in result.stderr


def test_dev_null_is_refused_and_stays_a_device(local):
    folder, scenario = local
    before = os.lstat("/dev/null")
    check_refused(["run", scenario, "-o", "/dev/null"], [folder], "/dev/null", "not a regular file")
    after = os.lstat("/dev/null")
    assert stat.S_ISCHR(after.st_mode) and after.st_rdev == before.st_rdev and after.st_ino == before.st_ino


def test_a_folder_is_refused(local):
    folder, scenario = local
    check_refused(["run", scenario, "-o", folder / "region"], [folder], "is a folder")


def test_a_tool_writing_over_its_input_is_refused(local):
    folder, _ = local
    dem = folder / "region" / "dem.tif"
    check_refused(["slope", dem, dem], [folder], "dem.tif", "is the input")
    check_refused(["focal", dem, "region/dem.tif", "--radius", "30"], [folder], "is the input", cwd=folder)
    check_refused(["density", folder / "region" / "region.gpkg", dem, "--layer", "finds", "--like", dem,
                   "--bandwidth", "100"], [folder], "is the input")


def test_a_picture_named_like_an_input_is_refused(local):
    folder, _ = local
    # A GeoTIFF named .png (GDAL reads it by its content): the run's picture of landcover.nc.
    shutil.copy(folder / "region" / "dem.tif", folder / "landcover.png")
    evidence = f'\n[model.evidence.landcover]\nfeature = "raster"\npath = "{folder / "landcover.png"}"\nweight = 0.001\n'
    scenario = folder / "landcover.toml"
    scenario.write_text(scenario_text(folder / "region", evidence=evidence))
    check_refused(["run", scenario, "-o", folder / "landcover.nc"], [folder], "landcover.png", "is the input")


def test_two_outputs_of_the_same_name_are_refused(local):
    folder, scenario = local
    check_refused(["run", scenario, "-o", folder / "grid.png"], [folder], "is not a netCDF name")  # grid.png twice
    check_refused(["proximity", folder / "region" / "dem.tif", folder / "d.tif", "--nearest-value", folder / "d.tif"],
                  [folder], "written twice")
    check_refused(["fit", scenario, "-o", folder / "a.toml", "--report", folder / "a.toml"], [folder],
                  "written twice")


def test_links_planted_at_predictable_names_are_not_followed(local, tmp_path_factory):
    folder, scenario = local
    victims = tmp_path_factory.mktemp("victims")
    for k in range(3):
        (victims / f"chosen{k}.txt").write_text(f"someone's file {k}")
    # The old temporaries were .NAME.tmp-PID: a link at each name the next few hundred
    # processes could have.
    start = dead_pid()
    for pid in range(start, start + 400):
        for name in ("out.nc", "out.png"):
            (folder / f".{name}.tmp-{pid}").symlink_to(victims / f"chosen{pid % 3}.txt")
    # A link named like a stale private folder, to a folder of someone else's files: the clean-up
    # must neither follow nor remove it.
    (victims / "theirs").mkdir()
    (victims / "theirs" / "0.nc").write_text("not ours")
    (folder / f".minerisk-{dead_pid()}-AbCdEf").symlink_to(victims / "theirs")
    links_before = snapshot(folder)
    outside_before = snapshot(victims, folder / "region")
    result = run("run", scenario, "-o", folder / "out.nc", "--quiet")
    assert result.returncode == 0, result.stderr
    assert snapshot(victims, folder / "region") == outside_before, "a file outside the output was changed"
    after = snapshot(folder)
    for path, state in links_before.items():
        if state[0] == "link":
            assert after[path] == state
    assert (folder / "out.nc").read_bytes()[:8] == b"\x89HDF\r\n\x1a\n"
    assert not [n for n in os.listdir(folder) if n.startswith(".minerisk-") and not os.path.islink(folder / n)]


def test_stale_private_folders_of_dead_processes_are_removed(local):
    folder, scenario = local
    dead = folder / f".minerisk-{dead_pid()}-Xy12Zw"
    dead.mkdir(mode=0o700)
    (dead / "0.nc").write_bytes(b"half a grid")
    (dead / "1.png").write_bytes(b"")
    live = folder / f".minerisk-{os.getpid()}-Ab34Cd"  # this test's own pid: alive
    live.mkdir(mode=0o700)
    (live / "0.nc").write_bytes(b"in use")
    locked = folder / f".minerisk-{dead_pid()}-Lk56Mn"  # dead pid, but its lock is held
    locked.mkdir(mode=0o700)
    (locked / "0.nc").write_bytes(b"in use in another pid namespace")
    not_a_folder = folder / f".minerisk-{dead_pid()}-Fi78Le"
    not_a_folder.write_bytes(b"a file, not ours to judge")
    foreign = folder / f".minerisk-{dead_pid()}-Ot90Hr"  # another user's
    foreign.mkdir(mode=0o700)
    (foreign / "0.nc").write_bytes(b"theirs")
    if os.geteuid() == 0:
        os.chown(foreign, 65534, 65534)
    lock = os.open(locked, os.O_RDONLY)
    try:
        fcntl.flock(lock, fcntl.LOCK_EX)
        result = run("run", scenario, "-o", folder / "out.nc", "--quiet")
    finally:
        os.close(lock)
    assert result.returncode == 0, result.stderr
    assert not dead.exists()
    assert (live / "0.nc").read_bytes() == b"in use"
    assert (locked / "0.nc").read_bytes() == b"in use in another pid namespace"
    assert not_a_folder.read_bytes() == b"a file, not ours to judge"
    if os.geteuid() == 0:
        assert (foreign / "0.nc").read_bytes() == b"theirs"
    assert sorted(n for n in os.listdir(folder) if n.startswith(".minerisk-")) == sorted(
        p.name for p in (live, locked, not_a_folder) + ((foreign,) if os.geteuid() == 0 else ()))


def test_a_248_character_output_name_works(local):
    """The longest name whose evidence file (NAME_evidence.nc) still fits the file system's 255."""
    folder, scenario = local
    name = "a" * 236 + ".nc"
    assert len(evidence_of(folder / name).name) == 248
    result = run("run", scenario, "-o", folder / name, "--quiet")
    assert result.returncode == 0, result.stderr
    assert (folder / name).read_bytes()[:8] == b"\x89HDF\r\n\x1a\n"
    assert evidence_of(folder / name).read_bytes()[:8] == b"\x89HDF\r\n\x1a\n"
    assert (folder / ("a" * 236 + ".png")).exists()
    assert not [n for n in os.listdir(folder) if n.startswith(".")]


@pytest.mark.parametrize("output, expected", [
    ("", "the path is empty"),
    ("x" * 297 + ".nc", "300 bytes"),
    ("y" * 300 + "/out.nc", "300 bytes"),
], ids=["empty", "long-name", "long-folder"])
def test_impossible_output_paths_are_one_line_refusals(local, output, expected):
    folder, scenario = local
    message = check_refused(["run", scenario, "-o", output], [folder], expected, cwd=folder)
    assert "internal error" not in message


def test_a_good_run_leaves_no_temporary_and_replaces_both_outputs(local):
    folder, scenario = local
    (folder / "out.png").write_bytes(PREVIOUS)
    result = run("run", scenario, "-o", folder / "out.nc", "--quiet")
    assert result.returncode == 0, result.stderr
    assert (folder / "out.nc").read_bytes()[:8] == b"\x89HDF\r\n\x1a\n"
    assert (folder / "out.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert sorted(os.listdir(folder)) == ["out.nc", "out.png", "out_evidence.nc", "region", "scenario.toml"]


@pytest.mark.parametrize("picture_before", [PREVIOUS, None], ids=["previous-picture", "no-picture"])
def test_a_failed_rename_puts_the_outputs_back(local, picture_before):
    """The grid is renamed last; when that fails (here: a file bind-mounted on it, EBUSY), the
    picture already renamed is put back as it was, so the two still belong together."""
    folder, scenario = local
    if picture_before is not None:
        (folder / "out.png").write_bytes(picture_before)
    (folder / "mounted").write_bytes(b"mounted over out.nc")
    mount = subprocess.run(["mount", "--bind", str(folder / "mounted"), str(folder / "out.nc")], capture_output=True,
                           text=True)
    if mount.returncode != 0:
        pytest.skip(f"cannot bind-mount here: {mount.stderr.strip() or mount.returncode}")
    try:
        before = snapshot(folder)
        result = run("run", scenario, "-o", folder / "out.nc", "--quiet")
        after = snapshot(folder)
    finally:
        subprocess.run(["umount", str(folder / "out.nc")], check=False)
    assert result.returncode == 2, result.stderr
    assert result.stderr.strip().count("\n") == 0
    assert "cannot replace" in result.stderr and "no output was changed" in result.stderr
    assert after == before
    assert (folder / "out.nc").read_bytes() == PREVIOUS


def test_sweep_and_evaluate_outputs_that_are_inputs_are_refused(local):
    folder, scenario = local
    sweep = folder / "sweep.toml"
    sweep.write_text(f'base = "{scenario}"\n[[axis]]\nparameter = "model.intercept"\nvalues = [-5.0, -4.0]\n')
    check_refused(["sweep", sweep, "-o", sweep], [folder], "sweep.toml", "is the input")
    check_refused(["sweep", sweep, "-o", folder / "region" / "dem.tif"], [folder], "dem.tif", "is the input")
    assert run("run", scenario, "-o", folder / "out.nc", "--quiet").returncode == 0
    gpkg = folder / "region" / "region.gpkg"
    check_refused(["evaluate", folder / "out.nc", "--truth", gpkg, "--layer", "finds", "-o", folder / "out.nc"],
                  [folder], "out.nc", "is the input")
    check_refused(["evaluate", folder / "out.nc", "--truth", gpkg, "--layer", "finds", "--picture", gpkg], [folder],
                  "region.gpkg", "is the input")


def test_the_python_module_refuses_alike(local):
    import minerisk
    folder, scenario = local
    dem = folder / "region" / "dem.tif"
    before = snapshot(folder)
    with pytest.raises(minerisk.Error, match="is the input"):
        minerisk.tools.slope(str(dem), str(dem))
    with pytest.raises(minerisk.Error, match="is the input"):
        minerisk.Scenario.load(str(scenario)).run(folder / "scenario.toml")
    assert snapshot(folder) == before


def test_a_folder_others_can_write_to_works_and_keeps_nothing_behind(local):
    """Writable by all without the sticky bit: another user could rename the private folder, so
    the libraries write through /proc/self/fd; the outputs are the same files."""
    folder, scenario = local
    shared = folder / "shared"
    shared.mkdir()
    os.chmod(shared, 0o777)
    assert run("run", scenario, "-o", shared / "out.nc", "--quiet").returncode == 0
    assert run("slope", folder / "region" / "dem.tif", shared / "slope.tif", "--quiet").returncode == 0
    assert sorted(os.listdir(shared)) == ["out.nc", "out.png", "out_evidence.nc", "slope.tif"]
    assert (shared / "out.nc").read_bytes()[:8] == b"\x89HDF\r\n\x1a\n"


@pytest.mark.parametrize("name", ['a"b.nc', "a\\b.nc", "NETCDF:x.nc", "GPKG:x.nc"])
def test_a_grid_name_gdal_cannot_read_back_is_refused(region, tmp_path, write_scenario, name):
    """A grid is read back as NETCDF:"FILE":VAR: a quote or a backslash in its name, or a name in
    one of GDAL's forms, was written on the first night and refused by every update after."""
    s = write_scenario(scenario_text(region))
    for command in ("run", "update"):
        r = subprocess.run([minerisk_bin(), command, str(s), "-o", name], cwd=tmp_path, capture_output=True, text=True)
        assert r.returncode == 2 and "cannot name a grid" in r.stderr and r.stderr.count("\n") == 1, r.stderr
    assert list(tmp_path.iterdir()) == [s]
    # A colon alone is no GDAL form: grid:2024.nc is written and updated.
    for command in ("run", "update"):
        r = subprocess.run([minerisk_bin(), command, str(s), "-o", "grid:2024.nc", "-q"], cwd=tmp_path,
                           capture_output=True, text=True)
        assert r.returncode == 0, r.stderr


def test_statistics_of_a_replaced_output_are_not_kept(region, tmp_path, write_scenario):
    """QGIS and gdalinfo -stats write OUT.nc.aux.xml; a run, update or diff over OUT.nc left it,
    and GDAL then gave the new grid the old one's statistics (QGIS its stretch)."""
    import numpy as np
    from osgeo import gdal
    out, change = tmp_path / "out.nc", tmp_path / "change.tif"
    today = write_scenario(scenario_text(region).replace("weight = 0.8", "weight = 1.6"), name="today.toml")
    assert run_minerisk("run", region / "scenario.toml", "-o", out, "-q").returncode == 0
    assert run_minerisk("run", today, "-o", tmp_path / "today.nc", "-q").returncode == 0
    assert run_minerisk("diff", out, tmp_path / "today.nc", "-o", change, "-q").returncode == 0
    for path in (out, change):
        gdal.Info(str(path), stats=True)  # as QGIS does on opening it
        assert pathlib.Path(f"{path}.aux.xml").exists()
    overviews = gdal.Open(str(change))
    overviews.BuildOverviews("AVERAGE", [2])  # read-only open: external, change.tif.ovr (gdaladdo -ro)
    overviews = None
    assert pathlib.Path(f"{change}.ovr").exists()
    assert run_minerisk("run", today, "-o", out, "-q", "--overwrite").returncode == 0
    assert run_minerisk("diff", tmp_path / "today.nc", out, "-o", change, "-q", "--overwrite").returncode == 0
    assert not pathlib.Path(f"{out}.aux.xml").exists() and not pathlib.Path(f"{change}.aux.xml").exists()
    assert not pathlib.Path(f"{change}.ovr").exists()  # the old grid's pictures, zoomed out
    grid = gdal.Open(f'NETCDF:"{out}":probability')  # kept: its band dies with it
    band = grid.GetRasterBand(1)
    # GetStatistics takes a side file's statistics when one is there (ComputeStatistics never does).
    assert band.GetStatistics(False, True)[1] == pytest.approx(float(np.nanmax(band.ReadAsArray())), rel=1e-6)
