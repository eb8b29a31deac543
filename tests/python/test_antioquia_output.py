"""The importer's output folder (datasets/antioquia_output.py): written beside --out and swapped in
whole, so no link is written through, no earlier import's file is left behind, and a failed
import leaves the earlier one as it was."""
import os
import subprocess
import sys

import pytest

import antioquia_synthetic
import import_antioquia


@pytest.fixture()
def csv_path(tmp_path):
    antioquia_synthetic.write_region(tmp_path / "grid.csv")
    return tmp_path / "grid.csv"


def listing(folder):
    return sorted(str(p.relative_to(folder)) for p in folder.rglob("*"))


def test_links_in_an_earlier_import_are_replaced_not_written_through(csv_path, tmp_path):
    out = tmp_path / "out"
    import_antioquia.import_grid(csv_path, out)
    victims = {name: tmp_path / f"victim_{n}" for n, name in enumerate(("manifest.json", "features/elevation.tif"))}
    for name, victim in victims.items():
        victim.write_text("someone else's")
        (out / name).unlink()
        (out / name).symlink_to(victim)
    (out / "label.tif").unlink()
    (out / "label.tif").symlink_to(tmp_path / "dangling_target")
    import_antioquia.import_grid(csv_path, out)
    assert all(victim.read_text() == "someone else's" for victim in victims.values())
    assert not (tmp_path / "dangling_target").exists()
    assert not any(p.is_symlink() for p in out.rglob("*"))
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".out.")]  # no staging folder left


def test_a_column_dropped_since_leaves_no_file_behind(csv_path, tmp_path):
    out = tmp_path / "out"
    import_antioquia.import_grid(csv_path, out)
    assert (out / "features" / "rwi.tif").exists()
    antioquia_synthetic.write_region(tmp_path / "fewer.csv", drop=("rwi",))
    import_antioquia.import_grid(tmp_path / "fewer.csv", out)
    assert not (out / "features" / "rwi.tif").exists()


@pytest.mark.parametrize("make, says", [
    (lambda out, tmp: out.symlink_to(tmp / "elsewhere", target_is_directory=True), "is a symbolic link"),
    (lambda out, tmp: out.write_text("a file"), "is a file; give a folder"),
    (lambda out, tmp: (out.mkdir(), (out / "notes.txt").write_text("mine")), "holds 'notes.txt', which no import"),
    (lambda out, tmp: ((out / "features").mkdir(parents=True), (out / "features" / "notes.txt").write_text("mine")),
     "holds 'features/notes.txt', which no import"),
    (lambda out, tmp: ((out / "label.tif").mkdir(parents=True), (out / "label.tif" / "keep.txt").write_text("mine")),
     "holds 'label.tif', which no import"),
])
def test_an_out_that_is_not_an_imports_folder_is_refused(csv_path, tmp_path, capsys, make, says):
    (tmp_path / "elsewhere").mkdir()
    out = tmp_path / "out"
    make(out, tmp_path)
    before = listing(tmp_path)
    assert import_antioquia.main(["--csv", str(csv_path), "--out", str(out)]) == 2
    error = capsys.readouterr().err
    assert error.count("\n") == 1 and says in error, error
    assert listing(tmp_path) == before


def test_an_empty_out_is_refused(csv_path, capsys):
    assert import_antioquia.main(["--csv", str(csv_path), "--out", ""]) == 2
    assert "--out is empty" in capsys.readouterr().err


def test_a_failed_write_leaves_the_earlier_import_whole(csv_path, tmp_path, capsys, monkeypatch):
    out = tmp_path / "out"
    import_antioquia.import_grid(csv_path, out)
    before = {p: p.read_bytes() for p in out.rglob("*") if p.is_file()}

    def disk_full(*args):
        raise OSError(28, os.strerror(28))
    monkeypatch.setattr(import_antioquia, "write_points", disk_full)
    assert import_antioquia.main(["--csv", str(csv_path), "--out", str(out)]) == 2
    error = capsys.readouterr().err
    assert f"cannot write the import into {out}: No space left on device" in error, error
    assert {p: p.read_bytes() for p in out.rglob("*") if p.is_file()} == before
    assert listing(tmp_path) == sorted(["grid.csv", "out", *(str(p.relative_to(tmp_path)) for p in out.rglob("*"))])


def test_the_folder_holding_the_csv_is_refused(tmp_path, capsys):
    out = tmp_path / "out"
    out.mkdir()
    antioquia_synthetic.write_region(out / "municipalities.csv")  # named as an import's file, all the same
    assert import_antioquia.main(["--csv", str(out / "municipalities.csv"), "--out", str(out)]) == 2
    assert "holds the CSV" in capsys.readouterr().err and (out / "municipalities.csv").exists()


