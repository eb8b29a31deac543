"""Paths as the engine takes them."""
import os

# C++ and GDAL end a text at a NUL: 'scenario.toml\\0x' read scenario.toml.
NUL_REFUSAL = "holds a NUL character, which ends a text or a file name in C++ and GDAL (the rest would be dropped); remove it"


def _path(path, name: str = "path") -> str:
    """A path as text: str, bytes (decoded as the file system does) or os.PathLike of either. A
    NUL character is refused, naming the argument `name`."""
    text = os.fsdecode(os.fspath(path))
    if "\0" in text:
        raise ValueError(f"{name}: {NUL_REFUSAL}")
    return text
