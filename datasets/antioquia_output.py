"""The importer's output folder, written safely: every file goes into a new folder beside it, which
takes the old folder's place only once complete. So an import never writes through a link into
another file, never leaves a partial folder where a good one stood, never removes a file it did
not write, and leaves no file of an earlier import behind (a column dropped since)."""
import contextlib
import os
import pathlib
import re
import shutil
import sys
import tempfile

from antioquia_lattice import InputError

# What an import writes at the top of --out: the folder of feature rasters, and files.
IMPORT_FILES = {"label.tif", "municipality.tif", "municipalities.csv", "points.gpkg", "manifest.json"}
FEATURES = "features"  # holding .tif files only


def check_out(out_dir, csv_path=None):
    """Refuses an --out the import must not replace: empty, a link, a file, a folder holding
    anything an earlier import did not write (links aside: removing one removes no data), or
    the folder the CSV lies in."""
    if str(out_dir) == "":
        raise InputError("--out is empty; give the folder to write the import into")
    try:
        recover_killed_import(pathlib.Path(os.path.abspath(out_dir)))
        refuse_foreign(pathlib.Path(os.path.abspath(out_dir)), csv_path)
    except OSError as error:
        raise InputError(f"--out {out_dir}: {error.strerror}") from None


def work_prefix(out_dir, kind):
    """The name of a working folder beside out_dir begins with the importer's process id, so that a
    later import can tell one a killed import left from one an import still running uses."""
    return f".{out_dir.name}.{kind}-{os.getpid()}-"


def left_by_killed_imports(out_dir, kind):
    """The working folders of one kind beside out_dir whose import is no longer running."""
    pattern = re.compile(rf"\.{re.escape(out_dir.name)}\.{kind}-(\d+)-")
    for entry in sorted(out_dir.parent.iterdir()) if out_dir.parent.is_dir() else ():
        found = pattern.match(entry.name)
        if found and entry.is_dir() and not entry.is_symlink() and not is_running(int(found.group(1))):
            yield entry


def is_running(pid):
    try:
        os.kill(pid, 0)
    except (ProcessLookupError, OverflowError):  # no such process; a number no process has
        return False
    except PermissionError:  # another user's process
        return True
    return True


def is_an_import(folder):
    return folder.is_dir() and not folder.is_symlink() and (folder / "manifest.json").is_file()


def recover_killed_import(out_dir):
    """Finishes what an import killed outright (SIGKILL, power loss) left beside out_dir; any other
    failure cleans up after itself. Killed between its two renames, it left the earlier import
    moved aside and no out_dir: that import is put back. An earlier import moved aside while
    out_dir stands is never removed (it may be the only copy): a note names it. A half-written
    new folder, or a half-removed earlier one, is removed."""
    for aside in left_by_killed_imports(out_dir, "replaced"):
        earlier = aside / out_dir.name
        if not os.path.lexists(out_dir) and is_an_import(earlier):
            os.rename(earlier, out_dir)
            os.rmdir(aside)
            print(f"note: put back the earlier import in {out_dir}, which an import killed while replacing it "
                  f"had moved aside", file=sys.stderr)
        elif is_an_import(earlier):  # --out stands, but it may not be the import that replaced this one
            print(f"note: {aside} holds an earlier import, which an import killed while replacing it had moved "
                  f"aside; move it back to {out_dir} or remove it", file=sys.stderr)
        else:  # killed while removing it, once the new import stood
            shutil.rmtree(aside, ignore_errors=True)
    for stage in left_by_killed_imports(out_dir, "importing"):
        shutil.rmtree(stage, ignore_errors=True)


def refuse_foreign(out_dir, csv_path):
    if out_dir.is_symlink():
        raise InputError(f"--out {out_dir} is a symbolic link; give the folder itself (an import never writes "
                         f"through a link)")
    if not out_dir.exists():
        return
    if not out_dir.is_dir():
        raise InputError(f"--out {out_dir} is a file; give a folder")
    if csv_path is not None and pathlib.Path(os.path.realpath(out_dir)) in pathlib.Path(
            os.path.realpath(csv_path)).parents:
        raise InputError(f"--out {out_dir} holds the CSV {csv_path}; write the import elsewhere")
    for entry in sorted(out_dir.iterdir()):
        ours = (entry.is_symlink() or entry.name in IMPORT_FILES and entry.is_file()
                or entry.name == FEATURES and entry.is_dir())
        if not ours:
            refuse_entry(out_dir, entry)
    features = out_dir / FEATURES
    if features.is_dir() and not features.is_symlink():
        for entry in sorted(features.iterdir()):
            if not (entry.is_symlink() or entry.suffix == ".tif" and entry.is_file()):
                refuse_entry(out_dir, entry)


def refuse_entry(out_dir, entry):
    raise InputError(f"--out {out_dir} holds {str(entry.relative_to(out_dir))!r}, which no import writes; give a "
                     f"new or empty folder (an earlier import's folder is replaced whole)")


@contextlib.contextmanager
def staged(out_dir):
    """Yields a new empty folder beside out_dir to write the import into; on success it replaces
    out_dir, on any failure it is removed and out_dir is left as it was."""
    out_dir = pathlib.Path(os.path.abspath(out_dir))  # "x/.." is x's parent, not a folder made through x
    try:
        out_dir.parent.mkdir(parents=True, exist_ok=True)
        stage = pathlib.Path(tempfile.mkdtemp(prefix=work_prefix(out_dir, "importing"), dir=out_dir.parent))
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(stage, 0o777 & ~umask)  # as a folder made the usual way, not mkdtemp's 0700
    except OSError as error:
        raise InputError(f"cannot create the output folder {out_dir}: {error.strerror}") from None
    try:
        yield stage
        replace_folder(stage, out_dir)
    except OSError as error:
        raise InputError(f"cannot write the import into {out_dir}: {error.strerror}") from None
    except RuntimeError as error:  # GDAL's, e.g. a full disk while writing a GeoTIFF
        raise InputError(f"cannot write the import into {out_dir}: {error}") from None
    finally:
        shutil.rmtree(stage, ignore_errors=True)  # gone already when it replaced out_dir


def replace_folder(new, old):
    """Puts folder `new` at `old`'s path. An existing `old` is moved aside first and removed only
    once `new` stands in its place; if that fails or is interrupted, `old` is put back."""
    if not old.exists():
        os.rename(new, old)
        return
    aside = pathlib.Path(tempfile.mkdtemp(prefix=work_prefix(old, "replaced"), dir=old.parent))
    try:
        os.rename(old, aside / old.name)
    except BaseException:
        os.rmdir(aside)
        raise
    try:
        os.rename(new, old)
    except BaseException:  # an interrupt too: the earlier import must not be lost with the new one
        os.rename(aside / old.name, old)
        os.rmdir(aside)
        raise
    shutil.rmtree(aside, ignore_errors=True)  # rmtree removes links, never what they point to