def test_an_interrupt_between_the_renames_puts_the_earlier_import_back(csv_path, tmp_path, monkeypatch):
    import antioquia_output
    out = tmp_path / "out"
    import_antioquia.import_grid(csv_path, out)
    before = {p: p.read_bytes() for p in out.rglob("*") if p.is_file()}
    renames = []

    def interrupted(src, dst):
        renames.append(dst)
        if len(renames) == 2:  # the new folder into place (after the old one moved aside): interrupted
            raise KeyboardInterrupt
        os.replace(src, dst)
    monkeypatch.setattr(antioquia_output.os, "rename", interrupted)
    with pytest.raises(KeyboardInterrupt):
        import_antioquia.import_grid(csv_path, out)
    assert {p: p.read_bytes() for p in out.rglob("*") if p.is_file()} == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["grid.csv", "out"]


def test_the_import_folder_has_the_usual_permissions(csv_path, tmp_path):
    import_antioquia.import_grid(csv_path, tmp_path / "out")
    umask = os.umask(0)
    os.umask(umask)
    assert (tmp_path / "out").stat().st_mode & 0o777 == 0o777 & ~umask


def test_a_csv_path_that_is_not_printable_is_refused(tmp_path, capsys):
    antioquia_synthetic.write_region(tmp_path / "a\nb.csv")
    assert import_antioquia.main(["--csv", str(tmp_path / "a\nb.csv"), "--out", str(tmp_path / "out")]) == 2
    assert "is not printable UTF-8 text; rename it" in capsys.readouterr().err
    assert not (tmp_path / "out").exists()


def dead_pid():
    """The id of a process that has ended (a child reaped here)."""
    child = subprocess.Popen([sys.executable, "-c", ""])
    child.wait()
    return child.pid


def test_what_a_killed_import_left_is_cleaned_and_the_earlier_import_put_back(csv_path, tmp_path, capsys):
    earlier = tmp_path / "earlier"
    import_antioquia.import_grid(csv_path, earlier)
    (earlier / "features" / "stale.tif").write_bytes(b"")  # marks the earlier import apart from the new one
    # Killed (SIGKILL) between its renames: the earlier import moved aside, no out, a half-written stage.
    pid = dead_pid()
    aside = tmp_path / f".out.replaced-{pid}-x1"
    aside.mkdir()
    earlier.rename(aside / "out")
    (tmp_path / f".out.importing-{pid}-x2" / "features").mkdir(parents=True)
    running = tmp_path / f".out.importing-{os.getpid()}-x3"  # an import still running: left alone
    running.mkdir()
    (tmp_path / ".out.importing-notes").mkdir()  # not an import's name: left alone

    assert import_antioquia.main(["--csv", str(csv_path), "--out", str(tmp_path / "out")]) == 0
    assert "note: put back the earlier import in" in capsys.readouterr().err
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(
        ["grid.csv", "out", running.name, ".out.importing-notes"])
    # Put back, then replaced by the new import as any earlier one is: its stale file is gone.
    assert (tmp_path / "out" / "manifest.json").is_file() and not (tmp_path / "out" / "features" / "stale.tif").exists()


def test_killed_while_removing_the_earlier_import_the_rest_is_removed(csv_path, tmp_path, capsys):
    out = tmp_path / "out"
    import_antioquia.import_grid(csv_path, out)
    aside = tmp_path / f".out.replaced-{dead_pid()}-x1"
    (aside / "out" / "features").mkdir(parents=True)  # its manifest removed already
    (aside / "out" / "label.tif").write_text("what rmtree had not reached")
    import_antioquia.import_grid(csv_path, out)
    assert "note" not in capsys.readouterr().err
    assert sorted(p.name for p in tmp_path.iterdir()) == ["grid.csv", "out"]


@pytest.mark.parametrize("make", [
    lambda out: out.symlink_to(out.parent / "nowhere"),
    lambda out: out.write_text("a file"),
    lambda out: out.mkdir(),
    lambda out: (out.mkdir(), (out / "manifest.json").write_text("{}")),  # killed after the new one stood
])
def test_an_earlier_import_moved_aside_is_kept_when_out_is_something_else(csv_path, tmp_path, capsys, make):
    """Killed between the renames, then --out made into a link, a file, an empty folder or
    another import: the earlier import, moved aside, may be the only copy; it is left where it
    is, and said so."""
    earlier = tmp_path / "earlier"
    import_antioquia.import_grid(csv_path, earlier)
    aside = tmp_path / f".out.replaced-{dead_pid()}-x1"
    aside.mkdir()
    earlier.rename(aside / "out")
    out = tmp_path / "out"
    make(out)
    # A link or a file at --out is refused (2); an empty folder or an import is replaced (0).
    assert import_antioquia.main(["--csv", str(csv_path), "--out", str(out)]) == (2 if out.is_symlink() or out.is_file()
                                                                                  else 0)
    assert f"note: {aside} holds an earlier import" in capsys.readouterr().err
    assert (aside / "out" / "manifest.json").is_file()
