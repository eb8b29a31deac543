"""What the validation scripts share: the checks of their arguments made before any work (so that
nothing fails after minutes of it), and their work folder."""
import contextlib
import os
import shutil
import tempfile


def check_new_json(parser, path):
    """Refuses (argparse's way, exit code 2) a --json that could not be written as a new file."""
    if not path or os.path.lexists(path):
        parser.error(f"--json {path!r} is empty or exists; give a new file's name (one is never replaced)")
    folder = os.path.dirname(os.path.abspath(path))
    if not os.path.isdir(folder):
        parser.error(f"--json {path}: its folder does not exist")
    if not os.access(folder, os.W_OK):
        parser.error(f"--json {path}: its folder cannot be written to; choose another")


def check_folder(parser, option, path):
    """Refuses a folder option whose path cannot be a folder: a file stands at it or above it."""
    nearest = os.path.abspath(path)
    while not os.path.lexists(nearest):
        nearest = os.path.dirname(nearest)
    if not os.path.isdir(nearest):
        parser.error(f"{option} {path}: a file stands where a folder is needed; choose another path")


def check_program(parser, path):
    if not (os.path.isfile(path) and os.access(path, os.X_OK)):
        parser.error(f"--minerisk {path} is not a program; build it (scripts/setup) or give its path")


@contextlib.contextmanager
def work_folder(keep, prefix):
    """The folder to work in, absolute: --keep's (made if need be, kept) or a temporary one,
    removed at the end whatever happens."""
    if keep:
        os.makedirs(keep, exist_ok=True)
        yield os.path.abspath(keep)
        return
    work = tempfile.mkdtemp(prefix=prefix)
    try:
        yield work
    finally:
        shutil.rmtree(work, ignore_errors=True)
