"""Paths as the engine takes them."""
import os


def _path(path) -> str:
    """A path as text: str, bytes (decoded as the file system does) or os.PathLike of either."""
    return os.fsdecode(os.fspath(path))
