"""Paths as the engine takes them."""
import os


def _path(path, name: str = "path") -> str:
    """A path as text: str, bytes (decoded as the file system does) or os.PathLike of either. A
    NUL character is refused, naming the argument `name`: C++ and GDAL end the text there, so
    'scenario.toml\\0x' read scenario.toml."""
    text = os.fsdecode(os.fspath(path))
    if "\0" in text:
        raise ValueError(f"{name}: {text!r} holds a NUL character, which no file name holds; remove it")
    return text
