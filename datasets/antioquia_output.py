"""The importer's output folder, written safely: every file goes into a new folder beside it, which
takes the old folder's place only once complete. So an import never writes through a link into
another file, never leaves a partial folder where a good one stood, and leaves no file of an
earlier import behind (a column dropped since)."""
import contextlib
import os
import pathlib
import shutil
import tempfile

from antioquia_lattice import InputError

# What an import writes: an existing --out holding anything else is someone else's folder.
IMPORT_ENTRIES = {"features", "label.tif", "municipality.tif", "municipalities.csv", "points.gpkg", "manifest.json"}


def check_out(out_dir):
    """Refuses an --out the import must not replace: empty, a link, a file, or a folder holding
    more than an earlier import's files."""
    if str(out_dir) == "":
        raise InputError("--out is empty; give the folder to write the import into")
    out_dir = pathlib.Path(out_dir)
    if out_dir.is_symlink():
        raise InputError(f"--out {out_dir} is a symbolic link; give the folder itself (an import never writes "
                         f"through a link)")
    if not out_dir.exists():
        return
    if not out_dir.is_dir():
        raise InputError(f"--out {out_dir} is a file; give a folder")
    foreign = sorted(entry.name for entry in out_dir.iterdir() if entry.name not in IMPORT_ENTRIES)
    if foreign:
        raise InputError(f"--out {out_dir} holds {foreign[0]!r}, which no import writes; give a new or empty folder "
                         f"(an earlier import's folder is replaced whole)")


@contextlib.contextmanager
def staged(out_dir):
    """Yields a new empty folder beside out_dir to write the import into; on success it replaces
    out_dir, on any failure it is removed and out_dir is left as it was."""
    out_dir = pathlib.Path(out_dir).absolute()
    check_out(out_dir)
    try:
        out_dir.parent.mkdir(parents=True, exist_ok=True)
        stage = pathlib.Path(tempfile.mkdtemp(prefix=f".{out_dir.name}.importing-", dir=out_dir.parent))
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
    """Puts folder `new` at `old`'s path; an existing `old` is moved aside first, then removed."""
    if not old.exists():
        os.rename(new, old)
        return
    aside = pathlib.Path(tempfile.mkdtemp(prefix=f".{old.name}.replaced-", dir=old.parent))
    try:
        os.rename(old, aside / old.name)
        try:
            os.rename(new, old)
        except OSError:
            os.rename(aside / old.name, old)  # put the earlier import back
            raise
    finally:
        shutil.rmtree(aside, ignore_errors=True)  # rmtree removes links, never what they point to
