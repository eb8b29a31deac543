"""What the validation scripts share: the checks of their arguments made before any work (so that
nothing fails after minutes of it), their work folder, and files written whole."""
import contextlib
import os
import shutil
import tempfile


def check_not_empty(parser, args, options):
    """An empty path names no file; taken as "not given", it would run something else."""
    for option in options:
        if getattr(args, option) == "":
            parser.error(f"--{option.replace('_', '-')} is empty; give a path, or leave the option out")


def check_new_json(parser, path, keep=None):
    """Refuses (argparse's way, exit code 2) a --json that could not be written as a new file,
    or that lies in the --keep folder, which the run writes over."""
    if not path or os.path.lexists(path) or path.endswith(os.sep):
        parser.error(f"--json {path!r} is empty, exists or names a folder; give a new file's name (one is never "
                     f"replaced)")
    folder = os.path.dirname(os.path.abspath(path))
    if not os.path.isdir(folder):
        parser.error(f"--json {path}: its folder does not exist")
    if not os.access(folder, os.W_OK):
        parser.error(f"--json {path}: its folder cannot be written to; choose another")
    if keep and os.path.realpath(keep) in (os.path.realpath(folder), *parents(os.path.realpath(folder))):
        parser.error(f"--json {path} lies in --keep {keep}, which the run writes into; give a path outside it")


def parents(path):
    while os.path.dirname(path) != path:
        path = os.path.dirname(path)
        yield path


def check_folder(parser, option, path):
    """Refuses a folder option whose path cannot be made a folder: a file stands at it or above
    it, or the nearest folder cannot be written to."""
    nearest = os.path.abspath(path)
    while not os.path.lexists(nearest):
        nearest = os.path.dirname(nearest)
    if not os.path.isdir(nearest):
        parser.error(f"{option} {path}: a file stands where a folder is needed; choose another path")
    if not os.access(nearest, os.W_OK):
        parser.error(f"{option} {path}: {nearest} cannot be written to; choose another path")


def check_program(parser, path):
    """The program's absolute path: a bare name is looked for in the current folder, as this check
    looks, not on PATH, as running it would."""
    if not (os.path.isfile(path) and os.access(path, os.X_OK)):
        parser.error(f"--minerisk {path} is not a program; build it (scripts/setup) or give its path")
    return os.path.abspath(path)


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


@contextlib.contextmanager
def replaced_whole(path, prefix=".partial-"):
    """A temporary name beside `path` to write into (yielded). When the block ends without an
    error it is renamed over `path`, so a file that stood there is replaced whole or not at all;
    otherwise it is removed (with a GDAL .aux.xml beside it)."""
    handle, temporary = tempfile.mkstemp(prefix=prefix, suffix=os.path.splitext(path)[1],
                                         dir=os.path.dirname(os.path.abspath(path)))
    os.close(handle)
    try:
        yield temporary
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(temporary, 0o666 & ~umask)  # as an ordinary new file, not mkstemp's private 0600
        os.replace(temporary, path)
    finally:
        for leftover in (temporary, temporary + ".aux.xml"):
            if os.path.lexists(leftover):
                os.unlink(leftover)
